/** docs/segments.md shows only rules and traits that pass the check, and every built-in segment as it is. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { BUILT_IN_SEGMENTS, checkSegmentRule, checkTraitDefinition } from './index.ts'

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/segments.md'), 'utf8')

describe('docs/segments.md', () => {
  it('every JSON example passes the check (traits have a type, rules do not)', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
    assert.ok(blocks.length >= 12, `${blocks.length} examples`)
    for (const b of blocks) {
      const r = 'type' in b ? checkTraitDefinition(b) : checkSegmentRule(b)
      assert.equal(r.ok, true, `${JSON.stringify(b)}: ${JSON.stringify(r)}`)
    }
  })

  it('lists every built-in segment with its key', () => {
    for (const s of BUILT_IN_SEGMENTS) assert.ok(doc.includes(`| \`${s.key}\` | ${s.name} |`), s.key)
  })
})
