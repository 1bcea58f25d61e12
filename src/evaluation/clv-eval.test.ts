import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DAY_MS } from '../models/index.ts'
import { defaultCutoff, evaluateClv } from './clv-eval.ts'

const START = Date.UTC(2024, 0, 1)
const at = (day: number, hour = 10) => START + day * DAY_MS + hour * 3_600_000

describe('evaluateClv', () => {
  const orders = [
    // a: two calibration days, then one holdout day and a second order on it (one transaction).
    { person: 'a', time: at(0), value: 10 },
    { person: 'a', time: at(10), value: 20 },
    { person: 'a', time: at(25), value: 5 },
    { person: 'a', time: at(25, 15), value: 5 },
    // b: buys on the cutoff day after the cutoff time, the same day as a calibration order: not a new transaction.
    { person: 'b', time: at(20, 8), value: 7 },
    { person: 'b', time: at(20, 20), value: 7 },
    // c: first seen in the holdout: not a calibration customer.
    { person: 'c', time: at(22), value: 50 },
    // d: one calibration order and nothing after.
    { person: 'd', time: at(5), value: 30 },
  ]
  const cutoff = at(20, 12)
  const report = evaluateClv(orders, cutoff, { minRepeatBuyers: 500 })

  it('counts holdout repeat transactions as new order days of calibration customers', () => {
    assert.equal(report.holdout.people, 3)
    assert.equal(report.holdout.actual, 1, 'a’s two orders on day 25 are one transaction; b’s is on a calibration day; c is new')
    assert.equal(report.holdout.value.actual, 10)
    assert.equal(report.holdoutDays, 5)
    assert.deepEqual(report.calibration, { orders: 4, customers: 3, repeatBuyers: 1, days: 20 })
  })

  it('gives the naive baseline each person’s calibration rate x/T over the holdout, and groups people by calibration repeats', () => {
    // a: x = 1 over T = 20 days → 5/20 = 0.25; b and d have no repeats.
    assert.equal(report.holdout.predicted.naive, 0.25)
    assert.equal(report.holdout.meanAbsoluteError.naive, 0.75 / 3)
    const rows = report.holdout.byRepeats
    assert.deepEqual(rows.map((g) => g.people), [2, 1, 0, 0, 0, 0, 0, 0])
    assert.equal(rows[1]!.actual, 1)
  })

  it('below the minimums reports no BG/NBD figures, only the naive ones and the fallback note', () => {
    assert.equal(report.fit.method, 'rfm')
    assert.equal(report.holdout.predicted.bgnbd, null)
    assert.equal(report.holdout.byRepeats[0]!.bgnbd, null)
  })

  it('ignores orders from `end` on, and the default cutoff is 80 % of the way through the orders', () => {
    assert.equal(evaluateClv(orders, cutoff, { end: at(24) }).holdout.actual, 0)
    assert.equal(defaultCutoff([{ person: 'x', time: 0, value: 1 }, { person: 'x', time: 1000, value: 1 }]), 800)
  })
})
