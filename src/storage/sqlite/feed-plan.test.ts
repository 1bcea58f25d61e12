/**
 * The live feed filtered by kind reads the (kind, seq) index newest first on SQLite: no sort of every event
 * of the kind (the dashboard polls it every 2 s), for a first page, a poll after a position and an older page.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { feedQuery } from '../diagnostics.ts'
import { type Database, encodeCursor } from '../tables.ts'
import { SqliteStore } from './sqlite-store.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-feed-plan-'))
const file = path.join(dir, 'feed.db')
let db: Kysely<Database>

before(async () => {
  const store = new SqliteStore(file)
  await store.migrate()
  await store.close()
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file, { readonly: true }) }) })
})
after(async () => {
  await db.destroy()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('reads the events of one kind through the (kind, seq) index, newest first, without a sort', async () => {
  for (const extra of [{}, { after: 1000 }, { cursor: encodeCursor([5000]) }]) {
    const compiled = feedQuery(db, { kind: 'product_viewed', limit: 50, ...extra }).compile()
    const raw = new BetterSqlite3(file, { readonly: true })
    const detail = (raw.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join('\n')
    raw.close()
    assert.match(detail, /SEARCH e USING INDEX events_kind_seq \(kind=\?/, detail)
    assert.doesNotMatch(detail, /TEMP B-TREE/, detail)
  }
})
