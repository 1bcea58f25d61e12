/** Time-ordered ids: valid UUID version 7, unique, and sorted by the time they were made. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { timeOrderedId } from './ids.ts'

describe('timeOrderedId', () => {
  it('is a UUID version 7 carrying the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 30, 12, 0, 0)
    const id = timeOrderedId(at)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at)
  })

  it('sorts later ids after earlier ones and does not repeat', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedId(1_700_000_000_000 + i))
    assert.deepEqual([...ids].sort(), ids)
    assert.equal(new Set(Array.from({ length: 10_000 }, () => timeOrderedId(5))).size, 10_000)
  })
})
