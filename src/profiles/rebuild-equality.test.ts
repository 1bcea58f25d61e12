/**
 * Acceptance: a profile rebuilt from the event log equals the one maintained incrementally. A seeded
 * stream (browsing, logins, shared devices, emails, carts, orders with gifts, consent changes and
 * gift/dislike commands) goes through the projector in deliveries of random sizes on a real SQLite file;
 * then every stored profile must equal `foldAll` over its group's events, and `rebuild()` must give the
 * same rows.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { type EventKind, type EventRecord, type ItemInput, type ProductLine, seededRandom } from '../core/index.ts'
import { MemoryHotState } from '../hot-state/index.ts'
import { DEFAULT_LIMITS } from '../identity/index.ts'
import { SqliteStore } from '../storage/index.ts'
import { ProfileProjector, type ProfileSettings } from './profile-projector.ts'
import { ProfileService } from './profile-service.ts'
import { DEFAULT_WEIGHTS, type FoldContext, foldAll, type ProfileState } from './profile-state.ts'

const SETTINGS: ProfileSettings = { halfLifeMs: 7 * 864e5, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, limits: DEFAULT_LIMITS }
const T0 = Date.UTC(2025, 2, 1)
const MIN = 60_000

/** The same stream on every run. */
function prng(seed: number) {
  const next = seededRandom(seed)
  return { next, int: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! }
}
const rnd = prng(20250301)

// Catalogue: ~30 items; "Health" is marked sensitive, so its subtree is too.
const CATEGORIES = ['Shoes > Running', 'Shoes > Trail', 'Books > Fiction', 'Books > Cooking', 'Toys > Lego', 'Garden', 'Kitchen > Knives', 'Health > Vitamins', 'Health > Pharmacy']
const BRANDS = ['Fleet', 'Acme', 'Nordic', 'Vita', 'Papyrus']
const ITEMS: ItemInput[] = Array.from({ length: 30 }, (_, i) => ({ id: `sku-${i}`, categories: [CATEGORIES[i % CATEGORIES.length]!], brand: i % 7 === 6 ? null : BRANDS[i % BRANDS.length]!, price: 5 + ((i * 37) % 90) }))
const PRICE = new Map(ITEMS.map((i) => [i.id, i.price!]))
// Items the catalogue does not know: the event's own category and brand apply.
const GHOSTS = [{ id: 'ghost-1', category: 'Garden > Tools' }, { id: 'ghost-2', category: 'Health > Tests' }]

interface Person {
  userId: string
  email: string | null
  devices: { anon: string; app: boolean }[]
  /** Which devices this person is logged in on right now. */
  loggedIn: Set<string>
  orders: string[]
}

// ~40 people; a few share a device with the next person, two share a family email.
const PEOPLE: Person[] = Array.from({ length: 40 }, (_, i) => ({
  userId: `u${i}`,
  email: i % 3 === 0 ? null : `User${i}@Example.com`,
  devices: Array.from({ length: 1 + (i % 3) }, (_, k) => ({ anon: `a${i}-${k}`, app: k === 2 })),
  loggedIn: new Set<string>(),
  orders: [],
}))
for (const i of [1, 3, 7, 11, 17, 21, 25, 29, 33]) PEOPLE[i]!.devices.push(PEOPLE[i + 1]!.devices[0]!)
PEOPLE[39]!.email = PEOPLE[38]!.email = 'family@example.com'

/** Gift keys the commands sent ("order" or "order|item"): each must land in some profile. */
const commandGifts: string[] = []
const counts = { sharedLogins: 0, giftLines: 0, giftOrders: 0, giftCommands: 0, refusals: 0, sensitiveGrants: 0, duplicates: 0, emailOnly: 0 }
let clock = T0
let n = 0

