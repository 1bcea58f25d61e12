import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseTimestamp, parseTimezoneOffset } from './timestamps.ts'

describe('import timestamps', () => {
  const t = Date.parse('2011-12-09T12:50:00Z')

  it('reads epoch seconds and milliseconds, told apart by size', () => {
    assert.equal(parseTimestamp('1323435000'), t)
    assert.equal(parseTimestamp('1323435000000'), t)
    assert.equal(parseTimestamp(1323435000), t)
    assert.equal(parseTimestamp('964982703.5'), 964982703500)
  })

  it('reads date-times without a zone as UTC, or in the given offset', () => {
    assert.equal(parseTimestamp('2011-12-09 12:50:00'), t)
    assert.equal(parseTimestamp('2011-12-09T12:50'), t)
    assert.equal(parseTimestamp('2011-12-09 13:50:00', 60), t)
    assert.equal(parseTimestamp('2011-12-09'), Date.parse('2011-12-09T00:00:00Z'))
  })

  it('reads ISO 8601 with a zone whatever the offset option says', () => {
    assert.equal(parseTimestamp('2011-12-09T13:50:00+01:00', -300), t)
    assert.equal(parseTimestamp('2011-12-09T12:50:00.000Z'), t)
  })

  it('refuses what is not a time', () => {
    for (const bad of ['', 'soon', '2011-02-30 10:00:00', '2011-12-09 25:00:00', '-5', '12/9/2011 12:50']) {
      assert.equal(parseTimestamp(bad), null, bad)
    }
  })

  it('parses offsets', () => {
    assert.equal(parseTimezoneOffset('+01:00'), 60)
    assert.equal(parseTimezoneOffset('-0530'), -330)
    assert.equal(parseTimezoneOffset('2'), 120)
    assert.equal(parseTimezoneOffset('UTC'), 0)
    assert.equal(parseTimezoneOffset('+25:00'), null)
    assert.equal(parseTimezoneOffset('one'), null)
  })
})
