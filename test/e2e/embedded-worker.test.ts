/**
 * `attune serve` without NATS runs the profile projector in a worker thread of its own: profiles follow
 * events at once, the main thread's hot state gets the thread's updates, /metrics shows the thread's
 * work, and SIGTERM stops both cleanly. A backlog left by a killed server is applied after a restart.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { uniqueId } from '../builders/events.ts'

const WRITE = 'wk_thread_test_0123456789'
const SECRET = 'sk_thread_test_0123456789'

describe('embedded worker thread', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-thread-'))
  const env = {
    ATTUNE_DATA_DIR: dataDir,
    ATTUNE_WRITE_KEY: WRITE,
    ATTUNE_SECRET_KEY: SECRET,
    // One-process mode on SQLite whatever the surrounding environment says.
    ATTUNE_DATABASE_URL: '',
    ATTUNE_REDIS_URL: '',
    ATTUNE_NATS_URL: '',
    ATTUNE_EMBEDDED_WORKER: '',
  }
  const children: Child[] = []
  after(async () => {
    await Promise.all(children.map((c) => kill(c)))
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  const profileOf = async (url: string, id: string) => request(`${url}/v1/people/${encodeURIComponent(id)}`, { auth: bearer(SECRET) })
  const send = async (url: string, batch: unknown[]) => {
    const reply = await request(`${url}/v1/batch`, { auth: basicAuth(WRITE), json: { batch } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
  }

  it('keeps profiles current from a thread, reports its work in /metrics and stops on SIGTERM', async () => {
    const server = await startServe(env)
    children.push(server)
    const [user, anon] = [uniqueId('user'), uniqueId('anon')]
    await send(server.url, [
      { type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: 'p1', category: 'Shoes > Running' } },
      { type: 'identify', userId: user, anonymousId: anon, traits: { email: `${user}@example.com` } },
    ])
    await waitFor(async () => (await profileOf(server.url, user)).body?.activity?.events === 2, 5000, () => server.output())
    // A second update reaches the main thread's hot state too (the first read may have come from the store).
    await send(server.url, [{ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: 'p2', category: 'Shoes > Trail' } }])
    await waitFor(async () => (await profileOf(server.url, `${user}@example.com`)).body?.activity?.events === 3, 5000, () => server.output())
    const metrics = await request(`${server.url}/metrics`, { auth: bearer(SECRET) })
    await waitFor(async () => /attune_profile_events_applied_total [1-9]/.test((await request(`${server.url}/metrics`, { auth: bearer(SECRET) })).body), 3000, () => metrics.body)
    server.process.kill('SIGTERM')
    assert.equal(await server.exited, 0, server.output())
  })

  it('applies the events a killed server had acknowledged but not yet applied, after a restart', async () => {
    const first = await startServe(env)
    children.push(first)
    const people = Array.from({ length: 50 }, () => uniqueId('burst'))
    await send(first.url, people.flatMap((p) => Array.from({ length: 20 }, (_, i) => ({ type: 'track', event: 'Product Viewed', userId: p, properties: { product_id: `p${i}` } }))))
    await kill(first, 'SIGKILL')
    const second = await startServe(env)
    children.push(second)
    await waitFor(async () => {
      for (const p of people) if ((await profileOf(second.url, p)).body?.activity?.events !== 20) return false
      return true
    }, 15_000, () => second.output())
  })
})
