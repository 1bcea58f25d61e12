import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definitionId, keyFromName } from './segment-definition-checks.ts'
import { KEY_PATTERN } from './routes/segment-schemas.ts'

describe('keys and ids of new definitions', () => {
  it('makes a snake_case key from a name, or none', () => {
    assert.equal(keyFromName('Bought in the last 30 days!'), 'bought_in_the_last_30_days')
    assert.equal(keyFromName('  Café — Crème brûlée  '), 'cafe_creme_brulee')
    assert.equal(keyFromName('30 day buyers'), 's_30_day_buyers')
    assert.equal(keyFromName('😀 ✓ !!'), null)
    assert.equal(keyFromName(''), null)
    const long = keyFromName(`${'word '.repeat(40)}end`)!
    assert.ok(long.length <= 64 && !long.endsWith('_'))
    for (const name of ['Bought in the last 30 days!', '30 day buyers', `${'word '.repeat(40)}end`, 'a_b c']) assert.match(keyFromName(name)!, new RegExp(KEY_PATTERN))
  })

  it('gives segments and traits ids of their own prefix', () => {
    assert.match(definitionId('segment'), /^seg_[0-9a-f]{32}$/)
    assert.match(definitionId('trait'), /^trait_[0-9a-f]{32}$/)
    assert.notEqual(definitionId('segment'), definitionId('segment'))
  })
})
