/** Conformance of `store.predictions` (the CLV predictions), run by store.conformance.ts on every backend. */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { PredictionRecord } from './segment-store.ts'
import type { Store } from './store.ts'

function prediction(personId: string, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    personId,
    method: 'bgnbd',
    probabilityAlive: 0.8125,
    expectedOrders90: 0.4375,
    expectedOrders365: 1.5078125,
    predictedValue12m: 123.456789,
    percentile: 0.5,
    modelVersion: 'v1',
    computedAt: 1_900_000_000_123,
    ...overrides,
  }
}

export function describePredictions(store: () => Store): void {
  it('predictions: replace stores a run, of reads people back unchanged, version names the run', async () => {
    const s = store()
    const rows = [
      prediction('pred-a', { percentile: 0.9 }),
      prediction('pred-b', { probabilityAlive: 1, expectedOrders90: 1e-9, percentile: 0 }),
      prediction('pred-ü ✓', { method: 'rfm', probabilityAlive: null, expectedOrders90: null, expectedOrders365: null, predictedValue12m: null, percentile: 1 }),
    ]
    await s.predictions.replace(rows)
    const got = await s.predictions.of(['pred-a', 'pred-b', 'pred-ü ✓', 'pred-unknown', 'pred-a'])
    assert.equal(got.size, 3)
    for (const r of rows) assert.deepEqual(got.get(r.personId), r)
    assert.equal(await s.predictions.version(), 'v1')
  })

  it('predictions: the next run replaces every row in one go (people it no longer predicts are gone)', async () => {
    const s = store()
    await s.predictions.replace([prediction('pred-a'), prediction('pred-b')])
    const many = Array.from({ length: 1234 }, (_, i) => prediction(`pred-run2-${i}`, { modelVersion: 'v2', percentile: i / 1233 }))
    await s.predictions.replace(many)
    assert.equal(await s.predictions.version(), 'v2')
    const got = await s.predictions.of(['pred-a', ...many.map((r) => r.personId)])
    assert.equal(got.has('pred-a'), false)
    assert.equal(got.size, 1234)
    assert.equal(got.get('pred-run2-1233')!.percentile, 1)
  })

  it('predictions: a failed replace keeps the previous run; an empty one leaves none', async () => {
    const s = store()
    await s.predictions.replace([prediction('pred-keep', { modelVersion: 'v3' })])
    // The same person twice breaks the primary key in the middle of the transaction.
    await assert.rejects(s.predictions.replace([prediction('pred-dup', { modelVersion: 'v4' }), prediction('pred-dup', { modelVersion: 'v4' })]))
    assert.equal(await s.predictions.version(), 'v3')
    assert.equal((await s.predictions.of(['pred-keep'])).size, 1)
    await s.predictions.replace([])
    assert.equal(await s.predictions.version(), null)
    assert.equal((await s.predictions.of([])).size, 0)
  })
}
