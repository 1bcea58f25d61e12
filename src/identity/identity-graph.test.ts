/**
 * Identity stitching end to end: events go through the real ProfileProjector on a SQLite file, and the
 * outcome is read back from the store (identities, people, identity log, person_events) and through
 * ProfileService (find, view). Each test uses its own ids, so the tests share one store without interfering.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AttuneError, type CallType, type EventKind, type EventRecord, type NormalizedData } from '../core/index.ts'
import { MemoryHotState } from '../hot-state/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector, ProfileService, type ProfileView } from '../profiles/index.ts'
import { SqliteStore, type Store } from '../storage/index.ts'
import { DEFAULT_LIMITS, type IdentityLimits } from './index.ts'

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1'
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36'
const SHOE = { itemId: 'shoe-trail-1', quantity: 1, price: 120, category: 'Shoes > Running', name: 'Trail runner', brand: 'Fleet' }

/** A readable id unique to this run, so every test has its own people. */
const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

let clock = Date.UTC(2025, 0, 6, 9)
interface EventSpec {
  kind: EventKind
  userId?: string
  anonymousId?: string
  event?: string
  /** Merged into the raw Segment message (traits, context, properties, previousId, ...). */
  message?: Record<string, unknown>
  data?: NormalizedData
}

/** An EventRecord as ingestion stores it; each one a minute after the previous so log order is time order. */
function ev(s: EventSpec): EventRecord {
  const type: CallType = s.kind === 'identify' ? 'identify' : s.kind === 'alias' ? 'alias' : 'track'
  const [timestamp, messageId, userId, anonymousId] = [(clock += 60_000), uid('msg'), s.userId ?? null, s.anonymousId ?? null]
  const message = { type, messageId, userId, anonymousId, ...(s.event ? { event: s.event } : {}), ...s.message }
  const itemId = s.data?.products?.[0]?.itemId ?? null
  return { messageId, type, event: s.event ?? null, kind: s.kind, userId, anonymousId, itemId, timestamp, receivedAt: timestamp, message, data: s.data ?? {} }
}

const view = (anonymousId: string, userAgent: string) => ev({ kind: 'product_viewed', event: 'Product Viewed', anonymousId, message: { context: { userAgent } }, data: { products: [SHOE] } })
const identify = (userId: string, extra: Omit<EventSpec, 'kind' | 'userId'> = {}) => ev({ kind: 'identify', userId, ...extra })
const orderOf = (userId: string, revenue: number, anonymousId?: string, message: Record<string, unknown> = {}) =>
  ev({ kind: 'order_completed', event: 'Order Completed', userId, ...(anonymousId ? { anonymousId } : {}), message, data: { orderId: uid('order'), revenue, products: [SHOE] } })

/** Projector, service and a `send` that appends one delivery to the log and applies it, like the worker. */
function world(store: Store, limits: IdentityLimits = DEFAULT_LIMITS) {
  const hot = new MemoryHotState()
  const projector = new ProfileProjector(store, hot, { halfLifeMs: 30 * 864e5, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, limits })
  const record = async (e: EventRecord[]) => {
    await store.appendEvents(e)
    await projector.apply(e)
  }
  const service = new ProfileService(store, hot, projector, record)
  const send = (...e: EventRecord[]) => record(e)
  /** One delivery per event, as a live worker with small deliveries sees them. */
  const sendEach = async (...e: EventRecord[]) => {
    for (const x of e) await record([x])
  }
  return { projector, service, send, sendEach }
}

/** The root and every node merged into it. */
const nodesOf = (store: Store, root: string) => store.readPeople(async (tx) => [root, ...(await tx.membersOf([root])).map((m) => m.id)])
/** Message ids attributed (person_events) to a root's group, in log order. */
const messagesOf = async (store: Store, root: string) => {
  const nodes = await nodesOf(store, root)
  return (await store.readPeople((tx) => tx.eventsOfPeople(nodes))).map((e) => e.messageId)
}
const logOf = async (store: Store, root: string) => {
  const nodes = await nodesOf(store, root)
  return store.readPeople((tx) => tx.identityLogOf(nodes))
}
const ids = (records: EventRecord[]) => records.map((e) => e.messageId)

async function mustView(service: ProfileService, root: string | null): Promise<ProfileView> {
  assert.ok(root, 'the person exists')
  const v = await service.view(root)
  assert.ok(v, `a profile exists for ${root}`)
  return v
}

