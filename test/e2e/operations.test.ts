/**
 * Operating the server: health and readiness, Prometheus metrics, the OpenAPI document and docs page,
 * keys generated at first start (stored only as hashes), and a graceful shutdown that loses no
 * acknowledged event. Each test has its own server, data dir and port.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { describe, it } from 'node:test'
import { anEvent, events, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { startServer } from '../builders/server.ts'

/** The value of one Prometheus sample, e.g. sample(text, 'attune_events_total', { outcome: 'accepted' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return undefined
}

describe('health, readiness and the unknown', () => {
  it('answers /healthz, /readyz with the backends, the landing page, and 404 not_found for an unknown route', async () => {
    const server = await startServer()
    try {
      const health = await request(`${server.url}/healthz`)
      assert.equal(health.status, 200)
      assert.deepEqual(health.body, { status: 'ok' })
      const ready = await request(`${server.url}/readyz`)
      assert.equal(ready.status, 200)
      assert.deepEqual(ready.body, { status: 'ready', store: 'sqlite', stream: 'log', hotState: 'memory' })
      const landing = await request(`${server.url}/`)
      assert.equal(landing.status, 200)
      assert.match(landing.headers.get('content-type') ?? '', /text\/html/)
      assert.match(landing.body, /Attune is running/)
      assertError(await request(`${server.url}/v1/nothing-here`), 404, 'not_found')
    } finally {
      await server.close()
    }
  })
})

describe('metrics', () => {
  it('exposes Prometheus text whose event counts match what was accepted, duplicated and rejected', async () => {
    const server = await startServer()
    try {
      const api = new Api(server)
      const userId = uniqueId('metrics')
      const good = events(5, () => ({ userId }))
      const before = await request(`${server.url}/metrics`, { auth: bearer(server.secretKey) })
      assert.equal(before.status, 200)
      assert.equal(sample(before.body, 'attune_events_total', { outcome: 'accepted' }) ?? 0, 0)

      const batch = await api.batch([...good, anEvent({ userId: undefined }), anEvent({ userId, timestamp: 'never' })])
      assert.equal(batch.status, 400)
      assert.equal((await api.send('/v1/track', good[0])).status, 200) // a retry: duplicate
      assert.equal((await api.send('/v1/track', anEvent({ userId, event: '' }))).status, 400) // rejected
      assert.equal((await api.send('/v1/track', anEvent({ userId }), null)).status, 401) // refused before ingestion

      const metrics = await request(`${server.url}/metrics`, { auth: bearer(server.secretKey) })
      assert.equal(metrics.status, 200)
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/)
      const text = metrics.body as string
      assert.match(text, /^# HELP attune_events_total /m)
      assert.match(text, /^# TYPE attune_events_total counter$/m)
      const accepted = sample(text, 'attune_events_total', { outcome: 'accepted' })
      assert.equal(accepted, 5)
      assert.equal(sample(text, 'attune_events_total', { outcome: 'duplicate' }), 1)
      assert.equal(sample(text, 'attune_events_total', { outcome: 'rejected' }), 3)
      // Consistent with what is stored.
      assert.equal((await api.allEvents(userId)).events.length, accepted)
      assert.equal(sample(text, 'attune_http_requests_total', { method: 'POST', route: '/v1/batch', status: '400' }), 1)
      assert.equal(sample(text, 'attune_http_requests_total', { method: 'POST', route: '/v1/track', status: '200' }), 1)
      assert.equal(sample(text, 'attune_http_requests_total', { method: 'POST', route: '/v1/track', status: '401' }), 1)
      const commits = sample(text, 'attune_event_commit_events_sum')
      assert.equal(commits, 6, 'group commits carried the 5 new events and the retried one')
      assert.equal(sample(text, 'attune_event_writer_pending'), 0)
      assert.ok((sample(text, 'attune_process_resident_memory_bytes') ?? 0) > 0, 'Node process metrics are there')
    } finally {
      await server.close()
    }
  })
})

describe('API description', () => {
  it('serves an OpenAPI 3 document listing the tracking, catalogue and people paths, and HTML docs at /docs/', async () => {
    const server = await startServer()
    try {
      const reply = await request<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { securitySchemes: object } }>(
        `${server.url}/openapi.json`,
      )
      assert.equal(reply.status, 200)
      const doc = reply.body
      assert.match(doc.openapi, /^3\.\d+\.\d+$/)
      const paths = Object.keys(doc.paths)
      for (const p of [
        '/v1/track',
        '/v1/identify',
        '/v1/page',
        '/v1/screen',
        '/v1/alias',
        '/v1/group',
        '/v1/batch',
        '/v1/items',
        '/v1/items/{id}',
        '/v1/categories',
        '/v1/people/{userId}',
        '/v1/people/{userId}/events',
        '/healthz',
        '/readyz',
        '/metrics',
      ]) {
        assert.ok(paths.includes(p), `${p} is in /openapi.json (has: ${paths.join(', ')})`)
      }
      assert.deepEqual(Object.keys(doc.paths['/v1/items/{id}']!).sort(), ['delete', 'get', 'put'])
      assert.ok('post' in doc.paths['/v1/batch']!)
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'writeKeyBasic'])

      const html = await request(`${server.url}/docs/`)
      assert.equal(html.status, 200)
      assert.match(html.headers.get('content-type') ?? '', /text\/html/)
      assert.match(html.body, /<html/i)
      assert.match(html.body, /swagger/i)
    } finally {
      await server.close()
    }
  })
})

describe('keys generated at first start', () => {
  it('generates one write and one secret key that work, stores only their sha256 and keeps them across restarts', async () => {
    const noKeys = { env: { ATTUNE_WRITE_KEY: undefined, ATTUNE_SECRET_KEY: undefined } }
    const first = await startServer({}, noKeys)
    let stopped = false
    try {
      const generated = first.engine.generatedKeys
      assert.deepEqual(generated.map((k) => k.scope).sort(), ['secret', 'write'])
      const write = generated.find((k) => k.scope === 'write')!.key
      const secret = generated.find((k) => k.scope === 'secret')!.key
      assert.match(write, /^wk_[\w-]{43}$/)
      assert.match(secret, /^sk_[\w-]{43}$/)
      assert.equal(first.writeKey, write)

      const userId = uniqueId('gen')
      const event = anEvent({ userId })
      assert.equal((await request(`${first.url}/v1/track`, { json: event, auth: basicAuth(write) })).status, 200)
      const listed = await request(`${first.url}/v1/people/${userId}/events`, { auth: bearer(secret) })
      assert.equal(listed.status, 200)
      assert.deepEqual(listed.body.data.map((e: { messageId: string }) => e.messageId), [event.messageId])
      assertError(await request(`${first.url}/v1/people/${userId}/events`, { auth: bearer(write) }), 403, 'insufficient_scope')

      const files = () => fs.readdirSync(first.dataDir).map((f) => fs.readFileSync(path.join(first.dataDir, f)).toString('latin1')).join('\n')
      const sha = (key: string) => createHash('sha256').update(key).digest('hex')
      const check = (bytes: string, when: string) => {
        for (const key of [write, secret]) {
          assert.ok(!bytes.includes(key), `the key is not stored in plain text (${when})`)
          assert.ok(!bytes.includes(key.slice(3)), `no part of the key after its prefix is stored (${when})`)
          assert.ok(bytes.includes(sha(key)), `its sha256 is stored (${when})`)
        }
      }
      check(files(), 'while running, database and WAL')
      await first.stop()
      stopped = true
      check(fs.readFileSync(path.join(first.dataDir, 'attune.db')).toString('latin1'), 'database file after shutdown')

      const second = await startServer({ dataDir: first.dataDir }, noKeys)
      try {
        assert.deepEqual(second.engine.generatedKeys, [], 'no new keys on a later start')
        assert.equal((await request(`${second.url}/v1/track`, { json: anEvent({ userId }), auth: basicAuth(write) })).status, 200)
        assert.equal((await request(`${second.url}/v1/people/${userId}/events`, { auth: bearer(secret) })).body.data.length, 2)
      } finally {
        await second.stop()
      }
    } finally {
      if (!stopped) await first.stop()
      fs.rmSync(first.dataDir, { recursive: true, force: true })
    }
  })
})

describe('graceful shutdown', () => {
  it('completes the requests under way when closed, and keeps every acknowledged event after reopening', async () => {
    const server = await startServer()
    const keys = { env: { ATTUNE_WRITE_KEY: server.writeKey, ATTUNE_SECRET_KEY: server.secretKey } }
    let reopened: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      const api = new Api(server)
      const batches = Array.from({ length: 60 }, () => {
        const userId = uniqueId('shutdown')
        return { userId, events: events(50, () => ({ userId })) }
      })
      // Close as soon as 20 requests have reached the server: they, and others, are still being handled.
      const closeAfter = 20
      let arrived = 0
      let closing: Promise<void> | null = null
      let closeMs = -1
      server.app.server.on('request', () => {
        arrived += 1
        if (arrived !== closeAfter) return
        const started = Date.now()
        closing = server.stop().then(() => void (closeMs = Date.now() - started))
      })
      const outcomes = await Promise.all(
        batches.map(async (b) => {
          try {
            return (await api.batch(b.events)).status
          } catch {
            return 0 // connection refused or reset: not acknowledged
          }
        }),
      )
      assert.ok(closing, `the server was closed (${arrived} requests arrived)`)
      await closing
      // `attune serve` gives shutdown 20 s before it exits with an error.
      assert.ok(closeMs >= 0 && closeMs < 20_000, `close finished in ${closeMs} ms, without waiting for keep-alive timeouts`)
      const acked = outcomes.filter((s) => s === 200).length
      for (const status of outcomes) assert.ok([200, 503, 0].includes(status), `status ${status} is an acknowledgement or a refusal`)
      assert.ok(acked >= closeAfter, `every request that reached the server before close was answered 200 (${outcomes.join(',')})`)

      reopened = await startServer({ dataDir: server.dataDir }, keys)
      const again = new Api(reopened)
      for (const [i, b] of batches.entries()) {
        const stored = (await again.allEvents(b.userId)).events.map((e) => e.messageId).sort()
        if (outcomes[i] === 200) assert.deepEqual(stored, b.events.map((e) => String(e.messageId)).sort(), `acknowledged batch ${i} is all there`)
        else assert.ok(stored.length === 0 || stored.length === 50, `batch ${i} is stored whole or not at all (${stored.length})`)
      }
    } finally {
      await reopened?.stop()
      await server.close()
    }
  })

  it('closes promptly when a keep-alive request is under way at close, answering it first', async () => {
    const server = await startServer()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const userId = uniqueId('keepalive')
      const body = JSON.stringify({ batch: events(3, () => ({ userId })) })
      const arrived = new Promise<void>((resolve) => server.app.server.once('request', () => resolve()))
      const answered = new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
        const req = http.request(
          `${server.url}/v1/batch`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: basicAuth(server.writeKey) },
          },
          (res) => {
            let text = ''
            res.on('data', (d) => (text += d))
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, text }))
          },
        )
        req.on('error', reject)
        req.write(body.slice(0, 10)) // the request is under way: headers and part of the body sent
        arrived.then(() => setTimeout(() => req.end(body.slice(10)), 200))
      })
      await arrived
      const started = Date.now()
      const stopping = server.stop()
      const reply = await answered
      assert.equal(reply.status, 200, reply.text)
      assert.equal(reply.connection, 'close', 'a response sent while closing asks the client to drop the connection')
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref())
      assert.notEqual(await Promise.race([stopping.then(() => 'closed' as const), timeout]), 'timeout', 'close does not wait for the keep-alive timeout')
      assert.ok(Date.now() - started < 15_000)
      const reopened = await startServer({ dataDir: server.dataDir }, { env: { ATTUNE_WRITE_KEY: server.writeKey, ATTUNE_SECRET_KEY: server.secretKey } })
      try {
        assert.equal((await new Api(reopened).allEvents(userId)).events.length, 3)
      } finally {
        await reopened.stop()
      }
    } finally {
      agent.destroy()
      await server.close()
    }
  })
})
