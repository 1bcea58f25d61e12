/**
 * The people search and list walk indexes on SQLite: with 100,000 identities, SQLite's own query plan
 * for each query `people-search.ts` builds is an index search (a range of the (type, value) key or the
 * person ids), never a scan of the table, and the list reads profiles in the last-seen index's order.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { identifierQuery, profileListQuery } from '../people-search.ts'
import type { Database } from '../tables.ts'
import { SqliteStore } from './sqlite-store.ts'

const N = 100_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-search-'))
const file = path.join(dir, 'search.db')
let store: SqliteStore
let db: Kysely<Database>

before(async () => {
  store = new SqliteStore(file)
  await store.migrate()
  await store.writePeople(async (tx) => {
    const people = Array.from({ length: N }, (_, i) => ({ id: `p_${String(i).padStart(6, '0')}`, createdAt: i, mergedInto: null }))
    await tx.insertPeople(people)
    await tx.putIdentities(people.map((p, i) => ({ type: i % 2 ? 'anonymous_id' : 'user_id', value: `id-${(i * 7919) % N}`, personId: p.id, firstSeen: i, messageId: 'm' })))
    await tx.putProfiles(people.map((p, i) => ({ personId: p.id, state: '{}', orders: i % 3, revenue: i, lastOrder: null, updatedAt: i, lastSeen: i, personalization: i % 5 === 0 ? false : null })))
  })
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file, { readonly: true }) }) })
})
after(async () => {
  await db.destroy()
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** SQLite's plan for the statement Kysely compiles from `query`, with its parameters. */
function plan(query: { compile(): { sql: string; parameters: readonly unknown[] } }): string {
  const compiled = query.compile()
  const raw = new BetterSqlite3(file, { readonly: true })
  try {
    return (raw.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join('\n')
  } finally {
    raw.close()
  }
}

describe('people search query plans on SQLite (100,000 identities)', () => {
  it('searches identifiers by prefix, exactly and after a cursor through the (type, value) index', async () => {
    for (const [value, exact, after] of [
      ['id-12', false, null],
      ['i', false, null],
      ['id-4242', true, null],
      ['id-12', false, { value: 'id-1234', type: 'anonymous_id' }],
    ] as const) {
      const detail = plan(identifierQuery(db, 'sqlite', { type: 'user_id', value }, { exact, after, limit: 200 }))
      assert.match(detail, /SEARCH identities USING (COVERING )?INDEX sqlite_autoindex_identities_1 \(type=\? AND value/, detail)
      assert.doesNotMatch(detail, /SCAN identities|TEMP B-TREE/, detail)
    }
    const people = plan(identifierQuery(db, 'sqlite', { type: 'person_id', value: 'p_01' }, { exact: false, after: null, limit: 200 }))
    assert.match(people, /SEARCH people USING (COVERING )?INDEX sqlite_autoindex_people_1 \(id>\? AND id<\?\)/, people)
  })

  it('lists profiles in the last-seen index order, filters and cursor included', async () => {
    const detail = plan(profileListQuery(db, { limit: 51, after: { lastSeen: 500, personId: 'p_000500' }, minOrders: 1, personalization: [false, null], identified: 'anonymous' }))
    assert.match(detail, /profiles USING INDEX profiles_last_seen/, detail)
    assert.doesNotMatch(detail, /TEMP B-TREE|SCAN identities|SCAN people/, detail)
    // The merged nodes' user ids: the root's members first, then each member's identifiers.
    assert.match(detail, /SEARCH people USING (COVERING )?INDEX people_merged_into \(merged_into=\?\)\n.*SEARCH identities USING INDEX (identities_person \(person_id=\?\)|sqlite_autoindex_identities_1 \(type=\? AND)/, detail)
    assert.doesNotMatch(detail, /SEARCH identities USING INDEX sqlite_autoindex_identities_1 \(type=\?\)/, detail)
  })

  // How fast is for bench/ to say; the plans above show it reads an index range.
  it('answers a prefix search on the real store', async () => {
    const found = await store.readPeople((tx) => tx.searchIdentifiers({ terms: [{ type: 'user_id', value: 'id-99' }, { type: 'anonymous_id', value: 'id-99' }], exact: false, after: null, limit: 200 }))
    assert.equal(found.length, 200)
    assert.ok(found.every((m) => m.value.startsWith('id-99')))
  })
})