let dir: string
const opened: Store[] = []
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-identity-'))
})
after(async () => {
  for (const s of opened) await s.close()
  fs.rmSync(dir, { recursive: true, force: true })
})
async function openStore(name: string): Promise<Store> {
  const s = new SqliteStore(path.join(dir, `${name}.db`))
  opened.push(s)
  await s.migrate()
  return s
}

describe('identity graph through the profile projector', () => {
  let store: Store
  let w: ReturnType<typeof world>
  before(async () => {
    store = await openStore('shared')
    w = world(store)
  })

  it('stitches mobile browsing, desktop purchase and email opens into one person', async () => {
    const [A, B, U] = [uid('anon-phone'), uid('anon-laptop'), uid('user')]
    const email = `${uid('Runner')}@Example.COM`
    const browsing = [view(A, IPHONE), view(A, IPHONE), view(A, IPHONE)]
    const login = identify(U, { anonymousId: B, message: { traits: { email, name: 'Ann' }, context: { userAgent: DESKTOP } } })
    const order = orderOf(U, 120, B, { context: { userAgent: DESKTOP } })
    // Email tools send only the address: in properties on email events, or in context.traits.
    const open1 = ev({ kind: 'email_opened', event: 'Email Opened', message: { properties: { email: email.toUpperCase() } } })
    const open2 = ev({ kind: 'email_opened', event: 'Email Opened', message: { context: { traits: { email } } } })
    await w.sendEach(...browsing, login, order, open1, open2)

    // Until something ties the phone to the account, they are two people.
    const phoneBefore = await w.service.find(A, 'anonymous_id')
    const account = await w.service.find(U, 'user_id')
    assert.ok(phoneBefore && account)
    assert.notEqual(phoneBefore, account)
    assert.deepEqual(await messagesOf(store, account), ids([login, order, open1, open2]), 'the email opens land on the account')

    const phoneLogin = identify(U, { anonymousId: A, message: { context: { userAgent: IPHONE } } })
    await w.send(phoneLogin)

    const root = await w.service.find(U, 'user_id')
    assert.equal(root, account, 'the customer keeps the person id of the account (it has the user id)')
    for (const [ref, type] of [[A, 'anonymous_id'], [B, 'anonymous_id'], [U, undefined], [email, 'email'], [email.toLowerCase(), undefined], [email.toUpperCase(), 'email']] as const) {
      assert.equal(await w.service.find(ref, type), root, `find(${ref}, ${type ?? 'auto'})`)
    }
    assert.deepEqual(await messagesOf(store, root!), ids([...browsing, login, order, open1, open2, phoneLogin]))

    const v = await mustView(w.service, root)
    assert.equal(v.activity.events, 8)
    assert.equal(v.email.opens, 2)
    assert.deepEqual(v.devices, { mobile: 3, desktop: 1 })
    assert.equal(v.purchases.orders, 1)
    assert.equal(v.purchases.revenue, 120)
    assert.deepEqual(v.identities.userIds, [U])
    assert.deepEqual(v.identities.emails, [email.toLowerCase()])
    assert.deepEqual([...v.identities.anonymousIds].sort(), [A, B].sort())
    assert.ok(v.affinities.categories.some((a) => a.name === 'Shoes > Running'), 'the phone browsing feeds the merged profile')
    assert.equal(v.traits.name, 'Ann')
    const merges = v.merges.filter((m) => m.kind === 'merge')
    assert.equal(merges.length, 1)
    assert.equal(merges[0]!.otherPersonId, phoneBefore)
    // The phone's person is no root any more: its profile is gone from the store.
    assert.deepEqual(await store.readPeople((tx) => tx.getProfiles([phoneBefore])), [])
  })

  it('never merges two user ids: a shared device follows the user logged in now', async () => {
    const [U1, U2, X] = [uid('user-ann'), uid('user-bob'), uid('anon-shared')]
    const annLogin = identify(U1, { anonymousId: X })
    const annView = view(X, DESKTOP)
    await w.sendEach(annLogin, annView)
    const ann = await w.service.find(U1, 'user_id')
    assert.equal(await w.service.find(X, 'anonymous_id'), ann)

    const bobLogin = identify(U2, { anonymousId: X })
    await w.send(bobLogin)
    const bob = await w.service.find(U2, 'user_id')
    assert.ok(ann && bob)
    assert.notEqual(ann, bob, 'two user ids are two people')
    assert.equal(await w.service.find(X, 'anonymous_id'), bob, 'the cookie moved to the user logged in now')

    const bobView = view(X, DESKTOP) // only the cookie: goes to Bob now
    await w.send(bobView)
    assert.deepEqual(await messagesOf(store, ann), ids([annLogin, annView]), "Ann's history stays Ann's")
    assert.deepEqual(await messagesOf(store, bob), ids([bobLogin, bobView]))
    assert.equal((await mustView(w.service, ann)).activity.events, 2)
    assert.deepEqual((await mustView(w.service, ann)).identities.anonymousIds, [])
    assert.deepEqual((await mustView(w.service, bob)).identities.anonymousIds, [X])

    const log = await logOf(store, bob)
    assert.equal(log.filter((l) => l.kind === 'merge').length, 0)
    const moved = log.filter((l) => l.kind === 'reassigned')
    assert.equal(moved.length, 1)
    assert.equal(moved[0]!.personId, bob)
    assert.equal(moved[0]!.otherId, ann)
    assert.equal(moved[0]!.messageId, bobLogin.messageId)
    assert.deepEqual(moved[0]!.identifiers, [{ type: 'anonymous_id', value: X }])
    assert.match(moved[0]!.cause, /identify.*shared device/)
  })

  it('keeps a family email with the account that used it first, refusing the merge', async () => {
    const [U1, U2] = [uid('user-mum'), uid('user-son')]
    const email = `${uid('family')}@example.com`
    await w.sendEach(identify(U1, { message: { traits: { email } } }), identify(U2, { message: { traits: { email } } }))
    const [mum, son] = [await w.service.find(U1, 'user_id'), await w.service.find(U2, 'user_id')]
    assert.ok(mum && son)
    assert.notEqual(mum, son)
    assert.equal(await w.service.find(email, 'email'), mum)
    const rows = await store.readPeople((tx) => tx.findIdentities([{ type: 'email', value: email }]))
    assert.deepEqual(rows.map((r) => r.personId), [mum], 'the email did not move')
    assert.deepEqual((await mustView(w.service, son)).identities.emails, [])

    const refused = (await logOf(store, son)).filter((l) => l.kind === 'refused')
    assert.equal(refused.length, 1)
    assert.equal(refused[0]!.personId, son)
    assert.equal(refused[0]!.otherId, mum)
    assert.deepEqual(refused[0]!.identifiers, [{ type: 'email', value: email }])
    assert.equal((await logOf(store, mum)).filter((l) => l.kind === 'merge').length, 0)

    // The son's next identify lands on him, and the same refusal is not logged again for every event.
    const again = identify(U2, { message: { traits: { email } } })
    await w.send(again)
    assert.ok((await messagesOf(store, son)).includes(again.messageId))
    assert.equal((await logOf(store, son)).filter((l) => l.kind === 'refused').length, 1)
  })

  it('caps identifiers per person: a device cycling anonymous ids links at most the limit and merges nothing', async () => {
    const capped = world(store, { ...DEFAULT_LIMITS, anonymous_id: 3 })
    const device = uid('device')
    const anons = Array.from({ length: 10 }, (_, i) => `${device}-anon-${i}`)
    const events = anons.map((a) => ev({ kind: 'product_viewed', event: 'Product Viewed', anonymousId: a, message: { context: { device: { id: device, type: 'phone' } } }, data: { products: [SHOE] } }))
    await capped.send(...events.slice(0, 5)) // one delivery ...
    await capped.sendEach(...events.slice(5)) // ... then one event at a time

    const root = await capped.service.find(device, 'device_id')
    assert.ok(root)
    const v = await mustView(capped.service, root)
    assert.deepEqual(v.identities.deviceIds, [device])
    assert.deepEqual([...v.identities.anonymousIds].sort(), anons.slice(0, 3).sort(), 'the first three anonymous ids, no more')
    for (const a of anons.slice(3)) assert.equal(await capped.service.find(a, 'anonymous_id'), null, `${a} is not linked`)
    assert.equal(capped.projector.stats.merges, 0)
    assert.equal(capped.projector.stats.refusedLinks, 7)
    assert.deepEqual(await logOf(store, root), [])
    // Every event is still attributed, to the device's person.
    assert.equal((await store.readPeople((tx) => tx.seenEvents(ids(events)))).size, 10)
    assert.deepEqual(await messagesOf(store, root), ids(events))
    assert.equal(v.activity.events, 10)
  })

  it("joins an alias's previous anonymous id to the user", async () => {
    const [P, U] = [uid('anon-prev'), uid('user')]
    const browsing = [view(P, IPHONE), view(P, IPHONE)]
    const login = identify(U, { message: { traits: { plan: 'gold' } } })
    await w.sendEach(...browsing, login)
    const [anon, user] = [await w.service.find(P, 'anonymous_id'), await w.service.find(U, 'user_id')]
    assert.ok(anon && user)
    assert.notEqual(anon, user)

    const alias = ev({ kind: 'alias', userId: U, message: { previousId: P } })
    await w.send(alias)
    assert.equal(await w.service.find(P, 'anonymous_id'), user)
    assert.deepEqual(await messagesOf(store, user), ids([...browsing, login, alias]))
    const v = await mustView(w.service, user)
    assert.equal(v.activity.events, 4)
    assert.deepEqual(v.recentlyViewed.map((r) => r.itemId), [SHOE.itemId])
    const merge = v.merges.find((m) => m.kind === 'merge')
    assert.ok(merge)
    assert.equal(merge.cause, 'alias')
    assert.equal(merge.otherPersonId, anon)
    assert.deepEqual(merge.identifiers, [{ type: 'anonymous_id', value: P }])
  })

  it('logs a merge with its cause and identifiers; unmerge splits it for good', async () => {
    const [M, N, U] = [uid('anon-m'), uid('anon-n'), uid('user')]
    const browsing = [view(M, IPHONE), view(M, IPHONE)]
    const login = identify(U, { anonymousId: N })
    const order = orderOf(U, 50, N)
    await w.sendEach(...browsing, login, order)
    const [anon, user] = [await w.service.find(M, 'anonymous_id'), await w.service.find(U, 'user_id')]
    assert.ok(anon && user)

    const tie = identify(U, { anonymousId: M })
    await w.send(tie)
    assert.equal(await w.service.find(M, 'anonymous_id'), user)
    const [entry, ...more] = (await logOf(store, user)).filter((l) => l.kind === 'merge')
    assert.ok(entry)
    assert.equal(more.length, 0)
    assert.equal(entry.cause, 'identify')
    assert.equal(entry.messageId, tie.messageId)
    assert.equal(entry.personId, user)
    assert.equal(entry.otherId, anon)
    assert.deepEqual(entry.members, [anon])
    assert.deepEqual(entry.identifiers, [{ type: 'anonymous_id', value: M }])
    assert.equal(entry.undoneAt, null)
    const total = (await mustView(w.service, user)).activity.events
    assert.equal(total, 5)

    const outcome = await w.service.unmerge(entry.id)
    assert.equal(outcome.applied, true)
    assert.equal(await w.service.find(U, 'user_id'), user)
    assert.equal(await w.service.find(M, 'anonymous_id'), anon, 'the anonymous person has its identifier back')
    assert.deepEqual(await messagesOf(store, anon), ids(browsing))
    const [vu, va] = [await mustView(w.service, user), await mustView(w.service, anon)]
    assert.equal(va.activity.events, 2)
    assert.deepEqual(va.identities.anonymousIds, [M])
    assert.deepEqual(va.recentlyViewed.map((r) => r.itemId), [SHOE.itemId])
    assert.equal(vu.purchases.orders, 1)
    assert.deepEqual(vu.recentlyViewed, [], "the user's profile no longer has the anonymous browsing")
    // The unmerge command is itself an event of the surviving root (an audit trail); behaviour adds up.
    assert.equal(vu.activity.kinds.identities_unmerged, 1)
    assert.equal(vu.activity.events - 1 + va.activity.events, total)
    const undone = await store.readPeople((tx) => tx.getIdentityLogEntry(entry.id))
    assert.ok(undone?.undoneAt !== null && undone?.undoneBy === outcome.messageId)
    await assert.rejects(w.service.unmerge(entry.id), (e: unknown) => e instanceof AttuneError && e.code === 'conflict')

    // Both identifiers on one event again: no automatic re-merge.
    const later = ev({ kind: 'product_viewed', event: 'Product Viewed', userId: U, anonymousId: M, data: { products: [SHOE] } })
    await w.send(later)
    assert.notEqual(await w.service.find(U, 'user_id'), anon)
    assert.equal((await store.readPeople((tx) => tx.getPeople([anon])))[0]?.mergedInto, null, 'the anonymous person is still its own root')
    assert.equal((await logOf(store, user)).filter((l) => l.kind === 'merge').length, 1, 'no new merge')
    assert.ok((await messagesOf(store, user)).includes(later.messageId))
    // Current rule: the cookie itself follows the logged-in user (shared device); the old history stays split.
    assert.equal(await w.service.find(M, 'anonymous_id'), user)
    assert.deepEqual(await messagesOf(store, anon), ids(browsing))
    assert.equal((await mustView(w.service, anon)).activity.events, 2)
  })

  it('merges on an operator\'s word; two user ids only with force', async () => {
    const [a1, a2] = [uid('anon-1'), uid('anon-2')]
    await w.sendEach(view(a1, IPHONE), view(a2, DESKTOP))
    const [ra, rb] = [await w.service.find(a1, 'anonymous_id'), await w.service.find(a2, 'anonymous_id')]
    assert.ok(ra && rb)
    assert.notEqual(ra, rb)
    assert.equal((await w.service.merge(ra, rb, false)).applied, true)
    assert.equal(await w.service.find(a2, 'anonymous_id'), ra, 'the older person survives')
    assert.equal(await w.service.find(rb, 'person_id'), ra, 'the merged person id resolves to the survivor')
    const v = await mustView(w.service, ra)
    assert.deepEqual(v.devices, { mobile: 1, desktop: 1 })
    assert.deepEqual(v.merges.filter((m) => m.kind === 'merge').map((m) => m.cause), ['api'])

    const [u1, u2] = [uid('user-1'), uid('user-2')]
    await w.sendEach(identify(u1), identify(u2))
    const [r1, r2] = [await w.service.find(u1, 'user_id'), await w.service.find(u2, 'user_id')]
    assert.ok(r1 && r2)
    await assert.rejects(w.service.merge(r1, r2, false), (e: unknown) => e instanceof AttuneError && e.code === 'conflict')
    assert.notEqual(await w.service.find(u2, 'user_id'), r1, 'a refused merge changes nothing')
    assert.equal((await w.service.merge(r1, r2, true)).applied, true)
    const root = await w.service.find(u1, 'user_id')
    assert.equal(await w.service.find(u2, 'user_id'), root)
    const forced = await mustView(w.service, root)
    assert.deepEqual([...forced.identities.userIds].sort(), [u1, u2].sort())
    assert.deepEqual(forced.merges.filter((m) => m.kind === 'merge').map((m) => m.cause), ['api (forced)'])
  })

  it('ignores redelivered events', async () => {
    const [A, U] = [uid('anon'), uid('user')]
    const events = [
      view(A, IPHONE),
      identify(U, { message: { traits: { email: `${uid('redo')}@example.com` } } }),
      identify(U, { anonymousId: A }),
      orderOf(U, 30),
    ]
    await w.sendEach(...events)
    const root = await w.service.find(U, 'user_id')
    assert.ok(root)
    const snapshot = async () => {
      const nodes = await nodesOf(store, root)
      return store.readPeople(async (tx) => ({
        nodes,
        identities: await tx.identitiesOf(nodes),
        log: await tx.identityLogOf(nodes),
        events: (await tx.eventsOfPeople(nodes)).map((e) => e.messageId),
        states: (await tx.getProfiles(nodes)).map((p) => [p.personId, p.state]),
      }))
    }
    const before = await snapshot()
    const applied = w.projector.stats.events
    const hotBefore = JSON.stringify(await w.service.state(root))

    assert.equal((await store.appendEvents(events)).duplicates.length, 4, 'the log deduplicates by message id')
    await w.projector.apply(events) // the whole delivery again
    await w.projector.apply([...events].reverse()) // in another order
    for (const e of events) await w.projector.apply([e, e]) // one by one, twice in a delivery
    assert.deepEqual(await snapshot(), before)
    assert.equal(w.projector.stats.events, applied, 'nothing was applied twice')
    assert.equal(JSON.stringify(await w.service.state(root)), hotBefore)
    const v = await mustView(w.service, root)
    assert.equal(v.activity.events, 4)
    assert.equal(v.purchases.orders, 1)
  })
})

