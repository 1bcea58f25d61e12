/**
 * The conformance suite on a real PostgreSQL, in a database created for this run and dropped after.
 * PostgreSQL must be reachable (ATTUNE_TEST_POSTGRES_URL, default the local server): a missing server fails.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import { itemListQuery } from '../item-search.ts'
import { describeStore } from '../store.conformance.ts'
import type { Database } from '../tables.ts'
import { PostgresStore } from './postgres-store.ts'
import { copyText } from './copy-text.ts'
import { testDatabase } from './test-database.ts'

const database = await testDatabase('conformance')
after(() => database.drop())

describeStore('postgres', async () => new PostgresStore(database.url))

describe('PostgresStore specifics', () => {
  let store: PostgresStore
  before(async () => {
    store = new PostgresStore(database.url)
    await store.migrate()
  })
  after(() => store.close())

  it('searches the catalogue through the search terms index, whatever the database collation', async () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ id: `plan-${String(i).padStart(5, '0')}`, title: `${['Red', 'Blue', 'Green'][i % 3]} trail shoe ${i}`, brand: ['Nike', 'Puma'][i % 2]!, categories: [`Plan${i % 10}`] }))
    await store.upsertItems(items, new Date())
    const pool = new pg.Pool({ connectionString: database.url, max: 1 })
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    try {
      await pool.query('analyze')
      const collation = await pool.query(`select collation_name from information_schema.columns where table_name = 'item_search_terms' and column_name = 'term'`)
      assert.equal(collation.rows[0]?.collation_name, 'C', 'terms compare by bytes, so a range is a prefix')
      for (const query of [{ q: 'nike trail', limit: 50 }, { q: 'plan-001', limit: 50 }]) {
        const compiled = itemListQuery(db, query).compile()
        const { rows } = await pool.query(`explain ${compiled.sql}`, compiled.parameters as unknown[])
        const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']!).join('\n')
        assert.match(plan, /Index (Only )?Scan using item_search_terms_pk|Bitmap Index Scan on item_search_terms_pk/, plan)
        assert.doesNotMatch(plan, /Seq Scan on item_search_terms/, plan)
      }
      assert.equal((await store.listItems({ limit: 10, q: 'PLAN-0001' })).data.length, 10)
    } finally {
      // Only compiled, never run through Kysely: the pool is ours to end.
      await pool.end()
    }
  })

  it('stores events in monthly partitions of event time', async () => {
    const base = { type: 'track' as const, event: 'X', kind: 'custom' as const, userId: 'part', anonymousId: null, itemId: null, receivedAt: 0, message: {}, data: {} }
    await store.appendEvents([
      { ...base, messageId: 'part-1', timestamp: Date.UTC(2011, 0, 15) },
      { ...base, messageId: 'part-2', timestamp: Date.UTC(2011, 1, 28, 23, 59) },
    ])
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const { rows } = await client.query(
      `select tableoid::regclass::text as part, message_id from events where message_id like 'part-%' order by message_id`,
    )
    await client.end()
    assert.deepEqual(rows, [
      { part: 'events_p201101', message_id: 'part-1' },
      { part: 'events_p201102', message_id: 'part-2' },
    ])
  })

  it('deduplicates a large append that goes through COPY, including text that needs escaping', async () => {
    const tricky = 'tab\there\nnew line \\ backslash ✓'
    const events = Array.from({ length: 1500 }, (_, i) => ({
      messageId: `copy-${i % 1200}`, // 300 repeats inside the same append
      type: 'track' as const,
      event: tricky,
      kind: 'custom' as const,
      userId: `copy-user`,
      anonymousId: null,
      itemId: null,
      timestamp: Date.UTC(2026, 5, 1) + i,
      receivedAt: 1,
      message: { note: tricky },
      data: {},
    }))
    const first = await store.appendEvents(events)
    assert.equal(first.inserted, 1200)
    assert.equal(first.duplicates.length, 300)
    const again = await store.appendEvents(events)
    assert.equal(again.inserted, 0)
    const stored = await store.getEventsByMessageId(['copy-7'])
    assert.equal(stored.length, 1)
    assert.equal(stored[0]!.event, tricky)
    assert.deepEqual(stored[0]!.message, { note: tricky })
    assert.equal(stored[0]!.timestamp, Date.UTC(2026, 5, 1) + 7, 'the first occurrence wins')
  })

  it('encodes COPY text lines', () => {
    assert.equal(copyText(['a\tb', null, 3, 'x\\y\r\n']), 'a\\tb\t\\N\t3\tx\\\\y\\r\\n')
  })
})
