/**
 * Paths the router or the docs' static files cannot take (bad percent-encoding, an over-long path parameter,
 * file names the static server refuses) answer in the documented error body, never in Fastify's own shape
 * or as a 500. Found by test/e2e/fuzz.test.ts.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { bearer } from '../builders/http.ts'
import { errorBodyProblem, errorCodeOf, rawRequest } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'

describe('paths the router cannot take', () => {
  let server: TestServer
  const agent = new http.Agent({ keepAlive: true })
  const get = (path: string, authorization?: string) => rawRequest(server.url, { method: 'GET', path, headers: authorization ? { authorization } : {} }, agent)

  before(async () => {
    server = await startServer()
  })
  after(async () => {
    agent.destroy()
    await server?.close()
  })

  it('answers 400 invalid_field naming the path for a path that is not valid percent-encoded UTF-8', async () => {
    for (const path of ['/v1/items/%zz', '/v1/items/%', '/v1/people/%ED%A0%80/events', '/v1/models/%C0%AF/activate', '/%', '/docs/static/%zz']) {
      const reply = await get(path, bearer(server.secretKey))
      assert.equal(reply.status, 400, `${path}: ${reply.text}`)
      assert.equal(errorBodyProblem(reply), null, `${path}: ${reply.text}`)
      assert.equal(errorCodeOf(reply), 'invalid_field', path)
      assert.equal(JSON.parse(reply.text).error.field, 'path', path)
    }
  })

  it('answers a path parameter longer than the router takes in the documented error body', async () => {
    const reply = await get(`/v1/items/${'i'.repeat(2000)}`, bearer(server.secretKey))
    assert.ok(reply.status >= 400 && reply.status < 500, `${reply.status} ${reply.text.slice(0, 200)}`)
    assert.equal(errorBodyProblem(reply), null, reply.text.slice(0, 300))
    assert.equal(JSON.parse(reply.text).error.field, 'path')
  })

  it('sets the router\'s id limit as Fastify 5 documents (routerOptions), so starting warns of nothing deprecated', async () => {
    const warnings: string[] = []
    const collect = (warning: Error & { code?: string }) => warnings.push(`${warning.code ?? warning.name}: ${warning.message}`)
    process.on('warning', collect)
    try {
      const other = await startServer()
      await other.close()
      // process.emitWarning reports on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', collect)
    }
    assert.deepEqual(warnings.filter((w) => /^FST|Fastify/.test(w)), [])
  })

  it('answers 404 not_found, not 500, for documentation files the static server refuses to look up', async () => {
    for (const path of ['/docs/static/%00', '/docs/static/a%00b', '/docs/static/.', '/docs/static/..', `/docs/static/${'i'.repeat(256)}`, '/docs/static/%23']) {
      const reply = await get(path)
      assert.equal(reply.status, 404, `${path}: ${reply.text}`)
      assert.equal(errorBodyProblem(reply), null, `${path}: ${reply.text}`)
      assert.equal(errorCodeOf(reply), 'not_found', path)
    }
    assert.equal((await get('/docs/static/swagger-ui.css')).status, 200, 'the real files are still served')
  })
})
