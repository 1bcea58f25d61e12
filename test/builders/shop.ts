/**
 * Loads a synthetic shop into a running test server through the real API (catalogue, then events in
 * batches), waits until the profile projector applied every event, and optionally trains a model.
 */
import assert from 'node:assert/strict'
import type { ItemInput } from '../../src/core/index.ts'
import type { SyntheticShop } from '../../src/evaluation/index.ts'
import { waitFor } from '../support/child-server.ts'
import { basicAuth, bearer, request } from './http.ts'
import type { TestServer } from './server.ts'

/** Posts `items` (default: the shop's catalogue) and every event; resolves once all are applied. */
export async function loadShop(server: TestServer, shop: SyntheticShop, items: ItemInput[] = shop.items): Promise<void> {
  server.engine.startWorkers()
  const posted = await request(`${server.url}/v1/items`, { auth: bearer(server.secretKey), method: 'POST', json: { items } })
  assert.equal(posted.status, 200, JSON.stringify(posted.body))
  for (let i = 0; i < shop.events.length; i += 400) {
    const reply = await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), json: { batch: shop.events.slice(i, i + 400) } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
  }
  // Training reads what the identity graph attributed: wait until every event is applied.
  const total = await server.engine.store.countEvents()
  await waitFor(async () => server.engine.projector.stats.events >= total, 30_000)
}

/** Trains in this process, checks the version is ready, and loads it for serving. */
export async function trainActiveModel(server: TestServer): Promise<void> {
  const trained = await server.engine.trainer.run('test')
  assert.equal(trained?.status, 'ready', trained?.error ?? '')
  await server.engine.models.refresh()
}
