/**
 * A request without a valid key costs the server no body: it is answered 401 before its body is read
 * (so a 16 MB gzip body of a few KB on the wire is never inflated), a key in the body is read only from a
 * small uncompressed body, and requests without a valid key count per client address (429 past the limit).
 * "Before its body is read" is checked structurally: the answer arrives while the client has sent only the
 * first kilobyte, and the same request with a valid key gets no answer until the rest comes.
 */
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { anEvent, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { sendPartially } from '../support/raw-http.ts'

/** About 16 MB of item JSON, a few KB gzipped. */
function bigItemsBody(): Buffer {
  const items = Array.from({ length: 1000 }, (_, i) => ({ id: `big-${i}`, title: 'Big', price: 1, description: 'x'.repeat(16_000) }))
  return Buffer.from(JSON.stringify({ items }))
}

const gzipJson = { 'content-type': 'application/json', 'content-encoding': 'gzip' }

describe('requests without a valid key', () => {
  let server: TestServer
  const inflated = bigItemsBody()
  const wire = gzipSync(inflated)
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server.close()
  })

  it('answers a 16 MB gzip body with no key or a bad key 401 before the client has sent it, and closes the connection', async () => {
    assert.ok(inflated.length > 16_000_000 && wire.length < 100_000, `${inflated.length} bytes inflated, ${wire.length} on the wire`)
    const cases: [string, Record<string, string>, number, string][] = [
      ['/v1/items', {}, 401, 'missing_key'],
      ['/v1/items', { authorization: bearer('sk_not_a_key_of_this_server') }, 401, 'invalid_key'],
      ['/v1/items', { authorization: bearer(server.writeKey) }, 403, 'insufficient_scope'],
      ['/v1/batch', { authorization: basicAuth('wk_not_a_key_of_this_server') }, 401, 'invalid_key'],
    ]
    for (const [path, auth, status, code] of cases) {
      const reply = await sendPartially(`${server.url}${path}`, { headers: { ...gzipJson, ...auth }, body: wire, sendBytes: 1024 })
      assertError(reply, status, code, 'authorization')
      assert.equal(reply.sentBytes, 1024, 'answered while the client had sent 1 KB of the body')
      assert.equal(reply.headers.get('connection'), 'close', 'the rest of the body is not drained')
    }
    // The control: with the secret key the server does wait for the body (so the early answers above were not luck).
    await assert.rejects(
      sendPartially(`${server.url}/v1/items`, { headers: { ...gzipJson, authorization: bearer(server.secretKey) }, body: wire, sendBytes: 1024, waitMs: 1000 }),
      /no answer within 1000 ms/,
    )
    // ... and accepts a compressed body whole.
    const small = gzipSync(JSON.stringify({ items: [{ id: uniqueId('gz'), title: 'Small', price: 2 }] }))
    const ok = await fetch(`${server.url}/v1/items`, { method: 'POST', headers: { ...gzipJson, authorization: bearer(server.secretKey) }, body: small })
    assert.equal(ok.status, 200, await ok.text())
  })

  it('reads a write key from the body only when the body is uncompressed and at most 64 KB; gzip needs the key in a header or ?writeKey=', async () => {
    const userId = uniqueId('bodykey')
    const batch = (n: number, extra: object = {}) => JSON.stringify({ batch: Array.from({ length: n }, () => anEvent({ userId })), ...extra })

    // gzip with the key inside: refused before the body is read.
    const gz = gzipSync(batch(5, { writeKey: server.writeKey }))
    assertError(await sendPartially(`${server.url}/v1/batch`, { headers: gzipJson, body: gz, sendBytes: 100 }), 401, 'missing_key', 'authorization')

    // Over 64 KB with the key inside: 413, by Content-Length before reading, or while reading a chunked body.
    const large = Buffer.from(batch(600, { writeKey: server.writeKey }))
    assert.ok(large.length > 64 * 1024 && large.length < 500 * 1024)
    assertError(await sendPartially(`${server.url}/v1/batch`, { headers: { 'content-type': 'text/plain' }, body: large, sendBytes: 100 }), 413, 'payload_too_large')
    const chunked = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < large.length; at += 16_384) controller.enqueue(large.subarray(at, at + 16_384))
          controller.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    assert.equal(chunked.status, 413, await chunked.text())

    // What sendBeacon sends still works; so does gzip with the key in the query or a header.
    const beacon = await request(`${server.url}/v1/batch`, { body: batch(2, { writeKey: server.writeKey }), contentType: 'text/plain' })
    assert.equal(beacon.status, 200, JSON.stringify(beacon.body))
    const query = await fetch(`${server.url}/v1/batch?writeKey=${server.writeKey}`, { method: 'POST', headers: gzipJson, body: gzipSync(batch(3)) })
    assert.equal(query.status, 200, await query.text())
    const header = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { ...gzipJson, authorization: basicAuth(server.writeKey) }, body: gzipSync(batch(4)) })
    assert.equal(header.status, 200, await header.text())
    const { events } = await new Api(server).allEvents(userId)
    assert.equal(events.length, 2 + 3 + 4, 'the accepted batches are stored, the refused ones not')
  })
})