function record(kind: EventKind, who: { userId?: string | null; anon?: string | null; device?: { anon: string; app: boolean } }, fields: { properties?: Record<string, unknown>; traits?: Record<string, unknown>; context?: Record<string, unknown>; lines?: ProductLine[]; orderId?: string; gift?: boolean } = {}): EventRecord {
  clock += rnd.int(25 * MIN)
  const at = rnd.chance(0.05) ? clock - rnd.int(6 * 60 * MIN) : clock // a few arrive late
  const type = kind === 'identify' ? 'identify' : kind === 'page_viewed' ? 'page' : kind === 'screen_viewed' ? 'screen' : 'track'
  const device = who.device
  const context = { ...(device ? (device.app ? { device: { id: `dev-${device.anon}`, type: 'ios' }, library: { name: 'analytics-ios' } } : { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }) : {}), ...fields.context }
  const messageId = `m-${++n}`
  const lines = fields.lines
  const revenue = lines ? lines.reduce((s, l) => s + (l.price ?? 0) * l.quantity, 0) : undefined
  const message: Record<string, unknown> = { type, messageId, event: kind, userId: who.userId ?? undefined, anonymousId: who.anon ?? undefined, properties: { ...fields.properties, ...(lines ? { products: lines.map((l) => ({ product_id: l.itemId })) } : {}) }, traits: fields.traits, context, timestamp: new Date(at).toISOString() }
  const data = { ...(lines ? { products: lines } : {}), ...(fields.orderId ? { orderId: fields.orderId, revenue } : {}), ...(fields.gift ? { gift: true } : {}) }
  return { messageId, type, event: kind, kind, userId: who.userId ?? null, anonymousId: who.anon ?? null, itemId: lines?.[0]?.itemId ?? null, timestamp: at, receivedAt: clock, message, data }
}

function lineOf(itemId: string, quantity = 1): ProductLine {
  const ghost = GHOSTS.find((g) => g.id === itemId)
  return { itemId, quantity, price: PRICE.get(itemId) ?? 9.5, category: ghost?.category ?? 'Misc', name: itemId, ...(ghost ? { brand: 'Nameless' } : {}) }
}
const anyItem = () => (rnd.chance(0.05) ? rnd.pick(GHOSTS).id : rnd.pick(ITEMS).id)

/** One step of someone's behaviour: zero or more events. */
function step(): EventRecord[] {
  const p = rnd.pick(PEOPLE)
  const device = rnd.pick(p.devices)
  const who = { userId: p.loggedIn.has(device.anon) ? p.userId : null, anon: device.anon, device }
  const r = rnd.next()
  if (r < 0.1) {
    // Login (identify): links the device to the user, maybe with an email and consent changes.
    for (const other of PEOPLE) if (other !== p && other.loggedIn.delete(device.anon)) counts.sharedLogins += 1
    p.loggedIn.add(device.anon)
    const traits: Record<string, unknown> = { name: `Person ${p.userId}`, visits: n }
    if (p.email && rnd.chance(0.6)) traits.email = p.email
    let context: Record<string, unknown> = {}
    if (rnd.chance(0.2)) {
      const granted = rnd.chance(0.5)
      if (!granted) counts.refusals += 1
      if (rnd.chance(0.5)) traits.consent = { personalization: granted }
      else context = { consent: { categoryPreferences: { Personalization: granted } } }
    }
    if (rnd.chance(0.08)) {
      traits.consent = { ...(traits.consent as object), sensitive: true }
      counts.sensitiveGrants += 1
    }
    return [record('identify', { ...who, userId: p.userId }, { traits, context })]
  }
  if (r < 0.13) {
    p.loggedIn.delete(device.anon) // logout: later browsing on this device is anonymous
    return []
  }
  if (r < 0.2 && p.email) {
    // An email open or click that carries only the address (case differs: normalised).
    counts.emailOnly += 1
    const kind = rnd.chance(0.7) ? 'email_opened' : 'email_link_clicked'
    return [record(kind, {}, { properties: { email: rnd.chance(0.5) ? p.email : p.email.toUpperCase(), campaign: 'spring' } })]
  }
  if (r < 0.5) return [record('product_viewed', who, { lines: [lineOf(anyItem())], properties: rnd.chance(0.6) ? { dwell_time: rnd.int(120) } : {} })]
  if (r < 0.55) return [record('product_clicked', who, { lines: [lineOf(anyItem())] })]
  if (r < 0.6) return [record(rnd.chance(0.5) ? 'product_list_viewed' : 'page_viewed', who, { properties: { category: rnd.pick(CATEGORIES) } })]
  if (r < 0.72) return [record('product_added', who, { lines: [lineOf(anyItem(), 1 + rnd.int(3))] })]
  if (r < 0.76) return [record('product_removed', who, { lines: [lineOf(anyItem())] })]
  if (r < 0.79) return [record('cart_viewed', who, { lines: [lineOf(anyItem()), lineOf(anyItem())] })]
  if (r < 0.88) {
    const orderId = `o-${n + 1}`
    const lines = Array.from({ length: 1 + rnd.int(3) }, () => ({ ...lineOf(anyItem(), 1 + rnd.int(2)), ...(rnd.chance(0.15) ? ((counts.giftLines += 1), { gift: true }) : {}) }))
    const gift = rnd.chance(0.08)
    if (gift) counts.giftOrders += 1
    const order = record('order_completed', who, { lines, orderId, gift })
    if (who.userId) p.orders.push(orderId)
    if (!rnd.chance(0.1)) return [order]
    counts.duplicates += 1 // the same order reported twice, under another message id
    return [order, { ...order, messageId: `m-${++n}` }]
  }
  if (r < 0.9 && p.orders.length > 0) return [record('order_refunded', who, { orderId: rnd.pick(p.orders), lines: [lineOf(anyItem())] })]
  return [record(rnd.chance(0.5) ? 'screen_viewed' : 'custom', who, { properties: { path: '/x' } })]
}

