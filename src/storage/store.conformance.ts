/**
 * The storage conformance suite: every backend runs these same tests against a real database.
 * `describeStore('sqlite', () => new SqliteStore(tmpFile))`; the PostgreSQL backend calls it with a
 * database created for the run.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { describeSegmentDefinitions } from './segment-definitions.conformance.ts'
import { describePredictions } from './predictions.conformance.ts'
import { describeDiagnostics } from './diagnostics.conformance.ts'
import { currentSeq, event, item, unique } from './conformance-fixtures.ts'
import type { ItemQuery, Store } from './store.ts'
import { describeSegmentMembers } from './segment-members.conformance.ts'


export function describeStore(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store
    before(async () => {
      store = await open()
      await store.migrate()
    })
    after(async () => {
      await store.close()
    })

    describeSegmentDefinitions(() => store)
    describeSegmentMembers(() => store, open)
    describePredictions(() => store)

    it('migrates idempotently and answers ping', async () => {
      await store.migrate()
      await store.ping()
    })

    it('appends events and reads them back unchanged, in log order', async () => {
      const a = event({ userId: 'order-a' })
      const b = event({ userId: 'order-a', kind: 'order_completed', data: { orderId: 'o1', revenue: 12.5 } })
      const result = await store.appendEvents([a, b])
      assert.equal(result.inserted, 2)
      assert.deepEqual(result.duplicates, [])
      const got = await store.getEventsByMessageId([a.messageId, b.messageId])
      assert.equal(got.length, 2)
      assert.ok(got[0]!.seq < got[1]!.seq)
      const { seq: _s, ...rest } = got[0]!
      assert.deepEqual(rest, a)
      assert.deepEqual(got[1]!.data, { orderId: 'o1', revenue: 12.5 })
    })

    it('skips duplicates by messageId, within a call and across calls', async () => {
      const a = event()
      const b = event()
      const first = await store.appendEvents([a, a])
      assert.equal(first.inserted, 1)
      assert.deepEqual(first.duplicates, [a.messageId])
      const second = await store.appendEvents([a, b])
      assert.equal(second.inserted, 1)
      assert.deepEqual(second.duplicates, [a.messageId])
      assert.equal((await store.getEventsByMessageId([a.messageId])).length, 1)
    })

    it('lists a person by userId or anonymousId, newest first, with a cursor that neither skips nor repeats', async () => {
      const person = `person-${currentSeq()}`
      const evs = [
        event({ userId: person, timestamp: 5000 }),
        event({ userId: null, anonymousId: person, timestamp: 7000 }),
        event({ userId: person, timestamp: 7000 }), // same time: log order breaks the tie
        event({ userId: person, timestamp: 1000 }),
        event({ userId: 'someone-else', timestamp: 9000 }),
      ]
      await store.appendEvents(evs)
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await store.listPersonEvents({ personId: person, limit: 2, cursor })
        assert.ok(page.data.length <= 2)
        seen.push(...page.data.map((e) => e.messageId))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      assert.deepEqual(seen, [evs[2]!.messageId, evs[1]!.messageId, evs[0]!.messageId, evs[3]!.messageId])
    })

    it("lists only a person's events of some kinds when asked (their orders), by the identity graph's nodes too", async () => {
      const person = `kinds-person-${currentSeq()}`
      const order = (timestamp: number) => event({ userId: person, kind: 'order_completed', event: 'Order Completed', timestamp })
      const evs = [order(3000), event({ userId: person, timestamp: 4000 }), order(5000), event({ userId: person, kind: 'order_refunded', event: 'Order Refunded', timestamp: 6000 })]
      await store.appendEvents(evs)
      const first = await store.listPersonEvents({ personId: person, limit: 1, kinds: ['order_completed', 'order_refunded'] })
      assert.deepEqual(first.data.map((e) => e.kind), ['order_refunded'])
      const rest = await store.listPersonEvents({ personId: person, limit: 5, kinds: ['order_completed', 'order_refunded'], cursor: first.nextCursor! })
      assert.deepEqual(rest.data.map((e) => e.messageId), [evs[2]!.messageId, evs[0]!.messageId])
      assert.equal(rest.nextCursor, null)
      const node = `${person}-node`
      await store.writePeople((tx) => tx.insertPersonEvents(evs.map((e) => ({ messageId: e.messageId, personId: node, timestamp: e.timestamp }))))
      const byNode = await store.listPersonEvents({ personId: 'unused', personNodes: [node], limit: 10, kinds: ['order_completed'] })
      assert.deepEqual(byNode.data.map((e) => e.messageId), [evs[2]!.messageId, evs[0]!.messageId])
      assert.deepEqual((await store.listPersonEvents({ personId: person, limit: 10, kinds: [] })).data, [])
    })

    it('reads the log after a position and counts it', async () => {
      const before = await store.countEvents()
      const start = (await store.readEvents(0, 1_000_000)).at(-1)?.seq ?? 0
      await store.appendEvents([event(), event(), event()])
      const tail = await store.readEvents(start, 10)
      assert.equal(tail.length, 3)
      assert.equal(await store.countEvents(), before + 3)
      assert.deepEqual((await store.readEvents(start, 2)).map((e) => e.seq), tail.slice(0, 2).map((e) => e.seq))
    })

    it('upserts items (replacing the whole item), reads, pages and deletes them', async () => {
      const now = new Date('2026-01-01T00:00:00Z')
      await store.upsertItems([item('i1'), item('i2', { categories: ['Shoes'] }), item('i3', { categories: ['Bags'] })], now)
      const i1 = await store.getItem('i1')
      assert.equal(i1?.title, 'Item i1')
      assert.equal(i1?.available, true)
      assert.equal(i1?.inventory, null)
      assert.deepEqual(i1?.categories, ['Shoes > Running'])
      assert.equal(i1?.createdAt, now.toISOString())

      const later = new Date('2026-02-01T00:00:00Z')
      await store.upsertItems([{ id: 'i1', title: 'Renamed', available: false, inventory: 0, attributes: { size: 42 } }], later)
      const renamed = await store.getItem('i1')
      assert.equal(renamed?.title, 'Renamed')
      assert.equal(renamed?.price, null, 'an upsert replaces the whole item')
      assert.equal(renamed?.available, false)
      assert.equal(renamed?.inventory, 0)
      assert.deepEqual(renamed?.attributes, { size: 42 })
      assert.equal(renamed?.createdAt, now.toISOString(), 'creation time survives an upsert')
      assert.equal(renamed?.updatedAt, later.toISOString())

      const ids: string[] = []
      let cursor: string | undefined
      do {
        const page = await store.listItems({ limit: 1, cursor })
        ids.push(...page.data.map((i) => i.id))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      assert.deepEqual(ids, [...ids].sort())
      assert.ok(['i1', 'i2', 'i3'].every((id) => ids.includes(id)))
      assert.equal(new Set(ids).size, ids.length)

      const shoes = await store.listItems({ limit: 100, category: 'Shoes' })
      assert.deepEqual(shoes.data.map((i) => i.id).sort(), ['i2'])
      await store.upsertItems([item('i4')], now)
      const shoes2 = await store.listItems({ limit: 100, category: 'Shoes' })
      assert.deepEqual(shoes2.data.map((i) => i.id).sort(), ['i2', 'i4'], 'a category includes its descendants')

      assert.equal(await store.deleteItem('i3'), true)
      assert.equal(await store.deleteItem('i3'), false)
      assert.equal(await store.getItem('i3'), null)
      assert.equal(await store.countItems(), ids.length)
    })

    it('searches items by id prefix or by words of title and brand (any case, any accents), with the other filters and paging', async () => {
      const now = new Date('2026-01-01T00:00:00Z')
      await store.upsertItems(
        [
          { id: 'srch-A1', title: 'Trail Running Shoe', brand: 'Nike', categories: ['Shoes > Running'], inventory: 3 },
          { id: 'srch-a2', title: 'Café Crème Mug', brand: 'Ünique Home', categories: ['Home > Kitchen'], inventory: 0 },
          { id: 'srch-b1', title: 'Running Socks', brand: 'Nike', categories: ['Shoes > Socks'], available: false },
          { id: 'SRCH-C1', title: '<img src=x onerror=alert(1)>', brand: null },
          { id: 'srch-%_', title: 'Percent_Underscore 100%' },
        ],
        now,
      )
      const found = async (q: string, more: Partial<ItemQuery> = {}) => (await store.listItems({ limit: 100, q, ...more })).data.map((i) => i.id)
      assert.deepEqual(await found('srch-a'), ['srch-A1', 'srch-a2'], 'an id prefix, in any case')
      assert.deepEqual(await found('SRCH-C'), ['SRCH-C1'])
      assert.deepEqual(await found('srch-%'), ['srch-%_'], 'no LIKE wildcards')
      assert.deepEqual(await found('RUN'), ['srch-A1', 'srch-b1'], 'a prefix of a title word')
      assert.deepEqual(await found('nike run'), ['srch-A1', 'srch-b1'], 'every word, from title or brand')
      assert.deepEqual(await found('run nike shoe'), ['srch-A1'])
      assert.deepEqual(await found('nike mug'), [], 'all words must match')
      assert.deepEqual(await found('ning'), [], 'words match by prefix, not inside')
      assert.deepEqual(await found('cafe'), ['srch-a2'], 'accents ignored one way')
      assert.deepEqual(await found('CRÈME unique'), ['srch-a2'], 'and the other, in brand words too')
      assert.deepEqual(await found('img onerror'), ['SRCH-C1'])
      assert.deepEqual(await found('100'), ['srch-%_'])
      assert.deepEqual(await found('%'), [], 'punctuation alone finds no words')
      assert.deepEqual(await found('running', { category: 'Shoes > Running' }), ['srch-A1'], 'with the category filter')
      assert.deepEqual(await found('srch', { inStock: true }), ['SRCH-C1', 'srch-%_', 'srch-A1'], 'in stock: available, inventory not 0')
      assert.deepEqual(await found('srch', { inStock: false }), ['srch-a2', 'srch-b1'])

      const pages: string[][] = []
      let cursor: string | undefined
      do {
        const page = await store.listItems({ limit: 2, q: 'srch', cursor })
        pages.push(page.data.map((i) => i.id))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      assert.deepEqual(pages, [['SRCH-C1', 'srch-%_'], ['srch-A1', 'srch-a2'], ['srch-b1']], 'pages in id order, none skipped or repeated')

      await store.upsertItems([{ id: 'srch-b1', title: 'Wool Socks', brand: null }], now)
      assert.deepEqual(await found('running'), ['srch-A1'], 'a replaced title no longer finds the item')
      assert.deepEqual(await found('wool'), ['srch-b1'])
      assert.deepEqual(await found('nike'), ['srch-A1'], 'nor its old brand')
      assert.equal(await store.deleteItem('srch-a2'), true)
      assert.deepEqual(await found('cafe'), [], 'a deleted item is not found')
      // Folding lengthens some text many times (U+FDFA becomes 18 characters): terms stay within index limits.
      const long = `srch-${'\uFDFA'.repeat(250)}`
      await store.upsertItems([{ id: long, title: '\uFDFA'.repeat(1000), brand: 'x'.repeat(255) }], now)
      assert.deepEqual(await found(`srch-${'\uFDFA'.repeat(3)}`), [long])
      assert.deepEqual(await found(long), [long], 'the whole id, cut like the stored term')
      assert.deepEqual(await found('x'.repeat(100)), [long], 'a query word beyond the term length is cut the same')
      for (const id of ['srch-A1', 'srch-b1', 'SRCH-C1', 'srch-%_', long]) await store.deleteItem(id)
    })

    it('lists categories with counts and inherited sensitivity', async () => {
      await store.upsertItems([item('h1', { categories: ['Health > Vitamins'] })], new Date())
      await store.setCategorySensitivity([{ path: 'Health', sensitive: true }])
      const cats = await store.listCategories()
      const vitamins = cats.find((c) => c.path === 'Health > Vitamins')
      assert.equal(vitamins?.sensitive, true)
      assert.equal(vitamins?.inheritedSensitive, true)
      assert.equal(cats.find((c) => c.path === 'Health')?.sensitive, true)
      assert.equal(cats.find((c) => c.path === 'Shoes > Running')?.sensitive, false)
      await store.setCategorySensitivity([{ path: 'Health', sensitive: false }])
      assert.equal((await store.listCategories()).find((c) => c.path === 'Health > Vitamins')?.sensitive, false)
    })

    it('stores API keys by hash, lists and revokes them', async () => {
      const record = { id: `k-${currentSeq()}`, scope: 'write' as const, hash: `h-${currentSeq()}`, label: 'test', createdAt: new Date().toISOString(), revokedAt: null }
      await store.insertApiKey(record)
      await store.insertApiKey({ ...record, id: 'other-id' }) // same hash: ignored
      const keys = (await store.listApiKeys()).filter((k) => k.hash === record.hash)
      assert.deepEqual(keys, [record])
      assert.equal(await store.revokeApiKey(record.id, new Date()), true)
      assert.equal(await store.revokeApiKey(record.id, new Date()), false)
      assert.notEqual((await store.listApiKeys()).find((k) => k.id === record.id)?.revokedAt, null)
    })

    it('revokes keys but never the last active secret key, also when two revocations race', async () => {
      const at = new Date()
      for (const k of await store.listApiKeys()) if (k.scope === 'secret' && k.revokedAt === null) await store.revokeApiKey(k.id, at)
      const secret = (n: number) => ({ id: `sk-${currentSeq()}-${n}`, scope: 'secret' as const, hash: `sh-${currentSeq()}-${n}`, label: 'test', createdAt: at.toISOString(), revokedAt: null })
      const write = { id: `wk-${currentSeq()}`, scope: 'write' as const, hash: `wh-${currentSeq()}`, label: 'test', createdAt: at.toISOString(), revokedAt: null }
      for (const k of [secret(1), secret(2), write]) await store.insertApiKey(k)
      const outcomes = await Promise.all([store.settings.revokeApiKey(secret(1).id, at), store.settings.revokeApiKey(secret(2).id, at)])
      assert.deepEqual([...outcomes].sort(), ['last_secret', 'revoked'])
      const active = (await store.listApiKeys()).filter((k) => k.scope === 'secret' && k.revokedAt === null)
      assert.equal(active.length, 1, 'one secret key is left')
      assert.equal(await store.settings.revokeApiKey(active[0]!.id, at), 'last_secret')
      assert.equal(await store.settings.revokeApiKey(write.id, at), 'revoked', 'write keys may all go')
      assert.equal(await store.settings.revokeApiKey(write.id, at), 'not_found', 'already revoked')
      assert.equal(await store.settings.revokeApiKey('no-such-key', at), 'not_found')
    })

    it('keeps when each key was last used, never moving a time backwards', async () => {
      const a = `use-a-${currentSeq()}`
      const b = `use-b-${currentSeq()}`
      await store.settings.recordKeyUses(new Map([[a, 2000], [b, 1000]]))
      await store.settings.recordKeyUses(new Map([[a, 1500], [b, 3000]]))
      await store.settings.recordKeyUses(new Map())
      const uses = await store.settings.keyUses()
      assert.equal(uses.get(a), 2000)
      assert.equal(uses.get(b), 3000)
    })

    it('stores settings as JSON with a version that every change raises, refusing a change based on an old version', async () => {
      const start = await store.settings.read()
      const first = await store.settings.write({ consentDefaults: { personalization: false, 'ünïcode ✓': true } }, { updatedBy: 'a@example.com', now: 1000 })
      assert.ok(first)
      assert.equal(first.version, start.version + 1)
      assert.deepEqual(first.values.consentDefaults, { key: 'consentDefaults', value: { personalization: false, 'ünïcode ✓': true }, version: first.version, updatedAt: 1000, updatedBy: 'a@example.com' })
      assert.equal(await store.settings.write({ consentDefaults: {} }, { updatedBy: 'b@example.com', now: 2000, expectedVersion: start.version }), null, 'stale version')
      const second = await store.settings.write({ consentDefaults: { email: true }, other: [1, 'two'] }, { updatedBy: 'b@example.com', now: 2000, expectedVersion: first.version })
      assert.equal(second?.version, first.version + 1)
      assert.deepEqual((await store.settings.read()).values.consentDefaults?.value, { email: true })
      assert.deepEqual((await store.settings.read()).values.other?.value, [1, 'two'])
      // Concurrent writers based on the same version: exactly one wins.
      const raced = await Promise.all([1, 2, 3].map((n) => store.settings.write({ other: n }, { updatedBy: `w${n}`, now: 3000, expectedVersion: second!.version })))
      assert.equal(raced.filter((r) => r !== null).length, 1)
      assert.equal((await store.settings.read()).version, second!.version + 1)
    })

    it('keeps staff users (unique email) and sessions by token digest, ending them by user and by expiry', async () => {
      const email = `staff-${currentSeq()}@example.com`
      const user = { id: `u-${currentSeq()}`, email, role: 'editor' as const, passwordHash: 'scrypt$1$1$1$a$b', mustChangePassword: true, createdAt: 1000, updatedAt: 1000 }
      await store.staff.insertUser(user)
      await assert.rejects(store.staff.insertUser({ ...user, id: `u2-${currentSeq()}` }), 'a second user with the same email')
      assert.deepEqual(await store.staff.getUserByEmail(email), user)
      assert.equal(await store.staff.updateUser(user.id, { role: 'viewer', mustChangePassword: false }, 2000), true)
      assert.deepEqual(await store.staff.getUser(user.id), { ...user, role: 'viewer', mustChangePassword: false, updatedAt: 2000 })
      assert.equal(await store.staff.updateUser('no-such-user', { role: 'admin' }, 2000), false)
      assert.ok((await store.staff.countUsers()) >= 1)
      const session = (n: number, expiresAt: number) => ({ tokenHash: `t-${currentSeq()}-${n}`, userId: user.id, csrfToken: `c-${n}`, createdAt: 1000, seenAt: 1000, expiresAt })
      await store.staff.insertSession(session(1, 5000))
      await store.staff.insertSession(session(2, 9000))
      await store.staff.insertSession(session(3, 9000))
      await store.staff.touchSession(`t-${currentSeq()}-2`, 3000, 8000)
      assert.deepEqual(await store.staff.getSession(`t-${currentSeq()}-2`), { ...session(2, 8000), seenAt: 3000 })
      assert.ok((await store.staff.pruneSessions(6000)) >= 1)
      assert.equal(await store.staff.getSession(`t-${currentSeq()}-1`), null, 'expired and pruned')
      await store.staff.deleteSessionsOf(user.id, `t-${currentSeq()}-3`)
      assert.equal(await store.staff.getSession(`t-${currentSeq()}-2`), null)
      assert.notEqual(await store.staff.getSession(`t-${currentSeq()}-3`), null, 'the kept session')
      assert.equal(await store.staff.deleteUser(user.id), true)
      assert.equal(await store.staff.getSession(`t-${currentSeq()}-3`), null, "a removed user's sessions go with them")
      assert.equal(await store.staff.getUser(user.id), null)
    })

    it('keeps consumer offsets, never moving one backwards', async () => {
      assert.equal(await store.getConsumerOffset('offset-test'), 0)
      await store.setConsumerOffset('offset-test', 42)
      await store.setConsumerOffset('offset-test', 41)
      assert.equal(await store.getConsumerOffset('offset-test'), 42)
    })

    it('refuses a cursor it did not issue instead of restarting from the first page', async () => {
      await assert.rejects(store.listItems({ limit: 1, cursor: 'garbage' }), /cursor/)
      await assert.rejects(store.listPersonEvents({ personId: 'x', limit: 1, cursor: Buffer.from('["a"]').toString('base64url') }), /cursor/)
    })

    it('keeps the identity graph and profiles in one write transaction, and rolls a failed one back', async () => {
      const tag = `people-${currentSeq()}`
      const e1 = event({ userId: `${tag}-u` })
      await store.appendEvents([e1])
      await store.writePeople(async (tx) => {
        await tx.insertPeople([{ id: `${tag}-a`, createdAt: 1, mergedInto: null }, { id: `${tag}-b`, createdAt: 2, mergedInto: null }])
        await tx.putIdentities([{ type: 'user_id', value: `${tag}-u`, personId: `${tag}-a`, firstSeen: 1, messageId: 'm1' }])
        await tx.insertPersonEvents([{ messageId: e1.messageId, personId: `${tag}-a`, timestamp: e1.timestamp }])
        await tx.putProfiles([{ personId: `${tag}-a`, state: '{"n":1}', orders: 2, revenue: 30.5, lastOrder: 5, updatedAt: 9 }])
      })
      await store.writePeople(async (tx) => {
        await tx.setMergedInto([`${tag}-b`], `${tag}-a`)
        // Moving an identifier replaces its person; first_seen stays.
        await tx.putIdentities([{ type: 'user_id', value: `${tag}-u`, personId: `${tag}-b`, firstSeen: 99, messageId: 'm2' }])
        await tx.insertIdentityLog([
          { id: `${tag}-m`, kind: 'merge', personId: `${tag}-a`, otherId: `${tag}-b`, members: [`${tag}-b`], cause: 'test', messageId: 'm2', identifiers: [{ type: 'user_id', value: 'x' }], at: 7, undoneAt: null, undoneBy: null },
        ])
      })
      await assert.rejects(
        store.writePeople(async (tx) => {
          await tx.insertPeople([{ id: `${tag}-c`, createdAt: 3, mergedInto: null }])
          throw new Error('boom')
        }),
        /boom/,
      )
      await store.readPeople(async (tx) => {
        assert.deepEqual(await tx.seenEvents([e1.messageId, 'never-applied']), new Set([e1.messageId]))
        assert.deepEqual(await tx.getPeople([`${tag}-a`, `${tag}-c`]), [{ id: `${tag}-a`, createdAt: 1, mergedInto: null }])
        assert.deepEqual((await tx.membersOf([`${tag}-a`])).map((p) => p.id), [`${tag}-b`])
        assert.deepEqual(await tx.findIdentities([{ type: 'user_id', value: `${tag}-u` }, { type: 'email', value: `${tag}-u` }]), [
          { type: 'user_id', value: `${tag}-u`, personId: `${tag}-b`, firstSeen: 1, messageId: 'm2' },
        ])
        assert.equal((await tx.identitiesOf([`${tag}-b`])).length, 1)
        const [entry] = await tx.identityLogOf([`${tag}-b`])
        assert.equal(entry?.id, `${tag}-m`)
        assert.deepEqual(entry?.identifiers, [{ type: 'user_id', value: 'x' }])
        const events = await tx.eventsOfPeople([`${tag}-a`])
        assert.deepEqual(events.map((e) => e.messageId), [e1.messageId])
        assert.deepEqual(await tx.getProfiles([`${tag}-a`]), [{ personId: `${tag}-a`, state: '{"n":1}', orders: 2, revenue: 30.5, lastOrder: 5, updatedAt: 9 }])
        assert.ok((await tx.buyerStats()).some((b) => b.orders === 2 && b.revenue === 30.5 && b.lastOrder === 5))
      })
      await store.writePeople((tx) => tx.markUndone(`${tag}-m`, 8, 'm3'))
      const undone = await store.readPeople((tx) => tx.getIdentityLogEntry(`${tag}-m`))
      assert.equal(undone?.undoneAt, 8)
      assert.equal(undone?.undoneBy, 'm3')
    })

    it('serialises concurrent people write batches', async () => {
      const tag = `serial-${currentSeq()}`
      await store.writePeople((tx) => tx.putProfiles([{ personId: tag, state: '0', orders: 0, revenue: 0, lastOrder: null, updatedAt: 0 }]))
      // Each batch reads, waits, then writes read+1: without serialisation increments would be lost.
      await Promise.all(
        Array.from({ length: 5 }, () =>
          store.writePeople(async (tx) => {
            const [row] = await tx.getProfiles([tag])
            await new Promise((r) => setTimeout(r, 5))
            await tx.putProfiles([{ ...row!, state: String(Number(row!.state) + 1) }])
          }),
        ),
      )
      assert.equal((await store.readPeople((tx) => tx.getProfiles([tag])))[0]?.state, '5')
    })

    it('resets the derived people data without touching the log', async () => {
      const before = await store.countEvents()
      await store.resetPeople()
      assert.equal(await store.countEvents(), before)
      assert.deepEqual(await store.readPeople((tx) => tx.buyerStats()), [])
    })

    it('searches identifiers by exact value and prefix in code-point order, and lists profiles by last seen with filters', async () => {
      const tag = `search-${process.pid}-${currentSeq()}`
      unique()
      const node = (id: string, mergedInto: string | null = null) => ({ id: `${tag}-${id}`, createdAt: 1, mergedInto: mergedInto && `${tag}-${mergedInto}` })
      const identity = (type: string, value: string, person: string) => ({ type, value: `${tag}${value}`, personId: `${tag}-${person}`, firstSeen: 1, messageId: 'm' })
      // Newest first after every other profile of the suite (theirs have small or no last-seen times).
      const t = 4_000_000_000_000 + currentSeq() * 1000
      await store.writePeople(async (tx) => {
        await tx.insertPeople([node('a'), node('b'), node('b2', 'b'), node('c')])
        await tx.putIdentities([
          identity('user_id', '-u-z', 'a'),
          identity('user_id', '-u-é', 'b2'),
          identity('user_id', '-u-\uFFFD', 'c'),
          identity('user_id', '-u-😀', 'c'),
          identity('user_id', '-u', 'c'),
          identity('user_id', '/u', 'a'),
          identity('anonymous_id', '-u-z', 'b'),
          identity('email', '-u-z@example.com', 'a'),
        ])
        await tx.putProfiles([
          { personId: `${tag}-a`, state: '{}', orders: 3, revenue: 30, lastOrder: 5, updatedAt: 1, lastSeen: t + 3, personalization: true },
          { personId: `${tag}-b`, state: '{}', orders: 0, revenue: 0, lastOrder: null, updatedAt: 1, lastSeen: t + 2, personalization: false },
          { personId: `${tag}-c`, state: '{}', orders: 1, revenue: 5, lastOrder: 5, updatedAt: 1, lastSeen: t + 1, personalization: null },
        ])
      })
      await store.readPeople(async (tx) => {
        const search = (terms: { type: string; value: string }[], exact = false, after: { value: string; type: string } | null = null, limit = 50) =>
          tx.searchIdentifiers({ terms: terms.map((x) => ({ ...x, value: `${tag}${x.value}` })), exact, after, limit })
        const users = await search([{ type: 'user_id', value: '-u' }])
        // Code points: "-u" itself, then z (U+007A), é (U+00E9), U+FFFD, then the emoji (U+1F600; UTF-16 would put it before U+FFFD).
        assert.deepEqual(users.map((m) => m.value.slice(tag.length)), ['-u', '-u-z', '-u-é', '-u-\uFFFD', '-u-😀'])
        assert.deepEqual(users.map((m) => m.personId.slice(tag.length + 1)), ['c', 'a', 'b2', 'c', 'c'], 'the node holding each, not its root')
        const both = await search([{ type: 'user_id', value: '-u-z' }, { type: 'anonymous_id', value: '-u-z' }, { type: 'email', value: '-u-z' }])
        assert.deepEqual(both.map((m) => [m.type, m.value.slice(tag.length)]), [['anonymous_id', '-u-z'], ['user_id', '-u-z'], ['email', '-u-z@example.com']])
        const exact = await search([{ type: 'user_id', value: '-u-z' }, { type: 'anonymous_id', value: '-u-z' }, { type: 'email', value: '-u-z' }], true)
        assert.deepEqual(exact.map((m) => m.type), ['anonymous_id', 'user_id'])
        // Paging: after (value, type), never repeating the cursor's own match.
        const page1 = await search([{ type: 'user_id', value: '-u-z' }, { type: 'anonymous_id', value: '-u-z' }], false, null, 1)
        assert.deepEqual(page1.map((m) => m.type), ['anonymous_id'])
        const page2 = await search([{ type: 'user_id', value: '-u-z' }, { type: 'anonymous_id', value: '-u-z' }], false, { value: page1[0]!.value, type: 'anonymous_id' }, 5)
        assert.deepEqual(page2.map((m) => m.type), ['user_id'])
        const rest = await search([{ type: 'user_id', value: '-u' }], false, { value: `${tag}-u-é`, type: 'user_id' })
        assert.deepEqual(rest.map((m) => m.value.slice(tag.length)), ['-u-\uFFFD', '-u-😀'])
        const people = await search([{ type: 'person_id', value: '-b' }])
        assert.deepEqual(people.map((m) => [m.type, m.personId]), [['person_id', `${tag}-b`], ['person_id', `${tag}-b2`]])
        assert.deepEqual(await search([{ type: 'user_id', value: '-nobody' }]), [])

        const list = async (q: Omit<Parameters<typeof tx.listProfiles>[0], 'limit'>, limit = 3) => (await tx.listProfiles({ limit, ...q })).map((p) => p.personId.slice(tag.length + 1))
        assert.deepEqual(await list({ after: null }), ['a', 'b', 'c'])
        const [first] = await tx.listProfiles({ limit: 1, after: null })
        assert.deepEqual(first, { personId: `${tag}-a`, state: '{}', orders: 3, revenue: 30, lastOrder: 5, lastSeen: t + 3, personalization: true })
        assert.deepEqual(await list({ after: { lastSeen: t + 3, personId: `${tag}-a` } }, 2), ['b', 'c'])
        assert.deepEqual(await list({ after: null, minOrders: 1 }), ['a', 'c'])
        assert.deepEqual(await list({ after: null, personalization: [null] }), ['c'])
        assert.deepEqual(await list({ after: null, personalization: [true, null] }), ['a', 'c'])
        assert.deepEqual(await list({ after: null, personalization: [false] }), ['b'])
        // b's user id is on the node merged into it.
        assert.deepEqual(await list({ after: null, identified: 'user' }), ['a', 'b', 'c'])
      })
      await store.writePeople((tx) => tx.putIdentities([identity('user_id', '-u-é', 'c')]))
      await store.readPeople(async (tx) => {
        assert.deepEqual((await tx.listProfiles({ limit: 1, after: null, identified: 'anonymous' })).map((p) => p.personId), [`${tag}-b`])
      })
    })

    it('keeps model versions: one training at a time, heartbeats, artifacts, one active version', async () => {
      const mv = store.modelVersions
      const t0 = 1_800_000_000_000 + currentSeq() * 1_000_000
      const a = await mv.start(`mv-a-${currentSeq()}`, 'test', t0, 60_000)
      assert.equal(a?.status, 'training')
      assert.equal(await mv.start(`mv-b-${currentSeq()}`, 'test', t0 + 1000, 60_000), null, 'one run at a time')
      await mv.progress(a!.id, 0.5, 'half', t0 + 50_000)
      assert.equal(await mv.start(`mv-b-${currentSeq()}`, 'test', t0 + 100_000, 60_000), null, 'a heartbeat keeps the run alive')
      const artifact = Uint8Array.from([1, 2, 3, 250])
      await mv.finish(a!.id, { events: 7 }, artifact, t0 + 101_000, true)
      assert.deepEqual(await mv.artifact(a!.id), artifact)
      assert.equal((await mv.active())?.id, a!.id)
      const b = await mv.start(`mv-b-${currentSeq()}`, 'test', t0 + 102_000, 60_000)
      assert.ok(b)
      // A run whose heartbeat stopped (its process died) is marked failed when the next one starts.
      const c = await mv.start(`mv-c-${currentSeq()}`, 'test', t0 + 300_000, 60_000)
      assert.equal(c?.status, 'training')
      assert.equal((await mv.get(b!.id))?.status, 'failed')
      await mv.fail(c!.id, 'boom', t0 + 301_000)
      assert.equal((await mv.get(c!.id))?.error, 'boom')
      assert.equal(await mv.activate(c!.id), false, 'a failed version cannot be activated')
      const d = await mv.start(`mv-d-${currentSeq()}`, 'test', t0 + 302_000, 60_000)
      await mv.finish(d!.id, {}, Uint8Array.from([9]), t0 + 303_000, true)
      assert.equal((await mv.active())?.id, d!.id)
      assert.equal(await mv.activate(a!.id), true)
      const listed = await mv.list(50)
      assert.deepEqual(listed.filter((v) => v.active).map((v) => v.id), [a!.id], 'exactly one active')
      assert.deepEqual((await mv.get(a!.id))?.summary, { events: 7 })
    })
    it('stores recommendation impressions in batches, idempotently, and reads a time range', async () => {
      const t0 = 1_900_000_000_000 + currentSeq() * 1_000_000
      const rid = `recomm-${currentSeq()}`
      const rows = [
        { recommId: rid, placement: 0, strategy: 'for-you', personId: 'p-1', ref: 'anon-1', itemIds: ['a', 'b'], servedAt: t0 },
        { recommId: rid, placement: 1, strategy: 'trending', personId: null, ref: 'anon-1', itemIds: ['c'], servedAt: t0 },
        { recommId: `${rid}-later`, placement: 0, strategy: 'similar', personId: null, ref: null, itemIds: [], servedAt: t0 + 5000 },
      ]
      await store.impressions.insert(rows)
      await store.impressions.insert(rows.slice(0, 1)) // a retried batch writes nothing twice
      assert.deepEqual(await store.impressions.range(t0, t0 + 10_000), rows)
      assert.deepEqual((await store.impressions.range(t0 + 1, t0 + 5000)).length, 0, 'from inclusive, to exclusive')
      const many = Array.from({ length: 250 }, (_, i) => ({ ...rows[0]!, recommId: `${rid}-m${i}`, servedAt: t0 + 20_000 + i }))
      await store.impressions.insert(many)
      assert.equal((await store.impressions.range(t0 + 20_000, t0 + 30_000)).length, 250)
    })

    it('reads events of some kinds in a time range, in log order, by pages', async () => {
      const t0 = 1_950_000_000_000 + currentSeq() * 1_000_000
      const user = `kinds-${currentSeq()}`
      const click = (i: number) => event({ userId: user, kind: 'product_clicked', event: 'Product Clicked', timestamp: t0 + i })
      const batch = [click(1), event({ userId: user, timestamp: t0 + 2 }), click(3), click(4), event({ userId: user, kind: 'order_completed', timestamp: t0 + 5, data: { orderId: 'k1' } }), click(10_000)]
      await store.appendEvents(batch)
      const first = await store.readEventsOfKinds(['product_clicked', 'order_completed'], t0, t0 + 10_000, 0, 2)
      assert.deepEqual(first.map((e) => e.timestamp), [t0 + 1, t0 + 3])
      const rest = await store.readEventsOfKinds(['product_clicked', 'order_completed'], t0, t0 + 10_000, first.at(-1)!.seq, 10)
      assert.deepEqual(rest.map((e) => e.kind), ['product_clicked', 'order_completed'])
      assert.deepEqual(await store.readEventsOfKinds([], t0, t0 + 10_000, 0, 10), [])
    })

    // Last: they add items and categories that the catalogue tests above do not expect.
    describeDiagnostics(() => store)
  })
}