describe('the limit on requests without a valid key', () => {
  it('answers 429 with Retry-After once an address passes it, before reading a body, while a valid key in a header still passes', async () => {
    const server = await startServer({}, { env: { ATTUNE_AUTH_FAILURE_LIMIT: '3' } })
    try {
      // The count is per minute: start early in one.
      const intoMinute = Date.now() % 60_000
      if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50))
      const event = () => JSON.stringify(anEvent({ userId: uniqueId('limit') }))
      const badKey = () => request(`${server.url}/v1/track`, { body: event(), auth: bearer('wk_not_a_key_of_this_server') })
      for (let i = 0; i < 3; i++) assertError(await badKey(), 401, 'invalid_key')
      const limited = await badKey()
      assertError(limited, 429, 'rate_limited')
      const retryAfter = Number(limited.headers.get('retry-after'))
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
      // No key at all (also not in the body, which is not read): 429 at once, for a gzip body as for any.
      const noKey = await sendPartially(`${server.url}/v1/items`, { headers: gzipJson, body: gzipSync(bigItemsBody()), sendBytes: 1024 })
      assertError(noKey, 429, 'rate_limited')
      assertError(await request(`${server.url}/v1/track`, { body: event() }), 429, 'rate_limited')
      // A shopper with the real key is not locked out by a neighbour guessing keys.
      assert.equal((await request(`${server.url}/v1/track`, { body: event(), auth: basicAuth(server.writeKey) })).status, 200)
    } finally {
      await server.close()
    }
  })
})

describe('client addresses behind a proxy', () => {
  it('counts per X-Forwarded-For address with ATTUNE_TRUST_PROXY, and per connection address without it', async () => {
    const event = () => JSON.stringify(anEvent({ userId: uniqueId('proxy') }))
    const badKeyFrom = (url: string, address: string) =>
      request(`${url}/v1/track`, { body: event(), auth: bearer('wk_not_a_key_of_this_server'), headers: { 'x-forwarded-for': address } })
    for (const trust of ['1', '']) {
      const server = await startServer({}, { env: { ATTUNE_AUTH_FAILURE_LIMIT: '2', ATTUNE_TRUST_PROXY: trust } })
      try {
        const intoMinute = Date.now() % 60_000
        if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50))
        for (let i = 0; i < 2; i++) assertError(await badKeyFrom(server.url, '203.0.113.1'), 401, 'invalid_key')
        assertError(await badKeyFrom(server.url, '203.0.113.1'), 429, 'rate_limited')
        // Another client behind the same proxy: its own count when the proxy is trusted, the same one otherwise.
        if (trust) assertError(await badKeyFrom(server.url, '203.0.113.2'), 401, 'invalid_key')
        else assertError(await badKeyFrom(server.url, '203.0.113.2'), 429, 'rate_limited')
      } finally {
        await server.close()
      }
    }
  })
})
