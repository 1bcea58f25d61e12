import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import { loadConfig } from './config.ts'

describe('configuration', () => {
  it('applies defaults and reads the environment', () => {
    const c = loadConfig({}, { PORT: '9000', ATTUNE_DATA_DIR: '/tmp/x', ATTUNE_SQLITE_SYNC: 'normal' })
    assert.equal(c.port, 9000)
    assert.equal(c.databaseUrl, 'sqlite:///tmp/x/attune.db')
    assert.equal(c.sqliteSync, 'normal')
    assert.equal(loadConfig({}, {}).port, 8787)
    assert.ok(Object.isFrozen(c))
  })

  it('names the variable when a value is bad', () => {
    assert.throws(() => loadConfig({}, { PORT: 'eighty' }), /PORT must be an integer/)
    assert.throws(() => loadConfig({}, { ATTUNE_SQLITE_SYNC: 'fast' }), /ATTUNE_SQLITE_SYNC must be one of full, normal/)
    assert.throws(() => loadConfig({}, { ATTUNE_WRITE_KEY: 'short' }), /ATTUNE_WRITE_KEY must be at least 16/)
  })

  it('documents every environment variable it reads in docs/config.md', () => {
    const source = fs.readFileSync(new URL('./config.ts', import.meta.url), 'utf8')
    const doc = fs.readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8')
    const read = new Set([...source.matchAll(/env(?:\.|, ')([A-Z_]+)/g)].map((m) => m[1]!))
    assert.ok(read.size >= 8)
    for (const name of read) assert.match(doc, new RegExp(`\\| \`${name}\` \\|`), `${name} is not in docs/config.md`)
  })
})
