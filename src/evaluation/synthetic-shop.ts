/**
 * A deterministic synthetic shop for the model tests, the evaluation harness and the demo: a catalogue,
 * people with known latent tastes, and the Segment calls their visits produce (views, carts, checkouts,
 * orders, repeat purchases of consumables, gifts, logins, email opens and clicks, category pages).
 * The same options give byte-identical output: all randomness comes from streams seeded per purpose.
 */
import { type Catalog, type CatalogEntry, generateCatalog, rngFor, type ShopRng } from './synthetic-catalog.ts'
import type { ItemInput } from '../core/index.ts'

export interface SyntheticShopOptions {
  /** Default 1. */
  seed?: number
  /** Default 2,000. */
  people?: number
  /** Default 500; at least 28 (one per leaf category). */
  items?: number
  /** Default 90. */
  days?: number
  /** ms since the epoch; default 2025-01-06T00:00Z, fixed so that the output is reproducible. */
  startTime?: number
  /** Train before this time, test after; default 80% into the span, on a day boundary. */
  splitAt?: number
  /** People who arrive in the last tenth of the span with 0-2 anonymous views (cold start); default 0.08. */
  newUserShare?: number
  /** Chance that a visit of a registered shopper is gift shopping, which ends in a gift order; default 0.02. */
  giftShare?: number
  /** Regular people who ever create an account (only they check out and get emails); default 0.75. */
  signupShare?: number
  /** Default EUR. */
  currency?: string
}

/** A Segment call, ready for POST /v1/batch. */
export interface SegmentMessage {
  type: 'track' | 'identify' | 'page'
  messageId: string
  timestamp: string
  userId?: string
  anonymousId?: string
  event?: string
  name?: string
  properties?: Record<string, unknown>
  traits?: Record<string, unknown>
  context: Record<string, unknown>
}

export interface PersonTaste {
  /** Leaf category path -> share (sums to 1, rounded to 4 digits); the mass sits on 1-3 categories. */
  categories: Record<string, number>
  /** The three largest shares, largest first. */
  topCategories: string[]
  /** Brand -> share, over the brands of the favourite categories' groups. */
  brands: Record<string, number>
  /** 0 prefers premium items, 1 prefers cheap ones. */
  priceSensitivity: number
}

export interface SyntheticPerson {
  /** The generator's key (never sent to the engine). */
  id: string
  kind: 'regular' | 'new'
  /** Set when the person creates an account during the simulated period. */
  userId: string | null
  email: string | null
  devices: { anonymousId: string; type: 'mobile' | 'desktop' }[]
  taste: PersonTaste
}

export interface ShopTruth {
  splitAt: number
  /** Per person id: the latent taste, item ids bought (not as gifts) before and after splitAt, gift order ids. */
  people: Record<string, { taste: PersonTaste; purchasedBefore: string[]; purchasedAfter: string[]; giftOrders: string[] }>
}