/** Everything derived about the people holding these identifiers, as comparable strings. */
function graphOf(store: Store, keys: { type: string; value: string }[]) {
  return store.readPeople(async (tx) => {
    const people = await tx.getPeople((await tx.findIdentities(keys)).map((r) => r.personId))
    const roots = [...new Set(people.map((p) => p.mergedInto ?? p.id))].sort()
    const nodes = [...new Set([...roots, ...(await tx.membersOf(roots)).map((m) => m.id)])].sort()
    const log = await tx.identityLogOf(nodes)
    return {
      identities: (await tx.identitiesOf(nodes)).map((r) => `${r.type}:${r.value} -> ${r.personId}`).sort(),
      people: (await tx.getPeople(nodes)).map((p) => `${p.id} -> ${p.mergedInto}`).sort(),
      log: log.map((l) => `${l.id} ${l.kind} ${l.personId}/${l.otherId} ${l.cause} ${JSON.stringify(l.identifiers)}`),
      /** The log without ids: which decisions were taken (entries of one event have no order but their ids). */
      decisions: log.map((l) => `${l.kind} ${l.cause} ${JSON.stringify(l.identifiers)}`).sort(),
      profiles: (await tx.getProfiles(roots)).map((p) => `${p.personId} ${p.state}`).sort(),
    }
  })
}

