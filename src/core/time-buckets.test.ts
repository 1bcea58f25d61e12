import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AttuneError } from './errors.ts'
import { bucketKeyOf, checkTimeZone, offsetSpans, planBuckets, zoneOffset } from './time-buckets.ts'

const at = (iso: string) => Date.parse(iso)
const H = 3_600_000
const shape = (plan: ReturnType<typeof planBuckets>) =>
  plan.buckets.map((b) => [b.label, new Date(b.start).toISOString(), new Date(b.end).toISOString()])

describe('time buckets', () => {
  it('reads zone offsets, including half and quarter hours', () => {
    assert.equal(zoneOffset('UTC', at('2026-03-10T00:00:00Z')), 0)
    assert.equal(zoneOffset('Asia/Kolkata', at('2026-03-10T00:00:00Z')), 5.5 * H)
    assert.equal(zoneOffset('Asia/Kathmandu', at('2026-03-10T00:00:00Z')), 5.75 * H)
    assert.equal(zoneOffset('Europe/Berlin', at('2026-03-29T00:59:59Z')), 1 * H)
    assert.equal(zoneOffset('Europe/Berlin', at('2026-03-29T01:00:00Z')), 2 * H)
    assert.equal(zoneOffset('America/New_York', at('2026-07-01T12:00:00.500Z')), -4 * H)
  })

  it('finds the transitions of a range to the millisecond', () => {
    const spans = offsetSpans('Europe/Berlin', at('2026-03-01T00:00:00Z'), at('2026-11-01T00:00:00Z'))
    assert.deepEqual(
      spans.map((s) => [new Date(s.from).toISOString(), new Date(s.to).toISOString(), s.offset / H]),
      [
        ['2026-03-01T00:00:00.000Z', '2026-03-29T01:00:00.000Z', 1],
        ['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z', 2],
        ['2026-10-25T01:00:00.000Z', '2026-11-01T00:00:00.000Z', 1],
      ],
    )
    assert.equal(offsetSpans('Asia/Kolkata', at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z')).length, 1)
  })

  it('cuts local days in a zone without DST and a non-whole-hour offset', () => {
    // Asia/Kolkata is UTC+05:30: a local day starts at 18:30 UTC the day before.
    const plan = planBuckets(at('2026-03-09T18:30:00Z'), at('2026-03-12T18:30:00Z'), 'day', 'Asia/Kolkata')
    assert.deepEqual(shape(plan), [
      ['2026-03-10', '2026-03-09T18:30:00.000Z', '2026-03-10T18:30:00.000Z'],
      ['2026-03-11', '2026-03-10T18:30:00.000Z', '2026-03-11T18:30:00.000Z'],
      ['2026-03-12', '2026-03-11T18:30:00.000Z', '2026-03-12T18:30:00.000Z'],
    ])
    assert.equal(plan.indexOf(at('2026-03-10T18:29:59.999Z')), 0)
    assert.equal(plan.indexOf(at('2026-03-10T18:30:00Z')), 1)
    assert.equal(plan.indexOf(at('2026-03-09T18:29:59.999Z')), -1, 'before from')
    assert.equal(plan.indexOf(at('2026-03-12T18:30:00Z')), -1, 'to is exclusive')
  })

  it('gives a DST day its 23 or 25 hours', () => {
    const spring = planBuckets(at('2026-03-28T23:00:00Z'), at('2026-03-30T22:00:00Z'), 'day', 'Europe/Berlin')
    assert.deepEqual(shape(spring), [
      ['2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-30', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ])
    // 22:30 UTC on the 29th is 00:30 CEST on the 30th (with the winter offset it would still be the 29th).
    assert.equal(spring.indexOf(at('2026-03-29T22:30:00Z')), 1)
    const autumn = planBuckets(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), 'day', 'Europe/Berlin')
    assert.deepEqual(shape(autumn), [['2026-10-25', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']])
  })

  it('keys hours by their instant, so the repeated hour of autumn is two buckets', () => {
    const autumn = planBuckets(at('2026-10-25T00:00:00Z'), at('2026-10-25T02:00:00Z'), 'hour', 'Europe/Berlin')
    assert.deepEqual(shape(autumn), [
      ['2026-10-25T02:00', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z'],
      ['2026-10-25T02:00', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ])
    const spring = planBuckets(at('2026-03-29T00:00:00Z'), at('2026-03-29T03:00:00Z'), 'hour', 'Europe/Berlin')
    assert.deepEqual(spring.buckets.map((b) => b.label), ['2026-03-29T01:00', '2026-03-29T03:00', '2026-03-29T04:00'])
  })

  it('starts hours at a quarter past in Kathmandu and clips the first and last bucket to the range', () => {
    const plan = planBuckets(at('2026-03-10T00:00:00Z'), at('2026-03-10T02:30:00Z'), 'hour', 'Asia/Kathmandu')
    assert.deepEqual(shape(plan), [
      ['2026-03-10T05:00', '2026-03-10T00:00:00.000Z', '2026-03-10T00:15:00.000Z'],
      ['2026-03-10T06:00', '2026-03-10T00:15:00.000Z', '2026-03-10T01:15:00.000Z'],
      ['2026-03-10T07:00', '2026-03-10T01:15:00.000Z', '2026-03-10T02:15:00.000Z'],
      ['2026-03-10T08:00', '2026-03-10T02:15:00.000Z', '2026-03-10T02:30:00.000Z'],
    ])
    assert.equal(bucketKeyOf(plan.rule, at('2026-03-10T00:14:59Z')), at('2026-03-09T23:15:00Z'))
  })

  it('counts minutes', () => {
    const plan = planBuckets(at('2026-03-10T00:00:30Z'), at('2026-03-10T00:03:00Z'), 'minute', 'UTC')
    assert.deepEqual(plan.buckets.map((b) => b.label), ['2026-03-10T00:00', '2026-03-10T00:01', '2026-03-10T00:02'])
  })

  it('refuses too many buckets before doing the work, naming the bucket field', () => {
    const refused = (fn: () => unknown) =>
      assert.throws(fn, (e: unknown) => e instanceof AttuneError && e.code === 'invalid_field' && e.field === 'bucket' && /at most 2000/.test(e.message))
    refused(() => planBuckets(at('2026-01-01T00:00:00Z'), at('2026-01-03T00:00:00Z'), 'minute', 'UTC'))
    refused(() => planBuckets(0, 8.64e15, 'day', 'Europe/Berlin'))
    assert.equal(planBuckets(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z') + 2000 * 60_000, 'minute', 'UTC').buckets.length, 2000)
  })

  it('checks time zone names', () => {
    assert.equal(checkTimeZone(undefined), 'UTC')
    assert.equal(checkTimeZone('Asia/Kolkata'), 'Asia/Kolkata')
    assert.throws(() => checkTimeZone('Mars/Olympus_Mons'), (e: unknown) => e instanceof AttuneError && e.field === 'tz')
    assert.throws(() => checkTimeZone('x'.repeat(65)), (e: unknown) => e instanceof AttuneError && e.field === 'tz')
  })
})