export interface SyntheticShop {
  items: ItemInput[]
  /** Top-level categories with their sensitivity (POST /v1/categories). */
  categories: { path: string; sensitive: boolean }[]
  people: SyntheticPerson[]
  events: SegmentMessage[]
  truth: ShopTruth
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
const USER_AGENTS = {
  mobile: ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'],
  desktop: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15'],
}
const FIRST = ['anna', 'ben', 'chloe', 'david', 'emma', 'finn', 'grace', 'hugo', 'ida', 'jonas', 'kara', 'leo', 'mia', 'noah', 'olga', 'paul']
const LAST = ['berg', 'costa', 'dubois', 'evans', 'fischer', 'garcia', 'hansen', 'ito', 'jensen', 'kowalski', 'lund', 'moreau']

interface Device { anonymousId: string; type: 'mobile' | 'desktop'; userAgent: string; loggedIn: boolean }
type Timed = { t: number; p: number; n: number; msg: SegmentMessage }
type Plan = { t: number; kind: 'visit' | 'campaign' | 'replenish'; leaf?: number; entry?: number; campaign?: number }
interface Campaign { id: string; t: number; leaf: number; subject: string }

export function generateShop(options: SyntheticShopOptions = {}): SyntheticShop {
  const o = {
    seed: 1, people: 2000, items: 500, days: 90, startTime: Date.UTC(2025, 0, 6), newUserShare: 0.08,
    giftShare: 0.02, signupShare: 0.75, currency: 'EUR',
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Opts & { splitAt?: number }
  const end = o.startTime + o.days * DAY
  const splitAt = o.splitAt ?? o.startTime + Math.round(0.8 * o.days) * DAY
  const catalog = generateCatalog(o.seed, o.items, o.currency)
  // Category popularity: a leaf's total item popularity; the "noise" views and campaign themes follow it.
  const leafPop = catalog.leaves.map((l) => l.items.reduce((s, i) => s + catalog.entries[i]!.popularity, 0) * (l.sensitive ? 0.5 : 1))
  const crng = rngFor(o.seed, 'campaigns')
  const campaigns: Campaign[] = []
  for (let t = o.startTime + 2 * DAY + 9 * HOUR; t < end - DAY; t += 7 * DAY) {
    const leaf = crng.weighted(catalog.leaves.map((l, i) => (l.sensitive ? 0 : leafPop[i]!)))
    campaigns.push({ id: `c-${campaigns.length + 1}`, t, leaf, subject: `New in ${catalog.leaves[leaf]!.path}` })
  }
  const timed: Timed[] = []
  const people: SyntheticPerson[] = []
  const truth: ShopTruth = { splitAt, people: {} }
  for (let p = 0; p < o.people; p++) {
    const sim = simulatePerson(p, o, { catalog, leafPop, campaigns, end, splitAt }, timed)
    people.push(sim.person)
    truth.people[sim.person.id] = sim.truth
  }
  // Time order across people; ties keep person and per-person order, so sorting is deterministic.
  timed.sort((a, b) => a.t - b.t || a.p - b.p || a.n - b.n)
  return { items: catalog.entries.map((e) => e.item), categories: catalog.categories, people, events: timed.map((x) => x.msg), truth }
}

interface World { catalog: Catalog; leafPop: number[]; campaigns: Campaign[]; end: number; splitAt: number }
type Opts = Required<Omit<SyntheticShopOptions, 'splitAt'>>

function drawTaste(rng: ShopRng, w: World): { shares: number[]; taste: PersonTaste } {
  const leaves = w.catalog.leaves
  // 1-3 favourite leaves, the second often a sibling of the first (running and trail shoes).
  const k = rng.weighted([0.4, 0.4, 0.2]) + 1
  const focus: number[] = []
  while (focus.length < k) {
    const first = leaves[focus[0] ?? 0]!
    const siblings = leaves.map((l, i) => (l.top === first.top && !focus.includes(i) ? w.leafPop[i]! : 0))
    const useSibling = focus.length > 0 && rng.chance(0.5) && siblings.some((x) => x > 0)
    focus.push(rng.weighted(useSibling ? siblings : w.leafPop.map((x, i) => (focus.includes(i) ? 0 : x))))
  }
  const main = rng.dirichlet(k, 2)
  const background = rng.dirichlet(leaves.length, 0.3)
  const shares = background.map((b, i) => 0.15 * b + (focus.includes(i) ? 0.85 * main[focus.indexOf(i)]! : 0))
  const order = shares.map((_, i) => i).sort((a, b) => shares[b]! - shares[a]! || a - b)
  const brandList = [...new Set(focus.flatMap((i) => leaves[i]!.brands))]
  const brandShares = rng.dirichlet(brandList.length, 0.7)
  // Beta(2, 2)-like: most people are moderately price sensitive.
  const a = rng.gamma(2)
  const taste: PersonTaste = {
    categories: Object.fromEntries(leaves.map((l, i) => [l.path, round(shares[i]!, 4)])),
    topCategories: order.slice(0, 3).map((i) => leaves[i]!.path),
    brands: Object.fromEntries(brandList.map((b, i) => [b, round(brandShares[i]!, 4)])),
    priceSensitivity: round(a / (a + rng.gamma(2)), 3),
  }
  return { shares, taste }
}

function simulatePerson(p: number, o: Opts, w: World, out: Timed[]) {
  const rng = rngFor(o.seed, 'person', p)
  const { catalog } = w
  const isNew = rng.chance(o.newUserShare)
  const { shares, taste } = drawTaste(rng, w)
  const maxShare = Math.max(...shares)
  const tag = `${String(p + 1).padStart(5, '0')}`
  const first = rng.pick(FIRST)
  const last = rng.pick(LAST)
  const email = `${first}.${last}.${tag}@example.com`
  const userId = `user-${tag}`
  const deviceCount = isNew ? 1 : rng.weighted([0.6, 0.35, 0.05]) + 1
  const devices = Array.from({ length: deviceCount }, (_, d): Device => {
    const type: 'mobile' | 'desktop' = rng.chance(d === 0 ? 0.6 : 0.4) ? 'mobile' : 'desktop'
    const hex = (rng.int(2 ** 32) >>> 0).toString(16).padStart(8, '0')
    return { anonymousId: `anon-${tag}-${d}-${hex}`, type, userAgent: rng.pick(USER_AGENTS[type]), loggedIn: false }
  })
  const registrant = !isNew && rng.chance(o.signupShare)
  const emailable = rng.chance(0.8)
  const engagement = rng.next() * 0.6
  let signedUp = false
  const bought = { before: [] as string[], after: [] as string[], gifts: [] as string[] }
  const cart = new Map<number, number>() // catalogue position -> quantity; survives between visits
  const owned = new Set<number>() // durable goods bought once are not bought again
  let clock = 0
  let n = 0
  let orders = 0

  const emit = (m: Omit<SegmentMessage, 'messageId' | 'timestamp'>, at?: number) => {
    clock = Math.round(Math.max(at ?? clock + 5000 + rng.exponential(40_000), clock + 1000))
    const msg = { messageId: `m${o.seed}-${tag}-${n}`, timestamp: new Date(clock).toISOString(), ...m } as SegmentMessage
    out.push({ t: clock, p, n: n++, msg })
  }
  const who = (d: Device) => (d.loggedIn ? { userId, anonymousId: d.anonymousId } : { anonymousId: d.anonymousId })
  const ctx = (d: Device) => ({ userAgent: d.userAgent })
  const line = (e: CatalogEntry, quantity?: number) => ({
    product_id: e.item.id, sku: e.item.id, name: e.title, category: catalog.leaves[e.leaf]!.path, brand: e.brand, price: e.price,
    ...(quantity === undefined ? { currency: o.currency, url: e.item.url, image_url: e.item.imageUrl } : { quantity }),
  })
  const track = (d: Device, event: string, properties: Record<string, unknown>) =>
    emit({ type: 'track', event, ...who(d), properties, context: ctx(d) })
  const identify = (d: Device, signup: boolean) => {
    d.loggedIn = true
    signedUp = true
    const traits = signup ? { email, firstName: cap(first), lastName: cap(last), createdAt: new Date(clock).toISOString() } : { email }
    emit({ type: 'identify', userId, anonymousId: d.anonymousId, traits, context: ctx(d) })
  }
  // Taste, brand and price fit times latent popularity decide which item of a leaf gets looked at.
  const priceFit = (e: CatalogEntry) => Math.exp(2 * (0.5 - taste.priceSensitivity) * (2 * e.pricePosition - 1))
  const weightCache = new Map<number, number[]>()
  const chooseItem = (leaf: number, personal: boolean) => {
    const ids = catalog.leaves[leaf]!.items
    let weights = weightCache.get(personal ? leaf : -1 - leaf)
    if (!weights) {
      weights = ids.map((i) => {
        const e = catalog.entries[i]!
        return e.popularity * (personal ? (0.5 + 4 * (taste.brands[e.brand] ?? 0)) * priceFit(e) : 1)
      })
      weightCache.set(personal ? leaf : -1 - leaf, weights)
    }
    return ids[rng.weighted(weights)]!
  }
  const tasteLeaf = () => (rng.chance(0.85) ? rng.weighted(shares) : rng.weighted(w.leafPop))
  const view = (d: Device, i: number) => track(d, 'Product Viewed', line(catalog.entries[i]!))

  /** Checkout and payment; false when the person abandons. Gift orders buy only the gift. */
  const checkout = (d: Device, lines: [number, number][], gift: boolean): boolean => {
    if (!d.loggedIn) {
      if (!registrant || (!signedUp && !rng.chance(0.85))) return false
      identify(d, !signedUp)
    }
    const products = lines.map(([i, q]) => ({ ...line(catalog.entries[i]!, q), ...(gift ? { gift: true } : {}) }))
    const revenue = round(lines.reduce((s, [i, q]) => s + catalog.entries[i]!.price * q, 0), 2)
    const orderId = `o${o.seed}-${tag}-${++orders}`
    if (!gift && rng.chance(0.6)) track(d, 'Cart Viewed', { products })
    track(d, 'Checkout Started', { order_id: orderId, value: revenue, currency: o.currency, products })
    if (!gift && !rng.chance(0.85)) return false
    track(d, 'Order Completed', { order_id: orderId, revenue, currency: o.currency, products, ...(gift ? { gift: true } : {}) })
    for (const [i, q] of lines) {
      const e = catalog.entries[i]!
      if (gift) continue
      ;(clock < w.splitAt ? bought.before : bought.after).push(e.item.id)
      cart.delete(i)
      const repeat = catalog.leaves[e.leaf]!.repeatDays
      if (repeat === 0) owned.add(i)
      // Consumables run out: most buyers come back for the same item about when it is used up.
      if (repeat > 0 && rng.chance(0.7)) schedule({ t: clock + repeat * q * (0.8 + 0.4 * rng.next()) * DAY, kind: 'replenish', entry: i })
    }
    if (gift) bought.gifts.push(orderId)
    return true
  }

  const visit = (plan: Plan, d: Device) => {
    // A new visit starts after a 30-minute pause (a new session), an email click's visit at once.
    clock = Math.max(plan.t, clock + (plan.leaf === undefined ? 30 * 60_000 : 5000))
    if (clock >= w.end - 3 * HOUR) return // keep every event inside the period
    if (signedUp && !d.loggedIn && rng.chance(0.5)) identify(d, false)
    else if (registrant && !signedUp && rng.chance(0.08)) identify(d, true)
    if (registrant && plan.kind === 'visit' && plan.leaf === undefined && rng.chance(o.giftShare)) {
      // A present: a category far from the buyer's own tastes, chosen on popularity alone.
      const own = new Set([...taste.topCategories, ...catalog.leaves.filter((_, i) => shares[i]! >= 0.1).map((l) => l.path)])
      const tops = new Set(taste.topCategories.map((c) => c.split(' > ')[0]))
      const leaf = rng.weighted(catalog.leaves.map((l, i) => (own.has(l.path) || tops.has(l.top) || l.sensitive ? 0 : w.leafPop[i]!)))
      let chosen = 0
      for (let v = 1 + rng.int(4); v > 0; v--) view(d, (chosen = chooseItem(leaf, false)))
      if (!catalog.entries[chosen]!.item.available) return
      track(d, 'Product Added', line(catalog.entries[chosen]!, 1))
      checkout(d, [[chosen, 1]], true)
      return
    }
    const intent = plan.leaf ?? (plan.entry !== undefined ? catalog.entries[plan.entry]!.leaf : tasteLeaf())
    if (rng.chance(0.3)) emit({ type: 'page', name: 'Home', ...who(d), properties: { path: '/' }, context: ctx(d) })
    if (rng.chance(0.5)) {
      const path = catalog.leaves[intent]!.path
      emit({ type: 'page', name: 'Category', ...who(d), properties: { category: path, path: `/c/${slug(path)}`, title: path }, context: ctx(d) })
    }
    if (plan.entry !== undefined) {
      view(d, plan.entry)
      if (catalog.entries[plan.entry]!.item.available && rng.chance(0.8)) add(d, plan.entry, 1)
    }
    const views = 1 + Math.floor(rng.exponential(3))
    for (let v = 0; v < views; v++) {
      const leaf = rng.chance(0.75) ? intent : tasteLeaf()
      const i = chooseItem(leaf, true)
      view(d, i)
      const e = catalog.entries[i]!
      // Buying intent rises with taste for the category and with price fit.
      if (e.item.available && !owned.has(i) && rng.chance(0.03 + 0.3 * (shares[leaf]! / maxShare) * Math.min(1, priceFit(e)))) {
        add(d, i, catalog.leaves[leaf]!.repeatDays > 0 ? 1 + rng.int(2) : 1)
        addComplements(d, leaf)
        if (rng.chance(0.12)) {
          const [gone, q] = [...cart.entries()][rng.int(cart.size)]!
          cart.delete(gone)
          track(d, 'Product Removed', line(catalog.entries[gone]!, q))
        }
      }
    }
    if (cart.size > 0 && rng.chance(plan.kind === 'replenish' ? 0.9 : 0.35 + 0.1 * cart.size)) checkout(d, [...cart.entries()], false)
  }
  const add = (d: Device, i: number, q: number) => {
    cart.set(i, (cart.get(i) ?? 0) + q)
    track(d, 'Product Added', line(catalog.entries[i]!, q))
  }
  // What goes with the item just added (socks with running shoes): looked at, and put in the cart too.
  const addComplements = (d: Device, leaf: number) => {
    for (const c of catalog.leaves[leaf]!.complements) {
      if (!rng.chance(c.chance)) continue
      const j = chooseItem(c.leaf, true)
      view(d, j)
      if (catalog.entries[j]!.item.available && !owned.has(j) && !cart.has(j)) add(d, j, 1)
    }
  }

  const agenda: Plan[] = []
  const schedule = (plan: Plan) => {
    if (plan.t >= w.end - 3 * HOUR) return // keep every event inside the period
    let at = agenda.length
    while (at > 0 && agenda[at - 1]!.t > plan.t) at--
    agenda.splice(at, 0, plan)
  }
  const span = w.end - o.startTime
  if (isNew) {
    // Cold start: a first visit near the end with at most two views, nothing else.
    const count = rng.weighted([0.2, 0.4, 0.4])
    clock = w.end - 0.1 * span + rng.next() * (0.1 * span - 4 * HOUR)
    const d = devices[0]!
    for (let v = 0; v < count; v++) view(d, chooseItem(v === 0 ? rng.weighted(shares) : tasteLeaf(), true))
  } else {
    // Visits arrive as a Poisson process with a per-person rate (log-normal: a few very active people).
    const perDay = Math.exp(Math.log(2 / 30) + 0.8 * rng.normal())
    for (let t = o.startTime + rng.next() * span, k = 0; t < w.end && k < 80; t += rng.exponential(1 / perDay) * DAY, k++) {
      schedule({ t: Math.max(o.startTime, Math.floor(t / DAY) * DAY + (7 + 16 * Math.pow(rng.next(), 0.8)) * HOUR), kind: 'visit' })
    }
    for (const [c, campaign] of w.campaigns.entries()) schedule({ t: campaign.t, kind: 'campaign', campaign: c })
  }
  for (let plan = agenda.shift(); plan; plan = agenda.shift()) {
    if (plan.kind !== 'campaign') {
      visit(plan, devices[rng.weighted(devices.map((_, i) => (i === 0 ? 0.6 : 0.4)))]!)
      continue
    }
    const c = w.campaigns[plan.campaign!]!
    if (!signedUp || !emailable || !rng.chance(Math.min(0.9, engagement * (0.5 + 3 * shares[c.leaf]!)))) continue
    // Email providers report by address only: no userId, no anonymousId.
    const mail = (event: string, at: number, extra: Record<string, unknown>) =>
      emit({ type: 'track', event, properties: { campaign_id: c.id, email_subject: c.subject, ...extra }, context: { traits: { email } } }, at)
    const openAt = Math.max(plan.t, clock) + rng.exponential(3 * HOUR)
    if (openAt >= w.end - 3 * HOUR) continue
    mail('Email Opened', openAt, {})
    if (rng.chance(0.15 + 0.5 * (shares[c.leaf]! / maxShare))) {
      mail('Email Link Clicked', clock + 15_000, { link_url: `/c/${slug(catalog.leaves[c.leaf]!.path)}` })
      visit({ t: clock + 20_000, kind: 'visit', leaf: c.leaf }, devices[0]!)
    }
  }
  const person: SyntheticPerson = {
    id: `person-${tag}`, kind: isNew ? 'new' : 'regular', userId: signedUp ? userId : null, email: signedUp ? email : null,
    devices: devices.map(({ anonymousId, type }) => ({ anonymousId, type })), taste,
  }
  return { person, truth: { taste, purchasedBefore: [...new Set(bought.before)], purchasedAfter: [...new Set(bought.after)], giftOrders: bought.gifts } }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const slug = (path: string) => path.toLowerCase().replace(/ > /g, '/').replace(/[^a-z0-9/]+/g, '-')
