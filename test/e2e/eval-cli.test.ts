/** `attune eval` end to end: the real command in a child process on an order-lines file made here. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'

const bin = fileURLToPath(new URL('../../bin/attune.mjs', import.meta.url))

interface EvalDocument {
  protocol: Record<string, unknown>
  models: Record<string, Record<string, unknown>>
}

/**
 * A small shop: 80 customers in 4 taste groups, 40 products (10 per group, a few bestsellers shared by
 * all), 6 orders each over 120 days. Deterministic (a fixed linear congruential generator).
 */
function orderLines(): string {
  let state = 42
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const lines = ['order_id,customer_id,timestamp,product_id,quantity,unit_price']
  const start = Date.parse('2024-01-01T00:00:00Z')
  let order = 0
  for (let c = 0; c < 80; c++) {
    const group = c % 4
    for (let o = 0; o < 6; o++) {
      order += 1
      const when = new Date(start + Math.floor(next() * 120) * 86_400_000 + c * 60_000).toISOString().replace('T', ' ').slice(0, 19)
      for (let l = 0; l < 3; l++) {
        const product = next() < 0.25 ? Math.floor(next() * 3) : group * 10 + Math.floor(next() * 10)
        lines.push(`o${order},c${c},${when},p${product},1,${(5 + product).toFixed(2)}`)
      }
    }
  }
  return `${lines.join('\n')}\n`
}

describe('attune eval (CLI)', () => {
  let dir: string
  let file: string
  const attune = (...args: string[]) => {
    const env = { ...process.env, ATTUNE_DATA_DIR: path.join(dir, 'data'), ATTUNE_DATABASE_URL: '' }
    return spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 })
  }
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-eval-cli-'))
    file = path.join(dir, 'orders.csv')
    fs.writeFileSync(file, orderLines())
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('--orders --json prints one JSON document; popularity metrics are numbers, the same on every run', () => {
    const runs = [1, 2].map(() => attune('eval', '--orders', file, '--models', 'popularity', '--json', '--no-progress'))
    for (const run of runs) assert.equal(run.status, 0, run.stderr)
    const [one, two] = runs.map((run) => JSON.parse(run.stdout) as EvalDocument)
    assert.equal(runs[0]!.stdout.trim().split('\n').length, 1)
    assert.equal(one!.protocol.name, 'orders')
    assert.equal(one!.protocol.split, 'temporal')
    for (const key of ['trainPeople', 'trainItems', 'trainPairs', 'testPeople', 'testPairs']) {
      assert.ok(typeof one!.protocol[key] === 'number' && (one!.protocol[key] as number) > 0, key)
    }
    const pop = one!.models.popularity!
    for (const key of ['ndcg@10', 'recall@10', 'precision@10', 'hitrate@10', 'map@10', 'coverage@10', 'novelty@10', 'trainSeconds', 'tuningSeconds', 'peakMB']) {
      assert.equal(typeof pop[key], 'number', key)
      assert.ok(Number.isFinite(pop[key] as number), key)
    }
    assert.ok((pop['ndcg@10'] as number) > 0)
    assert.deepEqual(pop.params, {})
    const metrics = (doc: EvalDocument) => Object.fromEntries(Object.entries(doc.models.popularity!).filter(([k]) => k.includes('@')))
    assert.deepEqual(metrics(one!), metrics(two!))
    assert.deepEqual(one!.protocol, two!.protocol)
  })

  it('--split random --k 5 and a table without --json', () => {
    const json = attune('eval', '--orders', file, '--models', 'popularity', '--split', 'random', '--seed', '7', '--k', '5', '--json', '--no-progress')
    assert.equal(json.status, 0, json.stderr)
    const doc = JSON.parse(json.stdout) as EvalDocument
    assert.equal(doc.protocol.split, 'random')
    assert.equal(doc.protocol.seed, 7)
    assert.equal(typeof doc.models.popularity!['ndcg@5'], 'number')
    const table = attune('eval', '--orders', file, '--models', 'popularity', '--no-progress')
    assert.equal(table.status, 0, table.stderr)
    assert.match(table.stdout, /protocol: orders/)
    assert.match(table.stdout, /^popularity\s+\d\.\d{4}\s+\d\.\d{4}/m)
  })

  it('--store (the default) evaluates the event log the import wrote', () => {
    const imported = attune('import', 'orders', file, '--json', '--no-progress')
    assert.equal(imported.status, 0, imported.stderr)
    const run = attune('eval', '--models', 'popularity', '--json', '--no-progress')
    assert.equal(run.status, 0, run.stderr)
    const doc = JSON.parse(run.stdout) as EvalDocument
    assert.equal(doc.protocol.name, 'store')
    const fromFile = JSON.parse(attune('eval', '--orders', file, '--models', 'popularity', '--json', '--no-progress').stdout) as EvalDocument
    assert.equal(doc.models.popularity!['ndcg@10'], fromFile.models.popularity!['ndcg@10'])
  })

  it('a bad command line exits 2 with a message', () => {
    const noData = attune('eval', '--dataset', 'movielens-100k')
    assert.equal(noData.status, 2)
    assert.match(noData.stderr, /--data/)
    const unknown = attune('eval', '--orders', file, '--models', 'nope')
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /unknown model nope/)
    const two = attune('eval', '--orders', file, '--events', file)
    assert.equal(two.status, 2)
  })
})
