/**
 * The people search and list walk indexes on PostgreSQL: with 100,000 identities (and statistics),
 * PostgreSQL's plan for each query `people-search.ts` builds reads the "C"-collation search indexes or
 * the last-seen index, never a sequential scan of identities, people or profiles, and sorts nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { identifierQuery, profileListQuery } from '../people-search.ts'
import type { Database } from '../tables.ts'
import { PostgresStore } from './postgres-store.ts'
import { testDatabase } from './test-database.ts'

const N = 100_000
const database = await testDatabase('search')
let store: PostgresStore
let pool: pg.Pool
let db: Kysely<Database>

before(async () => {
  store = new PostgresStore(database.url)
  await store.migrate()
  await store.writePeople(async (tx) => {
    const people = Array.from({ length: N }, (_, i) => ({ id: `p_${String(i).padStart(6, '0')}`, createdAt: i, mergedInto: null }))
    await tx.insertPeople(people)
    await tx.putIdentities(people.map((p, i) => ({ type: i % 2 ? 'anonymous_id' : 'user_id', value: `id-${(i * 7919) % N}`, personId: p.id, firstSeen: i, messageId: 'm' })))
    await tx.putProfiles(people.map((p, i) => ({ personId: p.id, state: '{}', orders: i % 3, revenue: i, lastOrder: null, updatedAt: i, lastSeen: i, personalization: i % 5 === 0 ? false : null })))
  })
  pool = new pg.Pool({ connectionString: database.url, max: 1 })
  // Dropping the database ends its connections; an idle one ending then is not a test failure.
  pool.on('error', () => {})
  await pool.query('analyze')
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
})
after(async () => {
  await db?.destroy()
  await store?.close()
  await database.drop()
})

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

/** Every node of PostgreSQL's plan for the statement Kysely compiles from `query`. */
async function plan(query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<PlanNode[]> {
  const compiled = query.compile()
  const { rows } = await pool.query(`explain (format json) ${compiled.sql}`, compiled.parameters as unknown[])
  const nodes: PlanNode[] = []
  const walk = (n: PlanNode) => {
    nodes.push(n)
    for (const child of n.Plans ?? []) walk(child)
  }
  walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan)
  return nodes
}

const describePlan = (nodes: PlanNode[]) => nodes.map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''} ${n['Index Name'] ?? ''}`).join('; ')

describe('people search query plans on PostgreSQL (100,000 identities)', () => {
  it('searches identifiers by prefix, exactly and after a cursor through the "C" index', async () => {
    for (const [value, exact, after] of [
      ['id-12', false, null],
      ['i', false, null],
      ['id-4242', true, null],
      ['id-12', false, { value: 'id-1234', type: 'anonymous_id' }],
    ] as const) {
      const nodes = await plan(identifierQuery(db, 'postgres', { type: 'user_id', value }, { exact, after, limit: 200 }))
      const text = describePlan(nodes)
      assert.ok(nodes.some((n) => n['Index Name'] === 'identities_search'), text)
      assert.ok(!nodes.some((n) => n['Node Type'] === 'Seq Scan' || n['Node Type'] === 'Sort'), text)
    }
    const people = await plan(identifierQuery(db, 'postgres', { type: 'person_id', value: 'p_01' }, { exact: false, after: null, limit: 200 }))
    assert.ok(people.some((n) => n['Index Name'] === 'people_search'), describePlan(people))
    assert.ok(!people.some((n) => n['Node Type'] === 'Seq Scan' || n['Node Type'] === 'Sort'), describePlan(people))
  })

  it('lists profiles through the last-seen index, filters and cursor included', async () => {
    const nodes = await plan(profileListQuery(db, { limit: 51, after: { lastSeen: 90_000, personId: 'p_090000' }, minOrders: 1, personalization: [false, null], identified: 'anonymous' }))
    const text = describePlan(nodes)
    assert.ok(nodes.some((n) => n['Index Name'] === 'profiles_last_seen'), text)
    assert.ok(!nodes.some((n) => n['Node Type'] === 'Seq Scan' || n['Node Type'] === 'Sort'), text)
  })

  it('answers a prefix search on the real store, in code-point order', async () => {
    const found = await store.readPeople((tx) => tx.searchIdentifiers({ terms: [{ type: 'user_id', value: 'id-99' }, { type: 'anonymous_id', value: 'id-99' }], exact: false, after: null, limit: 200 }))
    assert.equal(found.length, 200)
    assert.ok(found.every((m) => m.value.startsWith('id-99')))
    const values = found.map((m) => m.value)
    assert.deepEqual(values, [...values].sort())
  })
})