describe('replaying the log', () => {
  // Each test has its own store file: a rebuild wipes and recomputes every person in it.
  const scenario = () => {
    const [A, B, X, P, U1, U2, U3] = [uid('anon-a'), uid('anon-b'), uid('anon-x'), uid('anon-p'), uid('user-1'), uid('user-2'), uid('user-3')]
    const email = `${uid('family')}@example.com`
    const keys = [...[A, B, X, P].map((value) => ({ type: 'anonymous_id', value })), ...[U1, U2, U3].map((value) => ({ type: 'user_id', value })), { type: 'email', value: email }]
    // Covers login merges, a shared device, a refused family email, an alias and an order.
    const events = [
      ...[view(A, IPHONE), view(A, IPHONE), identify(U1, { anonymousId: B, message: { traits: { email } } }), identify(U1, { anonymousId: A }), view(X, DESKTOP)],
      ...[identify(U1, { anonymousId: X }), identify(U2, { anonymousId: X, message: { traits: { email } } }), view(X, DESKTOP)],
      ...[view(P, IPHONE), identify(U3), ev({ kind: 'alias', userId: U3, message: { previousId: P } })],
      orderOf(U1, 99),
    ]
    return { events, keys }
  }

  it(
    'rebuild gives the same person ids, identities, identity log and profiles as a live run in small deliveries',
    async () => {
      const store = await openStore('replay-live')
      const w = world(store)
      const { events, keys } = scenario()
      await w.sendEach(...events) // a live worker: one event per delivery; the rebuild reads 2000 at a time
      // An operator's merge names person ids in the log: the rebuild must find the same ids to replay it.
      const [Q1, Q2] = [uid('anon-q1'), uid('anon-q2')]
      await w.sendEach(view(Q1, IPHONE), view(Q2, DESKTOP))
      const [q1, q2] = [await w.service.find(Q1, 'anonymous_id'), await w.service.find(Q2, 'anonymous_id')]
      assert.ok(q1 && q2)
      assert.equal((await w.service.merge(q1, q2, false)).applied, true)
      const all = [...keys, ...[Q1, Q2].map((value) => ({ type: 'anonymous_id', value }))]
      const live = await graphOf(store, all)
      assert.deepEqual(live.decisions.map((d) => d.split(' ')[0]), ['merge', 'merge', 'merge', 'merge', 'reassigned', 'refused'])

      assert.equal(await w.projector.rebuild(), await store.countEvents())
      const rebuilt = await graphOf(store, all)
      assert.deepEqual(rebuilt.decisions, live.decisions, 'the same merges, refusals and moves')
      assert.deepEqual(rebuilt, live)
    },
  )

  it(
    'a rebuild by the projector that ran live logs the refusals again',
    async () => {
      const store = await openStore('replay-one-batch')
      const w = world(store)
      const { events, keys } = scenario()
      await w.send(...events) // one delivery, batched as the rebuild batches it, so ids agree
      const live = await graphOf(store, keys)
      assert.ok(live.decisions.some((d) => d.startsWith('refused ')))

      await w.projector.rebuild()
      const rebuilt = await graphOf(store, keys)
      assert.deepEqual(rebuilt.decisions, live.decisions, 'the family email is refused again')
      assert.deepEqual(rebuilt, live)
    },
  )
})