function generate(count: number): EventRecord[] {
  const out: EventRecord[] = []
  while (out.length < count) out.push(...step())
  return out
}

type Rows = Map<string, string>

describe('a profile rebuilt from the event log equals the one maintained incrementally', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-rebuild-'))
  const file = path.join(dir, 'profiles.db')
  const store = new SqliteStore(file)
  const hot = new MemoryHotState()
  const projector = new ProfileProjector(store, hot, SETTINGS)
  let log: EventRecord[] = []
  let incremental: Rows
  let deliveries = 0
  let redeliveries = 0

  /** Appends and applies events in deliveries of 1..200, some repeating events applied before. */
  async function deliver(events: EventRecord[]): Promise<void> {
    let previous: EventRecord[] = []
    for (let i = 0; i < events.length; ) {
      const fresh = events.slice(i, (i += 1 + rnd.int(200)))
      let delivery = fresh
      if (previous.length > 0 && rnd.chance(0.3)) {
        delivery = [...previous.slice(-1 - rnd.int(10)), ...fresh] // at-least-once: a tail applied before
        redeliveries += 1
      }
      await store.appendEvents(delivery)
      await projector.apply(delivery)
      if (previous.length > 0 && rnd.chance(0.15)) {
        await projector.apply(previous) // a whole delivery again: nothing changes
        redeliveries += 1
      }
      previous = fresh
      deliveries += 1
    }
  }

  function profileRows(): Rows {
    const db = new BetterSqlite3(file, { readonly: true })
    try {
      const rows = db.prepare('select person_id, state from profiles order by person_id').all() as { person_id: string; state: string }[]
      return new Map(rows.map((r) => [r.person_id, r.state]))
    } finally {
      db.close()
    }
  }

  function sqlCount(query: string): number {
    const db = new BetterSqlite3(file, { readonly: true })
    try {
      return Number((db.prepare(query).get() as { n: number }).n)
    } finally {
      db.close()
    }
  }

  /** The same sensitivity the projector derives from the category list. */
  async function sensitivity(): Promise<(path: string) => boolean> {
    const paths = new Set((await store.listCategories()).filter((c) => c.sensitive || c.inheritedSensitive).map((c) => c.path))
    return (p) => paths.has(p)
  }

  /** foldAll over every event of a root's group, with the projector's settings and catalogue facts. */
  async function refold(root: string): Promise<ProfileState> {
    const isSensitive = await sensitivity()
    return store.readPeople(async (tx) => {
      const events = await tx.eventsOfPeople([root, ...(await tx.membersOf([root])).map((m) => m.id)])
      const facts = await tx.itemFacts([...new Set(events.flatMap((e) => (e.data.products ?? []).map((l) => l.itemId)))])
      const ctx: FoldContext = { halfLifeMs: SETTINGS.halfLifeMs, weights: SETTINGS.weights, consentDefaults: SETTINGS.consentDefaults, items: new Map(facts.map((f) => [f.id, f])), isSensitive }
      return foldAll(events, ctx)
    })
  }

  before(async () => {
    await store.migrate()
    await store.upsertItems(ITEMS, new Date(T0))
    await store.setCategorySensitivity([{ path: 'Health', sensitive: true }])
    log = generate(1150)
    await deliver(log)
    // Commands need existing roots: mark an earlier order as a gift and dislike a category.
    const service = new ProfileService(store, hot, projector, async () => assert.fail('not used'))
    const buyers = PEOPLE.filter((p) => p.orders.length > 0).slice(0, 8)
    const commands: EventRecord[] = []
    for (const [k, p] of buyers.entries()) {
      const root = await service.find(p.userId, 'user_id')
      assert.ok(root, `no person for ${p.userId}`)
      const gift = { orderId: p.orders[0]!, ...(k % 2 ? { itemId: 'sku-0' } : {}) }
      commandGifts.push(k % 2 ? `${gift.orderId}|sku-0` : gift.orderId)
      const properties = { personId: root, gifts: [gift], categories: { disliked: [CATEGORIES[k]!] } }
      const at = (clock += MIN)
      commands.push({ messageId: `cmd-${k}`, type: 'track', event: 'Preferences Updated', kind: 'preferences_updated', userId: null, anonymousId: null, itemId: null, timestamp: at, receivedAt: at, message: { type: 'track', event: 'Preferences Updated', properties, context: { library: { name: 'attune-api' } } }, data: {} })
      counts.giftCommands += 1
    }
    // The commands are mixed into more behaviour, so later merges carry them along.
    const rest = generate(350)
    const mixed = [...rest]
    for (const [k, c] of commands.entries()) mixed.splice(k * 40, 0, c)
    log = [...log, ...mixed]
    await deliver(mixed)
    incremental = profileRows()
  })

  after(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('exercised merges, shared devices, gifts, consent refusals and redeliveries', async () => {
    assert.ok(log.length >= 1500, `${log.length} events`)
    assert.ok(incremental.size >= 30, `${incremental.size} profiles`)
    assert.ok(sqlCount(`select count(*) n from identity_log where kind = 'merge'`) >= 5, 'merges')
    assert.ok(sqlCount(`select count(*) n from identity_log where kind = 'reassigned'`) >= 3, 'shared devices (reassigned)')
    assert.ok(sqlCount(`select count(*) n from identity_log where kind = 'refused'`) >= 1, 'refused merges')
    assert.ok(counts.sharedLogins >= 3 && counts.emailOnly >= 20 && counts.duplicates >= 3 && counts.sensitiveGrants >= 1, JSON.stringify(counts))
    assert.ok(counts.giftLines >= 5 && counts.giftOrders >= 2 && counts.giftCommands >= 5, JSON.stringify(counts))
    assert.ok(projector.stats.recomputed >= 5, `recomputed ${projector.stats.recomputed}`)
    assert.ok(redeliveries >= 3 && deliveries >= 10, `${deliveries} deliveries, ${redeliveries} redeliveries`)
    const states = [...incremental.values()].map((s) => JSON.parse(s) as ProfileState)
    assert.ok(counts.refusals >= 5 && states.filter((s) => s.consent.personalization?.granted === false).length >= 2, 'consent refusals')
    assert.ok(states.filter((s) => s.gifts.length > 0).length >= 5, 'profiles with gifts')
    for (const key of commandGifts) assert.ok(states.some((s) => s.gifts.includes(key)), `gift command ${key} reached no profile`)
    assert.ok(states.filter((s) => s.preferences.categories.disliked.length > 0).length >= 5, 'profiles with dislikes')
  })

  it('attributes every event once and keeps one profile per root, the same in hot state', async () => {
    assert.equal(sqlCount('select count(*) n from person_events'), await store.countEvents())
    assert.equal(sqlCount(`select count(*) n from person_events where person_id = ''`), 0)
    const db = new BetterSqlite3(file, { readonly: true })
    const roots = (db.prepare('select id from people where merged_into is null order by id').all() as { id: string }[]).map((r) => r.id)
    db.close()
    assert.deepEqual([...incremental.keys()], roots)
    for (const [root, state] of incremental) assert.equal(await hot.getProfile(root), state, root)
  })

  it("stores for every profile exactly foldAll over its group's events", async () => {
    for (const [root, state] of incremental) assert.deepEqual(JSON.parse(state), JSON.parse(JSON.stringify(await refold(root))), `profile ${root}`)
  })

  let rebuilt: Rows
  it('rebuild() replays every event; each rebuilt profile is again foldAll over its group', async () => {
    assert.equal(await projector.rebuild(), log.length)
    rebuilt = profileRows()
    assert.equal(rebuilt.size, incremental.size)
    for (const [root, state] of rebuilt) assert.deepEqual(JSON.parse(state), JSON.parse(JSON.stringify(await refold(root))), `profile ${root}`)
  })

  // Person ids derive from the causing event's message id alone, so the live deliveries (up to 200
  // events) and the rebuild's (2,000) must give the same people; commands naming them must still land.
  it('rebuild() gives the same profile rows: person ids and states', () => {
    assert.equal(sqlCount(`select count(*) n from person_events where person_id = ''`), 0, 'a command lost its person')
    assert.deepEqual([...rebuilt.values()].sort(), [...incremental.values()].sort(), 'states')
    assert.deepEqual([...rebuilt.entries()], [...incremental.entries()], 'person ids')
  })
})
