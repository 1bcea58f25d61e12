import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkReferences, compileSegment, compileTrait, evaluationOrder, ReferenceCycleError, type SegmentRule } from './index.ts'

const seg = (key: string, definition: SegmentRule) => ({ kind: 'segment' as const, key, definition })
const compiled = (key: string, definition: SegmentRule) => compileSegment({ id: `seg_${key}`, key, definition })

describe('evaluationOrder', () => {
  it('puts traits first, then each segment after the segments it reads', () => {
    const order = evaluationOrder([
      compiled('a', { all: [{ segment: { key: 'b' } }, { segment: { key: 'c' } }] }),
      compiled('b', { segment: { key: 'c' } }),
      compiled('c', { computed: { key: 'spend', gt: 10 } }),
      compiled('d', { segment: { key: 'gone' } }),
      compileTrait({ id: 'trait_spend', key: 'spend', definition: { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue' } }),
    ])
    assert.deepEqual(
      order.map((c) => `${c.kind}:${c.key}`),
      ['trait:spend', 'segment:c', 'segment:b', 'segment:a', 'segment:d'],
    )
  })

  it('refuses a cycle and names it', () => {
    assert.throws(
      () => evaluationOrder([compiled('a', { segment: { key: 'b' } }), compiled('b', { not: { segment: { key: 'c' } } }), compiled('c', { segment: { key: 'a' } })]),
      (e: unknown) => e instanceof ReferenceCycleError && e.message === 'segments reference each other in a cycle: a → b → c → a',
    )
  })
})

describe('checkReferences', () => {
  const saved = [seg('vip', { profile: { orders: { gte: 5 } } }), seg('loyal', { segment: { key: 'vip' } }), { kind: 'trait' as const, key: 'spend', definition: { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue' } }]

  it('accepts references to saved segments and traits', () => {
    assert.deepEqual(checkReferences(seg('new', { all: [{ segment: { key: 'loyal' } }, { computed: { key: 'spend', gt: 100 } }] }), saved), { ok: true, value: null })
  })

  it('names an unknown segment or trait', () => {
    assert.deepEqual(checkReferences(seg('new', { all: [{ event: {} }, { segment: { key: 'nope' } }] }), saved), { ok: false, field: 'definition.all[1].segment.key', message: 'no segment has the key "nope"' })
    assert.deepEqual(checkReferences(seg('new', { computed: { key: 'nope', exists: true } }), saved), { ok: false, field: 'definition.computed.key', message: 'no computed trait has the key "nope"' })
  })

  it('refuses a segment containing itself, and an update that closes a cycle', () => {
    assert.deepEqual(checkReferences(seg('vip', { segment: { key: 'vip' } }), saved), { ok: false, field: 'definition.segment.key', message: 'a segment cannot contain itself ("vip")' })
    const r = checkReferences(seg('vip', { any: [{ profile: { orders: { gte: 5 } } }, { segment: { key: 'loyal' } }] }), saved)
    assert.deepEqual(r, { ok: false, field: 'definition.any[1].segment.key', message: 'segments would reference each other in a cycle: loyal → vip → loyal' })
  })

  it('reports a bad rule with its field first', () => {
    assert.deepEqual(checkReferences(seg('x', { event: { within: '-1d' } } as SegmentRule), saved), { ok: false, field: 'definition.event.within', message: 'must be a positive duration, got "-1d"' })
  })
})
