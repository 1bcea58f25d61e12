/**
 * Data named like JavaScript's own properties (`__proto__`, `constructor`, `toString`) is data: a
 * category, brand, product id, device type, channel, consent purpose or trait of that name folds into
 * the profile like any other, and nothing leaks into `Object.prototype`. Checked in process (where the
 * globals can be inspected) and through `attune serve`, whose profiles are folded in a worker thread.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { uniqueId } from '../builders/events.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer } from '../builders/server.ts'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'

/**
 * The events, as JSON text. Names arrive as values (`"category": "__proto__"`) and as keys where the
 * JSON parser's `__proto__` guard lets them through (`constructor`, `toString`).
 */
function hostileBatch(userId: string): string {
  const m = (body: string) => `{"messageId":"${uniqueId('msg')}","userId":"${userId}",${body}}`
  const web = '"context":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0","channel":"constructor","device":{"type":"__proto__"}}'
  return `{"batch":[${[
    m('"type":"identify","traits":{"toString":"trait","constructor":"c","consent":{"personalization":true,"constructor":true}}'),
    m(`"type":"track","event":"Product Viewed","properties":{"product_id":"__proto__","category":"__proto__","brand":"constructor"},${web}`),
    m(`"type":"track","event":"Product Viewed","properties":{"product_id":"constructor","category":"constructor > __proto__","brand":"__proto__"},${web}`),
    m(`"type":"track","event":"Product Added","properties":{"product_id":"__proto__","quantity":2,"price":5},${web}`),
    m(`"type":"track","event":"Product Added","properties":{"product_id":"constructor","quantity":1,"price":3},${web}`),
    m(`"type":"track","event":"Product Removed","properties":{"product_id":"toString","quantity":1},${web}`),
    m(`"type":"track","event":"constructor","properties":{}`),
  ].join(',')}]}`
}
const EVENTS = 7

/** What the profile of `hostileBatch` must show: every prototype name as an ordinary key. */
function assertFolded(profile: any): void {
  const names = (list: { name: string; score: number }[]) => Object.fromEntries(list.map((a) => [a.name, a.score]))
  const categories = names(profile.affinities.categories)
  const brands = names(profile.affinities.brands)
  for (const name of ['__proto__', 'constructor', 'constructor > __proto__']) assert.ok(categories[name]! > 0, `category ${name}: ${JSON.stringify(profile.affinities.categories)}`)
  for (const name of ['__proto__', 'constructor']) assert.ok(brands[name]! > 0, `brand ${name}: ${JSON.stringify(profile.affinities.brands)}`)
  assert.deepEqual(profile.recentlyViewed.map((r: { itemId: string }) => r.itemId).sort(), ['__proto__', 'constructor'])
  assert.deepEqual(profile.cart.items.map((l: { itemId: string; quantity: number }) => [l.itemId, l.quantity]).sort(), [['__proto__', 2], ['constructor', 1]])
  assert.equal(profile.cart.value, 13)
  assert.ok(Object.hasOwn(profile.devices, '__proto__'), JSON.stringify(profile.devices))
  assert.equal(profile.devices.__proto__, 5)
  assert.equal(profile.channels.constructor, 5)
  assert.equal(profile.traits.constructor, 'c')
  assert.equal(profile.traits.toString, 'trait')
  assert.equal(profile.consent.constructor?.granted, true, JSON.stringify(profile.consent))
  assert.equal(profile.activity.kinds.custom, 1, 'an event named "constructor" is a custom event')
}

const profileOf = (url: string, secret: string, id: string) => request(`${url}/v1/people/${encodeURIComponent(id)}`, { auth: bearer(secret) })

describe('prototype names as data', () => {
  it('fold as ordinary keys and leave Object.prototype alone (in process)', async () => {
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort()
    const server = await startServer()
    try {
      server.engine.startWorkers()
      const userId = uniqueId('user')
      const sent = await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), body: hostileBatch(userId) })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      await waitFor(async () => (await profileOf(server.url, server.secretKey, userId)).body?.activity?.events === EVENTS, 5000)
      assertFolded((await profileOf(server.url, server.secretKey, userId)).body)
      // Read again, now from the stored document rather than the fold in hand.
      const changed = await request(`${server.url}/v1/people/${userId}/consent`, { method: 'PUT', auth: bearer(server.secretKey), json: { email: true, constructor: true } })
      assert.equal(changed.status, 200, JSON.stringify(changed.body))
      assertFolded(changed.body.profile)
    } finally {
      await server.close()
    }
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames)
    const probe = {} as Record<string, unknown>
    for (const key of ['s', 't', 'quantity', 'price', 'at', 'granted']) {
      assert.equal(probe[key], undefined, `({}).${key}`)
      assert.equal((Object as unknown as Record<string, unknown>)[key], undefined, `Object.${key}`)
    }
  })

  describe('in the worker thread of attune serve', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-proto-'))
    const [WRITE, SECRET] = ['wk_proto_test_0123456789', 'sk_proto_test_0123456789']
    let child: Child | undefined
    after(async () => {
      await kill(child)
      fs.rmSync(dataDir, { recursive: true, force: true })
    })

    it('folds them as ordinary keys, and later people fold as before', async () => {
      const serve = await startServe({ ATTUNE_DATA_DIR: dataDir, ATTUNE_WRITE_KEY: WRITE, ATTUNE_SECRET_KEY: SECRET, ATTUNE_DATABASE_URL: '', ATTUNE_REDIS_URL: '', ATTUNE_NATS_URL: '', ATTUNE_EMBEDDED_WORKER: '' })
      child = serve
      const userId = uniqueId('user')
      const sent = await request(`${serve.url}/v1/batch`, { auth: basicAuth(WRITE), body: hostileBatch(userId) })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      await waitFor(async () => (await profileOf(serve.url, SECRET, userId)).body?.activity?.events === EVENTS, 10_000, () => serve.output())
      assertFolded((await profileOf(serve.url, SECRET, userId)).body)
      // The same thread then folds an ordinary shopper: scores are numbers, the cart adds up.
      const other = uniqueId('user')
      const plain = [
        { type: 'track', event: 'Product Viewed', userId: other, properties: { product_id: 'p1', category: 'Shoes', brand: 'Fleet' } },
        { type: 'track', event: 'Product Added', userId: other, properties: { product_id: 'p1', quantity: 1, price: 10 } },
      ]
      assert.equal((await request(`${serve.url}/v1/batch`, { auth: basicAuth(WRITE), json: { batch: plain } })).status, 200)
      await waitFor(async () => (await profileOf(serve.url, SECRET, other)).body?.activity?.events === 2, 10_000, () => serve.output())
      const profile = (await profileOf(serve.url, SECRET, other)).body
      assert.deepEqual(profile.affinities.categories.map((a: { name: string }) => a.name), ['Shoes'])
      assert.ok(Number.isFinite(profile.affinities.categories[0].score))
      assert.deepEqual(profile.cart.items.map((l: { itemId: string }) => l.itemId), ['p1'])
      assert.deepEqual(Object.keys(profile.channels), ['server'])
    })
  })
})
