/** ATTUNE_RATE_LIMIT counted in Redis holds across API nodes. Two in-process apps share one Redis prefix. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/core/index.ts'
import { buildApp, createEngine } from '../../src/server/index.ts'

const prefix = `ratelimit_${process.pid}_${Date.now().toString(36)}:`
const WRITE = 'wk_rate_limit_test_0001'

describe('rate limit across nodes', () => {
  const apps: FastifyInstance[] = []
  const urls: string[] = []
  const dirs: string[] = []
  before(async () => {
    for (let i = 0; i < 2; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-rate-'))
      dirs.push(dataDir)
      const config = loadConfig(
        { dataDir },
        { ATTUNE_REDIS_URL: 'redis://127.0.0.1:6379', ATTUNE_REDIS_PREFIX: prefix, ATTUNE_RATE_LIMIT: '5', ATTUNE_WRITE_KEY: WRITE, ATTUNE_SECRET_KEY: 'sk_rate_limit_test_0001' },
      )
      const app = await buildApp(await createEngine(config), { logger: false })
      urls.push(await app.listen({ port: 0, host: '127.0.0.1' }))
      apps.push(app)
    }
  })
  after(async () => {
    await Promise.all(apps.map((a) => a.close()))
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('answers 429 with Retry-After once one client passes the limit, whichever node it calls', async () => {
    const send = (url: string, i: number) =>
      fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE}` },
        body: JSON.stringify({ userId: 'rl', event: 'Ping', messageId: `rl-${i}-${Math.random()}` }),
      })
    // Align to the start of a second so all requests fall in one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20))
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => send(urls[i % 2]!, i)))
    const statuses = responses.map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(','))
    const limited = responses.find((r) => r.status === 429)!
    assert.equal(limited.headers.get('retry-after'), '1')
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited')
  })
})
