import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { boundedJson } from './bounded-json.ts'

describe('boundedJson', () => {
  it('writes what JSON.stringify writes when it fits', () => {
    const values: unknown[] = [
      null, true, 0, -1.5, 'a"b\\c\n\u0000', [], {}, [1, [2, [3]]],
      { a: 1, b: undefined, c: [undefined, null], d: { e: 'ünïcode ✓', '': '' }, f: Number.NaN, '__proto__x': 1 },
      { lone: '\ud800x' },
    ]
    for (const v of values) assert.deepEqual(boundedJson(v, 10_000), { text: JSON.stringify(v), truncated: false }, JSON.stringify(v))
  })

  it('cuts at the cap and says so, exactly at the boundary too', () => {
    const v = { s: 'x'.repeat(100) }
    const full = JSON.stringify(v)
    assert.deepEqual(boundedJson(v, full.length), { text: full, truncated: false })
    assert.deepEqual(boundedJson(v, full.length - 1), { text: full.slice(0, -1), truncated: true })
    const long = boundedJson({ s: 'y'.repeat(1_000_000), after: 1 }, 50)
    assert.equal(long.text, JSON.stringify({ s: 'y'.repeat(100) }).slice(0, 50))
    assert.equal(long.truncated, true)
  })

  it('never ends on half a surrogate pair', () => {
    const v = ['😀'.repeat(10)]
    for (let cap = 2; cap < 20; cap++) {
      const { text } = boundedJson(v, cap)
      const last = text.charCodeAt(text.length - 1)
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), `cap ${cap}: ${text}`)
      assert.ok(text.length <= cap)
    }
  })

  it('handles nesting far deeper than the stack, and stops early', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 200_000; i++) deep = { a: [deep] }
    assert.throws(() => JSON.stringify(deep), RangeError)
    const { text, truncated } = boundedJson(deep, 4096)
    assert.equal(truncated, true)
    assert.equal(text.length, 4096)
    assert.ok(text.startsWith('{"a":[{"a":[{'))
  })
})
