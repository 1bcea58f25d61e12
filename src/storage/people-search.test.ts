import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codePointCompare, compareMatches, prefixEnd } from './people-search.ts'

describe('people search order', () => {
  it('bounds a prefix by the next code point, skipping the surrogate block and carrying past U+10FFFF', () => {
    assert.equal(prefixEnd('ab'), 'ac')
    assert.equal(prefixEnd('a\uD7FF'), 'a\uE000')
    assert.equal(prefixEnd('a😀'), 'a😁')
    assert.equal(prefixEnd('a\u{10FFFF}'), 'b')
    assert.equal(prefixEnd('\u{10FFFF}'), null)
    // Every string starting with the prefix sorts below its bound.
    for (const p of ['ab', 'a\uD7FF', 'a😀', 'a\u{10FFFF}']) {
      for (const tail of ['', 'z', '\uFFFD', '\u{10FFFF}\u{10FFFF}']) assert.ok(codePointCompare(p + tail, prefixEnd(p)!) < 0, `${p}${tail}`)
    }
  })

  it('compares by code point, as UTF-8 bytes do, not by UTF-16 units', () => {
    assert.ok(codePointCompare('\uFFFD', '😀') < 0, 'U+FFFD before U+1F600 (UTF-16 would say the opposite)')
    assert.ok('\uFFFD' > '😀')
    assert.equal(codePointCompare('x', 'x'), 0)
    assert.ok(compareMatches({ value: 'a', type: 'user_id' }, { value: 'a', type: 'anonymous_id' }) > 0, 'ties broken by type')
  })
})
