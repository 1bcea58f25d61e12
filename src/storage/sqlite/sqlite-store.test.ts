import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { describeStore } from '../store.conformance.ts'
import { SqliteStore } from './sqlite-store.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-sqlite-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

describeStore('sqlite', async () => new SqliteStore(path.join(dir, 'conformance.db')))

describe('SqliteStore specifics', () => {
  it('keeps the database in WAL mode', async () => {
    const file = path.join(dir, 'wal.db')
    const store = new SqliteStore(file)
    await store.migrate()
    await store.close()
    const raw = new BetterSqlite3(file, { readonly: true })
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal')
    raw.close()
  })

  it('keeps committed events after the file is reopened', async () => {
    const file = path.join(dir, 'reopen.db')
    const a = new SqliteStore(file)
    await a.migrate()
    await a.appendEvents([
      {
        messageId: 'reopen-1',
        type: 'identify',
        event: null,
        kind: 'identify',
        userId: 'u',
        anonymousId: null,
        itemId: null,
        timestamp: 1,
        receivedAt: 1,
        message: { traits: { email: 'a@example.com' } },
        data: {},
      },
    ])
    await a.close()
    const b = new SqliteStore(file)
    await b.migrate()
    assert.equal(await b.countEvents(), 1)
    await b.close()
  })
})
