/** The runner: tuning picks by validation NDCG@10, the baseline always runs, results are repeatable. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Csr, MODELS, type ModelSpec } from '../models/index.ts'
import type { Interaction } from './datasets.ts'
import { genericProtocol } from './protocols.ts'
import { modelNames, runModels } from './runner.ts'

/** Scores each person's hidden items high when `oracle` is 1, and item order otherwise. */
function fakeModel(truthOf: (x: Csr, row: number) => number[]): ModelSpec<{ oracle: number }> {
  return {
    name: 'test-oracle',
    defaults: { oracle: 0 },
    grid: [{ oracle: 0 }, { oracle: 1 }],
    async train(x, params) {
      return {
        name: 'test-oracle',
        bytes: 0,
        scoreRow(row, out) {
          for (let j = 0; j < x.cols; j++) out[j] = -j
          if (params.oracle === 1) for (const j of truthOf(x, row)) out[j] = 1
        },
      }
    },
  }
}

describe('runModels', () => {
  // 30 people with 6 orders each over 30 days; a temporal split.
  const data: Interaction[] = []
  for (let p = 0; p < 30; p++) for (let o = 0; o < 6; o++) data.push({ user: `u${p}`, item: `i${(p * 7 + o * 3) % 25}`, time: (p + o * 5) * 86_400_000, kind: 'order_completed' })
  const protocol = genericProtocol('orders', data, { split: 'random', seed: 3 })
  before(() => {
    // The oracle knows the truth of whichever split it is trained on (validation while tuning).
    MODELS['test-oracle'] = fakeModel((x, row) => {
      const split = x === protocol.validation.train ? protocol.validation : protocol.test
      return [...(split.test.find((t) => t.row === row)?.truth ?? [])]
    })
  })
  after(() => {
    delete MODELS['test-oracle']
  })

  it('puts the bestseller baseline first and refuses unknown models', () => {
    assert.deepEqual(modelNames(['test-oracle']), ['popularity', 'test-oracle'])
    assert.throws(() => modelNames(['nope']), /unknown model nope/)
  })

  it('tunes on validation NDCG@10, records every trial, and is repeatable', async () => {
    const one = await runModels(protocol, { models: ['test-oracle'], k: 5, threads: 1 })
    const two = await runModels(protocol, { models: ['test-oracle'], k: 5, threads: 1 })
    const oracle = one.models['test-oracle']!
    assert.equal(oracle.metrics.recall, 1)
    assert.deepEqual(oracle.params, { oracle: 1 })
    assert.deepEqual(oracle.trials.map((t) => t.params), [{ oracle: 0 }, { oracle: 1 }])
    assert.ok(oracle.trials[1]!.ndcg > oracle.trials[0]!.ndcg)
    assert.ok(Object.keys(one.models).includes('popularity'))
    assert.deepEqual(one.models['test-oracle']!.metrics, two.models['test-oracle']!.metrics)
    assert.deepEqual(one.models.popularity!.metrics, two.models.popularity!.metrics)
    assert.ok(oracle.trainSeconds >= 0 && oracle.peakMB >= 0)
  })

  it('--no-tune trains the defaults', async () => {
    const run = await runModels(protocol, { models: ['test-oracle'], tune: false, threads: 1 })
    assert.deepEqual(run.models['test-oracle']!.params, { oracle: 0 })
    assert.deepEqual(run.models['test-oracle']!.trials, [])
  })
})
