/**
 * A training run from the store, on SQLite and on a real PostgreSQL: the synthetic shop through the
 * projector, then the trainer reads the attributed log (minus the people's exclusions), trains, stores
 * the artifact and activates it; the registry loads it. People without consent and disliked categories
 * leave nothing in the training data.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { generateShop } from '../evaluation/index.ts'
import { MemoryHotState } from '../hot-state/index.ts'
import { DEFAULT_LIMITS } from '../identity/index.ts'
import { toEventRecord } from '../ingest/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector, ProfileService, type ProfileSettings } from '../profiles/index.ts'
import { openStore, type Store } from '../storage/index.ts'
import { testDatabase } from '../../test/support/test-database.ts'
import { type ClvSummary, ModelRegistry, readTrainingData, runVersion } from './index.ts'

const settings: ProfileSettings = { halfLifeMs: 30 * 864e5, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, limits: DEFAULT_LIMITS }

async function loadShop(store: Store) {
  const shop = generateShop({ seed: 21, people: 300, items: 120, days: 45 })
  await store.upsertItems(shop.items, new Date())
  const now = Date.now()
  const records = shop.events.map((m) => {
    const r = toEventRecord(m, null, { receivedAt: now, batchSentAt: null, maxEventBytes: 32 * 1024 })
    assert.ok(r.ok)
    return r.value
  })
  await store.appendEvents(records)
  const projector = new ProfileProjector(store, new MemoryHotState(), settings)
  for (let i = 0; i < records.length; i += 1000) await projector.apply(records.slice(i, i + 1000))
  return { shop, projector }
}

function describeTraining(name: string, open: () => Promise<{ store: Store; done: () => Promise<void> }>) {
  describe(`training on ${name}`, () => {
    let cleanup: (() => Promise<void>) | null = null
    let opened: Store | null = null
    const store = () => opened!
    after(async () => cleanup?.())

    it('trains from the attributed log, stores and activates the version, and the registry loads it', async () => {
      const { store, done } = await open()
      cleanup = done
      opened = store
      const { shop, projector } = await loadShop(store)
      const service = new ProfileService(store, new MemoryHotState(), projector, async (events) => {
        await store.appendEvents(events)
        await projector.apply(events)
      })
      // One customer refuses personalization, another dislikes a whole top-level category.
      const buyers = shop.people.filter((p) => p.userId !== null)
      const refusing = (await service.find(buyers[0]!.userId!, 'user_id'))!
      const disliking = (await service.find(buyers[1]!.userId!, 'user_id'))!
      const disliked = shop.items[0]!.categories![0]!.split(' > ')[0]!
      assert.equal((await service.setConsent(refusing, { personalization: false })).applied, true)
      assert.equal((await service.setPreferences(disliking, { categories: { disliked: [disliked] } })).applied, true)

      const data = await readTrainingData(store, settings, Date.now())
      assert.ok(!data.people.includes(refusing), 'no interaction of a person without consent')
      assert.equal(data.excluded.peopleWithoutConsent, 1)
      const row = data.people.indexOf(disliking)
      for (let i = 0; i < data.person.length; i++) {
        if (data.person[i] === row) assert.ok(!data.items[data.item[i]!]!.categories.some((c) => c.startsWith(disliked)), 'no disliked category')
      }
      assert.ok(data.excluded.giftLines > 0)

      const now = Date.now()
      const version = await store.modelVersions.start(`t-${now}`, 'test', now, 60_000)
      const trained = await runVersion(store, version!, settings, { threads: 2 })
      assert.equal(trained.status, 'ready', trained.error ?? '')
      assert.equal(trained.active, true)
      const registry = new ModelRegistry(store)
      await registry.refresh()
      const artifact = registry.current!.artifact
      assert.equal(artifact.items.length, 120)
      // Factors are trained for serving only when the validation blend gives them weight.
      if (artifact.blend.factors > 0) assert.equal(artifact.factors?.items.length, 120 * artifact.factors!.dim)
      else assert.equal(artifact.factors, null)
      assert.ok(artifact.personal.indices.length > 0 && artifact.alsoBought.indices.length > 0 && artifact.bestsellers.length > 0)
      const metrics = (trained.summary.validation as { metrics: Record<string, { ndcg: number }> }).metrics
      assert.ok(metrics.blend!.ndcg > 1.5 * metrics.bestsellers!.ndcg, JSON.stringify(metrics))

      // 45 days of orders are below the CLV minimums: RFM percentiles for every included buyer, with the note.
      const clv = trained.summary.clv as ClvSummary
      assert.equal(clv.method, 'rfm')
      assert.match(clv.note!, /fewer than the/)
      const orderers = new Set(data.orders.map((o) => o.person))
      assert.equal(clv.customers, orderers.size)
      assert.ok(!orderers.has(refusing), 'no orders of a person without consent')
      const stored = await store.predictions.of([...orderers, refusing])
      assert.equal(stored.size, orderers.size)
      assert.ok([...stored.values()].every((p) => p.method === 'rfm' && p.modelVersion === trained.id && p.predictedValue12m === null))
      assert.equal(await store.predictions.version(), trained.id)
    })

    it('with the minimums lowered, fits BG/NBD and Gamma-Gamma, validates on the last fifth, and replaces the predictions', async () => {
      const now = Date.now()
      const version = await store().modelVersions.start(`t-clv-${now}`, 'test', now, 60_000)
      const trained = await runVersion(store(), version!, settings, { threads: 2, clv: { minRepeatBuyers: 5, minDays: 20 } })
      assert.equal(trained.status, 'ready', trained.error ?? '')
      const clv = trained.summary.clv as ClvSummary
      assert.equal(clv.method, 'bgnbd', clv.note ?? '')
      assert.equal(clv.unit, 'days')
      assert.ok(clv.bgnbd!.r > 0 && clv.bgnbd!.alpha > 0 && clv.gammaGamma!.q > 1, JSON.stringify(clv))
      assert.ok(clv.validation && clv.validation.people > 0 && clv.validation.meanAbsoluteError.bgnbd !== null, JSON.stringify(clv.validation))
      assert.equal(await store().predictions.version(), trained.id)
      const people = (await readTrainingData(store(), settings, Date.now())).orders.map((o) => o.person)
      const stored = [...(await store().predictions.of(people)).values()]
      assert.equal(stored.length, new Set(people).size)
      for (const p of stored) {
        assert.equal(p.method, 'bgnbd')
        assert.ok(p.probabilityAlive! >= 0 && p.probabilityAlive! <= 1 && p.expectedOrders365! >= p.expectedOrders90! && p.predictedValue12m! >= 0)
      }
      assert.ok(stored.some((p) => p.percentile >= 0.8) && stored.some((p) => p.percentile < 0.2))
    })
  })
}

describeTraining('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-training-'))
  const store = await openStore(`sqlite://${path.join(dir, 'attune.db')}`)
  return { store, done: async () => (await store.close(), fs.rmSync(dir, { recursive: true, force: true })) }
})

describeTraining('PostgreSQL', async () => {
  const database = await testDatabase('training')
  const store = await openStore(database.url)
  return { store, done: async () => (await store.close(), await database.drop()) }
})
