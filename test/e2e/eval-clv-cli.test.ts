/** `attune eval --clv` end to end: the real command in a child process on order lines drawn from BG/NBD. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { simulateClv } from '../../src/models/index.ts'

const bin = fileURLToPath(new URL('../../bin/attune.mjs', import.meta.url))
const DAY = 86_400_000

/**
 * 1,500 customers acquired over 12 weeks and followed for 52 weeks (CDNOW-like parameters in days),
 * two lines per order, prices summing to the drawn spend; the cutoff leaves 13 weeks of holdout.
 */
function orderLines(): string {
  const { orders } = simulateClv({ r: 0.243, alpha: 30.9, a: 0.793, b: 2.426 }, { customers: 1500, days: 364, acquisitionDays: 84, seed: 11, spend: { p: 6, q: 4, v: 15 } })
  const lines = ['order_id,customer_id,timestamp,product_id,quantity,unit_price']
  orders.forEach((o, i) => {
    const when = new Date(o.time).toISOString().replace('T', ' ').slice(0, 19)
    const half = (o.value / 2).toFixed(2)
    lines.push(`o${i},${o.person},${when},p${i % 7},1,${half}`, `o${i},${o.person},${when},p${(i + 3) % 7},2,${(Number(half) / 2).toFixed(2)}`)
  })
  return `${lines.join('\n')}\n`
}

interface ClvDocument {
  protocol: { name: string; cutoff: string; holdoutDays: number; calibration: { customers: number; repeatBuyers: number } }
  fit: { method: string; note: string | null; unit: string; bgnbd: Record<string, number> | null; gammaGamma: Record<string, number> | null; seconds: number }
  holdout: {
    people: number
    actual: number
    predicted: { bgnbd: number | null; naive: number }
    meanAbsoluteError: { bgnbd: number | null; naive: number }
    byRepeats: { repeats: string; people: number; actual: number; bgnbd: number | null; naive: number }[]
  }
}

describe('attune eval --clv (CLI)', () => {
  let dir: string
  let file: string
  const cutoff = new Date(Date.UTC(2024, 0, 1) + 273 * DAY).toISOString()
  const attune = (...args: string[]) => {
    const env = { ...process.env, ATTUNE_DATA_DIR: path.join(dir, 'data'), ATTUNE_DATABASE_URL: '' }
    return spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 })
  }
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-eval-clv-'))
    file = path.join(dir, 'orders.csv')
    fs.writeFileSync(file, orderLines())
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('--json: fits BG/NBD in days, predicts the holdout better than the naive rate, and fills the 0..7+ table', () => {
    const run = attune('eval', '--clv', '--orders', file, '--cutoff', cutoff, '--min-repeat-buyers', '100', '--json', '--no-progress')
    assert.equal(run.status, 0, run.stderr)
    assert.equal(run.stdout.trim().split('\n').length, 1)
    const doc = JSON.parse(run.stdout) as ClvDocument
    assert.equal(doc.protocol.name, 'clv')
    assert.equal(doc.protocol.cutoff, cutoff)
    assert.equal(doc.protocol.holdoutDays > 80, true)
    assert.equal(doc.fit.method, 'bgnbd')
    assert.equal(doc.fit.unit, 'days')
    assert.ok(Math.abs(doc.fit.bgnbd!.r! - 0.243) < 0.1, JSON.stringify(doc.fit.bgnbd))
    assert.ok(doc.fit.gammaGamma!.q! > 1)
    const h = doc.holdout
    assert.equal(h.people, doc.protocol.calibration.customers)
    assert.ok(Math.abs(h.predicted.bgnbd! - h.actual) < 0.15 * h.actual, `predicted ${h.predicted.bgnbd}, actual ${h.actual}`)
    assert.ok(h.meanAbsoluteError.bgnbd! < h.meanAbsoluteError.naive, JSON.stringify(h.meanAbsoluteError))
    assert.deepEqual(h.byRepeats.map((g) => g.repeats), ['0', '1', '2', '3', '4', '5', '6', '7+'])
    assert.equal(h.byRepeats.reduce((s, g) => s + g.people, 0), h.people)
    // Heavier calibration buyers buy more in the holdout, in the data and in the model.
    assert.ok(h.byRepeats[7]!.actual > h.byRepeats[0]!.actual && h.byRepeats[7]!.bgnbd! > h.byRepeats[0]!.bgnbd!)
  })

  it('prints the tables without --json, and falls back to RFM with a note below --min-repeat-buyers', () => {
    const table = attune('eval', '--clv', '--orders', file, '--cutoff', cutoff, '--min-repeat-buyers', '100', '--no-progress')
    assert.equal(table.status, 0, table.stderr)
    assert.match(table.stdout, /BG\/NBD \(time unit: days\): r=/)
    assert.match(table.stdout, /^7\+ +\d+ /m)
    const small = attune('eval', '--clv', '--orders', file, '--cutoff', cutoff, '--min-repeat-buyers', '5000', '--json', '--no-progress')
    const doc = JSON.parse(small.stdout) as ClvDocument
    assert.equal(doc.fit.method, 'rfm')
    assert.match(doc.fit.note!, /fewer than the 5000 needed/)
    assert.equal(doc.holdout.predicted.bgnbd, null)
  })

  it('exits 2 naming the flag for a bad cutoff, --clv with --events, and --cutoff without --clv', () => {
    const bad = attune('eval', '--clv', '--orders', file, '--cutoff', 'next tuesday', '--no-progress')
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /--cutoff/)
    const events = attune('eval', '--clv', '--events', file, '--no-progress')
    assert.equal(events.status, 2)
    assert.match(events.stderr, /--orders/)
    const stray = attune('eval', '--orders', file, '--cutoff', cutoff, '--no-progress')
    assert.equal(stray.status, 2)
    assert.match(stray.stderr, /--cutoff, --end and --min-repeat-buyers go with --clv/)
  })
})
