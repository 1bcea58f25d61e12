import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { itemListQuery } from '../item-search.ts'
import { migrationProvider } from '../migrations/index.ts'
import { describeStore } from '../store.conformance.ts'
import type { Database } from '../tables.ts'
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

  it('searches the catalogue through the search terms index, never scanning a table', async () => {
    const file = path.join(dir, 'search-plan.db')
    const store = new SqliteStore(file)
    await store.migrate()
    const items = Array.from({ length: 2000 }, (_, i) => ({ id: `sku-${String(i).padStart(5, '0')}`, title: `${['Red', 'Blue', 'Green'][i % 3]} running shoe ${i}`, brand: ['Nike', 'Puma'][i % 2]!, categories: [`Cat${i % 10}`] }))
    await store.upsertItems(items, new Date())
    await store.close()
    const raw = new BetterSqlite3(file)
    raw.exec('analyze')
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
    try {
      for (const query of [{ q: 'nike run', limit: 50 }, { q: 'sku-001', limit: 50 }, { q: 'blue', limit: 50, category: 'Cat1', inStock: true }]) {
        const compiled = itemListQuery(db, query).compile()
        const plan = (raw.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail)
        assert.ok(plan.some((d) => /SEARCH item_search_terms USING (COVERING )?INDEX/.test(d)), plan.join('\n'))
        assert.ok(!plan.some((d) => /^SCAN (items|item_search_terms)\b/.test(d)), `no table scan for ${JSON.stringify(query)}:\n${plan.join('\n')}`)
      }
    } finally {
      raw.close()
    }
  })

  it('fills the search terms of the items stored before the search migration', async () => {
    const file = path.join(dir, 'search-backfill.db')
    const raw = new BetterSqlite3(file)
    raw.pragma('foreign_keys = ON')
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') })
    const names = (await migrator.getMigrations()).map((m) => m.name)
    const before = names[names.indexOf('0011-catalog-search') - 1]!
    assert.equal((await migrator.migrateTo(before)).error, undefined)
    const row = (id: string, title: string, brand: string | null) => ({ id, title, brand, description: null, price: null, currency: null, image_url: null, url: null, categories: '[]', tags: '[]', available: 1, inventory: null, attributes: '{}', created_at: 'x', updated_at: 'x' })
    await db.insertInto('items').values(Array.from({ length: 1200 }, (_, i) => row(`old-${String(i).padStart(4, '0')}`, `Old item ${i}`, i === 1199 ? 'Émile' : null))).execute()
    await db.destroy()
    const store = new SqliteStore(file)
    await store.migrate()
    assert.equal((await store.listItems({ limit: 2000, q: 'old item' })).data.length, 1200, 'every page of the old items')
    assert.deepEqual((await store.listItems({ limit: 10, q: 'emile' })).data.map((i) => i.id), ['old-1199'])
    assert.deepEqual((await store.listItems({ limit: 10, q: 'OLD-0001' })).data.map((i) => i.id), ['old-0001'])
    await store.close()
  })
})
