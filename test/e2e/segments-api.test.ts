/**
 * Segments and computed traits over real HTTP: create, list and read (with the built-ins seeded once),
 * validation errors that name the field inside the rule, versions and 409 on a stale expectedVersion,
 * members paged without repeats and as CSV with hostile identifiers defused, the preview of an unsaved
 * rule, a person's segments and computed traits, and a delete that takes the members with it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { uniqueId } from '../builders/events.ts'
import { Api, assertError, type Reply } from '../builders/http.ts'
import { waitForValue } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'

// Identifiers a spreadsheet would run as formulas, and ones that break naive CSV.
const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2-2', '@SUM(A1:A9)', 'quote " and, comma', 'ünï 😀']

describe('segments API', () => {
  let server: TestServer
  let api: Api
  const tag = uniqueId('seg').slice(0, 12).replace(/-/g, '_')
  const buyers = Array.from({ length: 7 }, (_, i) => `${tag}-buyer-${i}`)
  const viewersOnly = Array.from({ length: 3 }, (_, i) => `${tag}-viewer-${i}`)
  const order = (userId: string, i: number) => ({
    type: 'track',
    userId,
    event: 'Order Completed',
    properties: { order_id: `${userId}-o${i}`, revenue: 20, currency: 'EUR', products: [{ product_id: 'sku-1', price: 10, quantity: 2 }] },
  })
  const view = (userId: string) => ({ type: 'track', userId, event: 'Product Viewed', properties: { product_id: 'sku-1' } })
  const post = (path: string, body: unknown) => api.secret('POST', path, body)
  const buyerRule = { all: [{ profile: { orders: { gte: 1 } } }, { event: { kind: 'order_completed', within: '30d' } }] }
  const membersOf = async (id: string) => {
    const all: { personId: string; identifier: { type: string; value: string } | null }[] = []
    let cursor: string | null = null
    do {
      const reply: Reply = await api.secret('GET', `/v1/segments/${id}/members?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      assert.ok(reply.body.data.length <= 3)
      all.push(...reply.body.data)
      cursor = reply.body.nextCursor
    } while (cursor)
    return all
  }
  const sizeOf = async (id: string) => (await api.secret('GET', `/v1/segments/${id}`)).body.size as number

  before(async () => {
    server = await startServer({}, { env: { ATTUNE_BUILT_IN_SEGMENTS: 'true' } })
    server.engine.startWorkers()
    api = new Api(server)
    const batch = [...buyers.flatMap((u) => [view(u), order(u, 1)]), ...viewersOnly.map(view), ...HOSTILE.map((u, i) => order(u, 100 + i))]
    assert.equal((await api.batch(batch)).status, 200)
    await waitForValue('the buyers projected', async () => ((await api.secret('GET', `/v1/people/${encodeURIComponent(buyers.at(-1)!)}`)).status === 200 ? true : undefined), 10_000)
  })
  after(() => server?.close())

  it('lists the built-in segments seeded at start', async () => {
    const reply = await api.secret('GET', '/v1/segments')
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const builtIns = reply.body.data.filter((s: { builtIn: boolean }) => s.builtIn)
    assert.ok(builtIns.length >= 8, `built-ins: ${builtIns.map((s: { key: string }) => s.key).join(', ')}`)
    for (const s of builtIns) {
      assert.equal(s.version, 1)
      assert.equal(s.updatedBy, 'engine')
      assert.match(s.id, /^seg_builtin_/)
    }
  })

  it('creates a segment, reads it back, and its members are the people the rule selects', async () => {
    const created = await post('/v1/segments', { name: `Recent buyers ${tag}`, description: 'ordered in the last 30 days', definition: buyerRule })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.match(created.body.id, /^seg_[0-9a-f]{32}$/)
    assert.equal(created.body.key, `recent_buyers_${tag}`.toLowerCase())
    assert.equal(created.body.version, 1)
    assert.deepEqual(created.body.definition, buyerRule)
    assert.match(created.body.updatedBy, /^secret key \S+$/)
    const got = await api.secret('GET', `/v1/segments/${created.body.id}`)
    assert.deepEqual({ ...got.body, size: null }, { ...created.body, size: null })
    const members = await waitForValue('the buyers in the segment', async () => {
      const all = await membersOf(created.body.id)
      return all.length === buyers.length + HOSTILE.length ? all : undefined
    }, 15_000)
    const ids = members.map((m) => m.identifier?.value)
    assert.deepEqual(new Set(ids), new Set([...buyers, ...HOSTILE]), 'every buyer once, no viewer')
    assert.equal(new Set(members.map((m) => m.personId)).size, members.length, 'pages neither repeat nor skip')
    assert.ok(members.every((m) => m.identifier?.type === 'user_id'))
    assert.equal(await sizeOf(created.body.id), members.length)
    const sizes = await api.secret('GET', `/v1/segments/${created.body.id}/sizes`)
    assert.equal(sizes.status, 200, JSON.stringify(sizes.body))
    assert.equal(Date.parse(sizes.body.to) - Date.parse(sizes.body.from), 30 * 864e5)
    assert.deepEqual(sizes.body.data.at(-1), { day: new Date(Math.floor(Date.now() / 864e5) * 864e5).toISOString(), size: members.length, entered: members.length, exited: 0 })
    assertError(await api.secret('GET', `/v1/segments/${created.body.id}/sizes?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z`), 400, 'invalid_field', 'from')
    assertError(await api.secret('GET', `/v1/segments/${created.body.id}/members?cursor=not-ours`), 400, 'invalid_field', 'cursor')
  })

  it('refuses a bad rule with 400 naming the field inside it', async () => {
    const bad = await post('/v1/segments', { name: 'Bad', definition: { all: [{ profile: { orders: { gte: 1 } } }, { event: { kind: 'no_such_kind' } }] } })
    const body = assertError(bad, 400, 'invalid_field')
    assert.match(body.error.field!, /^definition\.all\[1\]\.event\.kind/)
    assertError(await post('/v1/segments', { name: 'Unknown ref', definition: { segment: { key: 'no_such_segment' } } }), 400, 'invalid_field', 'definition.segment.key')
    assertError(await post('/v1/segments', { definition: buyerRule }), 400, 'missing_field', 'name')
    assertError(await post('/v1/segments', { name: 'x', key: 'Not Snake', definition: buyerRule }), 400, 'invalid_field', 'key')
    assertError(await post('/v1/segments', { name: 'x', definition: buyerRule, extra: 1 }), 400, 'invalid_field', 'extra')
    assertError(await post('/v1/traits', { name: 'Bad trait', definition: { type: 'sum', event: { kind: 'order_completed' } } }), 400, 'invalid_field')
    assertError(await post('/v1/segments', { name: '\u0000', definition: buyerRule }), 400, 'invalid_field', 'name')
  })

  it('refuses a second segment with the same key, and a cycle between segments', async () => {
    const key = `${tag}_a`.toLowerCase()
    const a = await post('/v1/segments', { key, name: 'A', definition: buyerRule })
    assert.equal(a.status, 201, JSON.stringify(a.body))
    assertError(await post('/v1/segments', { key, name: 'A again', definition: buyerRule }), 409, 'conflict', 'key')
    const b = await post('/v1/segments', { key: `${key}_b`, name: 'B', definition: { segment: { key } } })
    assert.equal(b.status, 201, JSON.stringify(b.body))
    // A reading B would close the loop A → B → A.
    assertError(await api.secret('PUT', `/v1/segments/${a.body.id}`, { expectedVersion: 1, definition: { segment: { key: `${key}_b` } } }), 400, 'invalid_field', 'definition.segment.key')
    // B uses A: A cannot go away, nor change its key, while it does.
    assertError(await api.secret('DELETE', `/v1/segments/${a.body.id}`), 409, 'conflict')
    assertError(await api.secret('PUT', `/v1/segments/${a.body.id}`, { expectedVersion: 1, key: `${key}_renamed` }), 409, 'conflict')
    assert.equal((await api.secret('DELETE', `/v1/segments/${b.body.id}`)).status, 204)
    assert.equal((await api.secret('DELETE', `/v1/segments/${a.body.id}`)).status, 204)
  })

  it('versions every change and refuses a stale expectedVersion with 409', async () => {
    const created = await post('/v1/segments', { name: `Versioned ${tag}`, definition: buyerRule })
    const id = created.body.id
    const v2 = await api.secret('PUT', `/v1/segments/${id}`, { expectedVersion: 1, name: 'Versioned, renamed' })
    assert.equal(v2.status, 200, JSON.stringify(v2.body))
    assert.equal(v2.body.version, 2)
    assert.deepEqual(v2.body.definition, buyerRule, 'fields not sent keep their values')
    assertError(await api.secret('PUT', `/v1/segments/${id}`, { expectedVersion: 1, name: 'Lost update' }), 409, 'conflict', 'expectedVersion')
    assertError(await api.secret('PUT', `/v1/segments/${id}`, { name: 'No version' }), 400, 'missing_field', 'expectedVersion')
    const v3 = await api.secret('PUT', `/v1/segments/${id}`, { expectedVersion: 2, enabled: false })
    assert.equal(v3.body.version, 3)
    assert.equal(v3.body.enabled, false)
    const versions = await api.secret('GET', `/v1/segments/${id}/versions`)
    assert.deepEqual(versions.body.data.map((v: { version: number; name: string; enabled: boolean }) => [v.version, v.name, v.enabled]), [
      [3, 'Versioned, renamed', false],
      [2, 'Versioned, renamed', true],
      [1, `Versioned ${tag}`, true],
    ])
    assertError(await api.secret('GET', '/v1/segments/seg_no_such_one'), 404, 'not_found', 'id')
    assertError(await api.secret('PUT', '/v1/segments/seg_no_such_one', { expectedVersion: 1 }), 404, 'not_found', 'id')
  })

  it('exports the members as CSV with formula cells defused', async () => {
    const created = await post('/v1/segments', { name: `CSV ${tag}`, definition: buyerRule })
    await waitForValue('members', async () => ((await sizeOf(created.body.id)) === buyers.length + HOSTILE.length ? true : undefined), 15_000)
    const reply = await fetch(`${server.url}/v1/segments/${created.body.id}/members.csv`, { headers: { authorization: `Bearer ${server.secretKey}` } })
    assert.equal(reply.status, 200)
    assert.match(reply.headers.get('content-type') ?? '', /^text\/csv/)
    assert.match(reply.headers.get('content-disposition') ?? '', /attachment; filename="segment-csv_[a-z0-9_]+-members\.csv"/)
    const rows = parse(await reply.text()) as string[][]
    assert.deepEqual(rows[0], ['person_id', 'identifier_type', 'identifier', 'since', 'version'])
    const identifiers = rows.slice(1).map((r) => r[2]!)
    assert.equal(identifiers.length, buyers.length + HOSTILE.length)
    for (const hostile of HOSTILE) {
      const expected = /^[=+\-@]/.test(hostile) ? `'${hostile}` : hostile
      assert.ok(identifiers.includes(expected), `${expected} in ${JSON.stringify(identifiers)}`)
    }
    assert.ok(!identifiers.some((v) => /^[=+\-@]/.test(v)), 'no cell starts a formula')
    for (const row of rows.slice(1)) assert.ok(Number.isFinite(Date.parse(row[3]!)))
  })

  it('previews an unsaved rule: its size and a sample of its people, storing nothing', async () => {
    const before = (await api.secret('GET', '/v1/segments')).body.data.length
    const reply = await post('/v1/segments/preview', { definition: buyerRule, sample: 3 })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.equal(reply.body.size, buyers.length + HOSTILE.length)
    assert.ok(reply.body.population >= buyers.length + HOSTILE.length + viewersOnly.length)
    assert.equal(reply.body.sample.length, 3)
    for (const p of reply.body.sample) assert.ok([...buyers, ...HOSTILE].includes(p.identifier.value))
    assert.ok(reply.body.ms >= 0)
    assert.equal((await api.secret('GET', '/v1/segments')).body.data.length, before)
    const none = await post('/v1/segments/preview', { definition: { profile: { orders: { gte: 1000 } } } })
    assert.equal(none.body.size, 0)
    assert.deepEqual(none.body.sample, [])
    assertError(await post('/v1/segments/preview', { definition: { any: 'x' } }), 400, 'invalid_field', 'definition.any')
    assertError(await post('/v1/segments/preview', { definition: buyerRule, sample: 500 }), 400, 'invalid_field', 'sample')
  })

  it("lists a person's segments and computed traits on GET /v1/people/{id}", async () => {
    const segment = await post('/v1/segments', { name: `Person view ${tag}`, definition: buyerRule })
    const trait = await post('/v1/traits', { name: `Orders ${tag}`, definition: { type: 'counter', event: { kind: 'order_completed' }, within: '90d' } })
    assert.equal(trait.status, 201, JSON.stringify(trait.body))
    const person = await waitForValue('the segment and trait on the profile', async () => {
      const p = await api.secret('GET', `/v1/people/${encodeURIComponent(buyers[0]!)}`)
      return p.body.segments?.some((s: { id: string }) => s.id === segment.body.id) && p.body.computedTraits?.[trait.body.key] !== undefined ? p.body : undefined
    }, 15_000)
    const listed = person.segments.find((s: { id: string }) => s.id === segment.body.id)
    assert.deepEqual(Object.keys(listed).sort(), ['id', 'key', 'name', 'since'])
    assert.equal(listed.name, `Person view ${tag}`)
    assert.ok(Date.parse(listed.since) <= Date.now())
    assert.equal(person.computedTraits[trait.body.key], 1)
    const viewer = await api.secret('GET', `/v1/people/${encodeURIComponent(viewersOnly[0]!)}`)
    assert.ok(!viewer.body.segments.some((s: { id: string }) => s.id === segment.body.id))
  })

  it('versions computed traits too; one a segment reads cannot go; a deleted one takes its values with it', async () => {
    const trait = await post('/v1/traits', { key: `${tag}_orders`.toLowerCase(), name: 'Orders', definition: { type: 'counter', event: { kind: 'order_completed' } } })
    assert.equal(trait.status, 201, JSON.stringify(trait.body))
    assert.equal(trait.body.kind, 'trait')
    assert.equal('size' in trait.body, false)
    const v2 = await api.secret('PUT', `/v1/traits/${trait.body.id}`, { expectedVersion: 1, definition: { type: 'counter', event: { kind: 'order_completed' }, within: '365d' } })
    assert.equal(v2.status, 200, JSON.stringify(v2.body))
    assertError(await api.secret('PUT', `/v1/traits/${trait.body.id}`, { expectedVersion: 1, name: 'stale' }), 409, 'conflict', 'expectedVersion')
    assert.deepEqual((await api.secret('GET', `/v1/traits/${trait.body.id}/versions`)).body.data.map((v: { version: number }) => v.version), [2, 1])
    // A trait id is not a segment id, and the other way round.
    assertError(await api.secret('GET', `/v1/segments/${trait.body.id}`), 404, 'not_found')
    assert.ok((await api.secret('GET', '/v1/traits')).body.data.some((t: { id: string }) => t.id === trait.body.id))
    const reader = await post('/v1/segments', { name: `Two orders ${tag}`, definition: { computed: { key: trait.body.key, gte: 2 } } })
    assert.equal(reader.status, 201, JSON.stringify(reader.body))
    assertError(await api.secret('DELETE', `/v1/traits/${trait.body.id}`), 409, 'conflict')
    assert.equal((await api.secret('DELETE', `/v1/segments/${reader.body.id}`)).status, 204)
    const person = await waitForValue('the trait value', async () => {
      const p = await api.secret('GET', `/v1/people/${encodeURIComponent(buyers[2]!)}`)
      return p.body.computedTraits?.[trait.body.key] === 1 ? p.body : undefined
    }, 15_000)
    assert.equal((await api.secret('DELETE', `/v1/traits/${trait.body.id}`)).status, 204)
    assertError(await api.secret('GET', `/v1/traits/${trait.body.id}`), 404, 'not_found')
    const after = await api.secret('GET', `/v1/people/${encodeURIComponent(buyers[2]!)}`)
    assert.equal(after.body.computedTraits[trait.body.key], undefined)
    assert.ok(!(await server.engine.store.segmentMembers.traitsOf(person.id)).some((t) => t.traitId === trait.body.id))
  })

  it('deletes a segment with its members, and a person no longer lists it', async () => {
    const created = await post('/v1/segments', { name: `Doomed ${tag}`, definition: buyerRule })
    const id = created.body.id
    await waitForValue('members', async () => ((await sizeOf(id)) === buyers.length + HOSTILE.length ? true : undefined), 15_000)
    assert.equal((await api.secret('DELETE', `/v1/segments/${id}`)).status, 204)
    assertError(await api.secret('GET', `/v1/segments/${id}`), 404, 'not_found')
    assertError(await api.secret('GET', `/v1/segments/${id}/members`), 404, 'not_found')
    assertError(await api.secret('DELETE', `/v1/segments/${id}`), 404, 'not_found')
    assert.equal(await server.engine.store.segmentMembers.count(id), 0)
    const person = await api.secret('GET', `/v1/people/${encodeURIComponent(buyers[1]!)}`)
    assert.ok(!person.body.segments.some((s: { id: string }) => s.id === id))
  })

  it('keeps a deleted built-in deleted across restarts, until restored', async () => {
    const list = (await api.secret('GET', '/v1/segments')).body.data as { id: string; key: string; builtIn: boolean }[]
    const doomed = list.find((s) => s.builtIn)!
    assert.equal((await api.secret('DELETE', `/v1/segments/${doomed.id}`)).status, 204)
    await server.stop()
    server = await startServer({ dataDir: server.dataDir }, { env: { ATTUNE_WRITE_KEY: server.writeKey, ATTUNE_SECRET_KEY: server.secretKey, ATTUNE_BUILT_IN_SEGMENTS: 'true' } })
    api = new Api(server)
    assertError(await api.secret('GET', `/v1/segments/${doomed.id}`), 404, 'not_found')
    const restored = await post('/v1/segments/built-ins', undefined)
    assert.equal(restored.status, 200, JSON.stringify(restored.body))
    assert.deepEqual(restored.body.data.map((s: { key: string }) => s.key), [doomed.key])
    assert.equal((await api.secret('GET', `/v1/segments/${doomed.id}`)).body.builtIn, true)
    assert.deepEqual((await post('/v1/segments/built-ins', undefined)).body.data, [], 'nothing left to restore')
  })
})
