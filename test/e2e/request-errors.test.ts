/**
 * Requests the framework refuses, and clients that go away: every content type gets the same JSON parser
 * with the prototype-key guard; a framework error (bad length, media type, size, a body stream that fails)
 * is answered with its 4xx in the catalogue's shape and never logged as an unhandled bug; a client that hangs
 * up mid-body is logged as that, at info, not as the store being unavailable. Log lines are read from
 * the app's own pino logger. A compressed body the server never reads cannot take `attune serve` down.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { deflateSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { anEvent, uniqueId } from '../builders/events.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { rawRequest } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'
import { untilServerCloses } from '../support/raw-http.ts'

interface LogLine {
  level: number
  msg: string
  err?: { code?: string }
}

describe('refused requests and their logs', () => {
  let server: TestServer
  const lines: LogLine[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    },
  })
  before(async () => {
    server = await startServer({}, { logger: { level: 'debug', stream } })
  })
  after(async () => {
    await server.close()
  })
  /** Warnings and errors logged since `from`. */
  const complaints = (from: number) => lines.slice(from).filter((l) => l.level >= 40)

  it('refuses "__proto__" and "constructor.prototype" keys alike in application/json and text/plain bodies, naming the problem', async () => {
    const from = lines.length
    const poisoned = [
      `{"userId": "p1", "event": "E", "messageId": "${uniqueId('m')}", "properties": {"__proto__": {"polluted": "yes"}}}`,
      `{"userId": "p2", "event": "E", "messageId": "${uniqueId('m')}", "properties": {"constructor": {"prototype": {"polluted": "yes"}}}}`,
    ]
    for (const body of poisoned) {
      for (const contentType of ['application/json', 'text/plain', 'text/plain; charset=utf-8']) {
        const reply = await request(`${server.url}/v1/track`, { body, contentType, auth: basicAuth(server.writeKey) })
        const error = assertError(reply, 400, 'invalid_json')
        assert.match(error.error.message, /"__proto__" or "constructor\.prototype" key/, `${contentType}: ${body}`)
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
    // A plain "constructor" property is data, not an attack.
    const fine = await request(`${server.url}/v1/track`, {
      json: anEvent({ userId: uniqueId('c'), event: 'Material Chosen', properties: { constructor: 'wood' } }),
      contentType: 'text/plain',
      auth: basicAuth(server.writeKey),
    })
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
    assert.deepEqual(complaints(from), [])
  })

  it('answers framework errors with their 4xx in the catalogue shape and logs none as unhandled', async () => {
    const from = lines.length
    const track = (body: string | Buffer, headers: Record<string, string>) =>
      fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: basicAuth(server.writeKey), ...headers }, body })
    const asReply = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.json() })
    const event = JSON.stringify(anEvent({ userId: uniqueId('fw') }))
    // A deflate stream made with a preset dictionary: zlib fails with Z_NEED_DICT while reading the body.
    const needsDictionary = deflateSync(event, { dictionary: Buffer.from('userId event messageId') })
    assertError(await asReply(await track(needsDictionary, { 'content-type': 'application/json', 'content-encoding': 'deflate' })), 400, 'invalid_json')
    assertError(await asReply(await track(event, { 'content-type': 'application/xml' })), 415, 'unsupported_media_type')
    assertError(await asReply(await track('x'.repeat(40_000), { 'content-type': 'application/json' })), 413, 'payload_too_large')
    assertError(await asReply(await track(event, { 'content-type': 'application/json', 'content-encoding': 'br' })), 415, 'unsupported_media_type')
    // A deflate body that is not deflate, on a raw socket; and a Content-Length Node's parser cannot read.
    const port = Number(new URL(server.url).port)
    const raw = (headers: string, body: string) =>
      untilServerCloses(port, `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${basicAuth(server.writeKey)}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`, 5000)
    assert.match((await raw('Content-Encoding: deflate\r\nContent-Length: 5\r\n', 'xxxxx')).received, /^HTTP\/1\.1 400 [\s\S]*"code":"invalid_json"/)
    assert.match((await raw('Content-Length: five\r\n', '{}')).received, /^HTTP\/1\.1 400 [\s\S]*\{"error":\{"code":"bad_request","message":"[^"]+"\}\}$/)
    const unhandled = complaints(from)
    assert.deepEqual(unhandled.map((l) => `${l.level} ${l.msg} ${l.err?.code ?? ''}`), [])
  })

  it('logs a client that hangs up mid-body as a client abort at info, not as the store being unavailable', async () => {
    const from = lines.length
    const port = Number(new URL(server.url).port)
    const net = await import('node:net')
    const socket = net.connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basicAuth(server.writeKey)}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"userId": `)
    await sleep(100)
    socket.destroy()
    await waitFor(async () => lines.slice(from).some((l) => /client closed the connection/.test(l.msg)), 5000, () => JSON.stringify(lines.slice(from)))
    const abort = lines.slice(from).find((l) => /client closed the connection/.test(l.msg))!
    assert.equal(abort.level, 30, 'info')
    assert.deepEqual(complaints(from), [], 'no warning (the store is fine) and no error')
  })
})

describe('a compressed body that is never read', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-unread-'))
  const [WRITE, SECRET] = ['wk_unread_test_0123456789', 'sk_unread_test_0123456789']
  const agent = new http.Agent({ keepAlive: true })
  let child: Child | undefined
  after(async () => {
    agent.destroy()
    await kill(child)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('does not crash attune serve when it is not gzip or deflate at all (a 415 media type, a GET with a body)', async () => {
    const serve = await startServe({ ATTUNE_DATA_DIR: dataDir, ATTUNE_WRITE_KEY: WRITE, ATTUNE_SECRET_KEY: SECRET, ATTUNE_DATABASE_URL: '', ATTUNE_REDIS_URL: '', ATTUNE_NATS_URL: '' })
    child = serve
    const garbage = Buffer.from('not compressed at all')
    // Both answer before the body is parsed, so nothing reads the inflating stream that fails on it.
    const unread = [
      { method: 'POST', path: '/v1/track', authorization: basicAuth(WRITE), contentType: 'application/xml', status: 415 },
      { method: 'GET', path: '/v1/items', authorization: bearer(SECRET), contentType: 'application/json', status: 200 },
    ]
    for (const { method, path: at, authorization, contentType, status } of unread) {
      for (const encoding of ['gzip', 'deflate']) {
        const reply = await rawRequest(serve.url, { method, path: at, headers: { authorization, 'content-type': contentType, 'content-encoding': encoding }, body: garbage }, agent)
        assert.equal(reply.status, status, `${method} ${at} (${encoding}): ${reply.text.slice(0, 200)}`)
      }
    }
    // The inflating streams fail on their own after the answers: give them the time to.
    await sleep(300)
    assert.equal(serve.process.exitCode, null, `attune serve exited:\n${serve.output()}`)
    assert.equal((await fetch(`${serve.url}/healthz`)).status, 200)
    assert.doesNotMatch(serve.output(), /incorrect header check|uncaught/i)
  })
})
