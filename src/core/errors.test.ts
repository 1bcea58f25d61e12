import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import { ERROR_CODES } from './errors.ts'

const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

describe('error catalogue', () => {
  it('documents every error code with its status in docs/errors.md, and nothing else', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])
    assert.deepEqual(Object.fromEntries(rows), ERROR_CODES)
  })
})
