import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeDeepPath, isWellFormedText, MAX_NESTING, tooDeepAt } from './input-checks.ts'

/** `{a: [{a: [...]}]}`, `levels` objects and arrays deep (the outermost being level 1). */
function nested(levels: number): unknown {
  let v: unknown = 'leaf'
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { a: v }
  return v
}

describe('tooDeepAt', () => {
  it('allows MAX_NESTING levels and names the path to the first one beyond', () => {
    assert.equal(tooDeepAt(nested(MAX_NESTING)), null)
    const path = tooDeepAt({ fine: { x: 1 }, deep: nested(MAX_NESTING) })
    assert.equal(path?.[0], 'deep')
    assert.equal(path?.length, MAX_NESTING)
    assert.equal(describeDeepPath(path!), 'deep.a[0]…')
    assert.equal(tooDeepAt('text'), null)
    assert.equal(tooDeepAt(null), null)
  })

  it('walks 100,000 levels without overflowing the stack', () => {
    assert.ok(tooDeepAt(nested(100_000)))
  })
})

describe('isWellFormedText', () => {
  it('refuses lone surrogates and keeps pairs', () => {
    for (const bad of ['\ud800', 'a\udc00', '\udfffb', '😀\ud83d', 'x\ud800\ud800']) assert.equal(isWellFormedText(bad), false, JSON.stringify(bad))
    for (const good of ['', 'plain', '😀', 'é漢字', '\ud83d\ude00\ud83d\ude00']) assert.equal(isWellFormedText(good), true, good)
  })
})
