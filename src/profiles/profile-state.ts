/**
 * A person's profile as a fold over their events, in log order. The state is plain JSON (stored as is),
 * so a profile kept up to date event by event and one rebuilt from the log are the same document.
 *
 * Facts (purchases, cart, email engagement, sessions) are always kept. Inferences (affinities, recently
 * viewed) are kept only from events that arrived while the person consented to personalization, never
 * for sensitive categories without explicit consent, and never from lines bought as gifts.
 */
import type { EventRecord, ProductLine } from '../core/index.ts'

/** A time-decayed score: `s` as of time `t` (ms); worth `s * 2^-((now - t) / halfLife)` at `now`. */
export interface Decayed {
  s: number
  t: number
}

export interface ConsentEntry {
  granted: boolean
  at: number
  source: string
}

export interface Preferences {
  categories: { liked: string[]; disliked: string[] }
  brands: { liked: string[]; disliked: string[] }
  /** Items the person said are not for them. */
  notForMe: string[]
  /** Communication opt-ins by channel (email, sms, push, ...). */
  communication: Record<string, boolean>
  updatedAt: number | null
}

export interface ProfileState {
  v: 1
  events: number
  kinds: Record<string, number>
  firstSeen: number
  lastSeen: number
  traits: Record<string, string | number | boolean>
  categories: Record<string, Decayed>
  brands: Record<string, Decayed>
  /** Most recent first: [itemId, time]. */
  recent: [string, number][]
  cart: Record<string, { quantity: number; price: number | null; at: number }>
  /** Items bought, most recent first (at most 200; absent in profiles written before it existed). */
  purchased?: string[]
  orders: { count: number; revenue: number; first: number | null; last: number | null; recentIds: string[] }
  refunds: { count: number; amount: number }
  email: { opens: number; clicks: number; lastOpen: number | null; lastClick: number | null }
  sessions: { count: number; lastAt: number | null }
  devices: Record<string, number>
  channels: Record<string, number>
  lastDevice: string | null
  lastChannel: string | null
  consent: Record<string, ConsentEntry>
  preferences: Preferences
  /** Orders ("o1") and order lines ("o1|item") marked as gifts. */
  gifts: string[]
}

export interface AffinityWeights {
  view: number
  click: number
  cart: number
  purchase: number
  /** Extra weight per second of dwell time on a product view, up to `dwellCap`. */
  dwellPerSecond: number
  dwellCap: number
  /** A category or list page view (no single product). */
  list: number
}

export const DEFAULT_WEIGHTS: AffinityWeights = { view: 1, click: 2, cart: 4, purchase: 8, dwellPerSecond: 1 / 30, dwellCap: 2, list: 0.5 }

export interface FoldContext {
  halfLifeMs: number
  weights: AffinityWeights
  /** Consent assumed for purposes the person never stated (configured per shop). */
  consentDefaults: Record<string, boolean>
  /** Catalogue facts of the items in the events being folded. */
  items: ReadonlyMap<string, { categories: string[]; brand: string | null }>
  isSensitive: (categoryPath: string) => boolean
  /** Told of every score an event adds (the person page's "events behind an affinity"); folding ignores it. */
  onCredit?: (credit: { group: 'categories' | 'brands'; name: string; weight: number; event: EventRecord; itemId: string | null }) => void
}

const MAX_AFFINITIES = 100
const MAX_RECENT = 20
const MAX_CART_LINES = 100
const MAX_PURCHASED = 200
const SESSION_GAP_MS = 30 * 60 * 1000

/**
 * Maps keyed by data (categories, brands, item ids, devices, channels, purposes, traits) are objects
 * without a prototype: a category named `__proto__` or `constructor` is then a key like any other,
 * instead of reaching `Object.prototype` (and setting `Object.prototype.s = NaN` for every object in the
 * process). They serialise as plain JSON objects; `parseState` restores them the same way.
 */
function dict<T>(entries: Iterable<[string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>
  for (const [key, value] of entries) out[key] = value
  return out
}

/** A stored profile document, its data-keyed maps without prototypes (see `dict`). */
export function parseState(doc: string): ProfileState {
  const s = JSON.parse(doc) as ProfileState
  const own = <T>(o: Record<string, T> | undefined) => dict(Object.entries(o ?? {}))
  s.kinds = own(s.kinds)
  s.traits = own(s.traits)
  s.categories = own(s.categories)
  s.brands = own(s.brands)
  s.cart = own(s.cart)
  s.devices = own(s.devices)
  s.channels = own(s.channels)
  s.consent = own(s.consent)
  if (s.preferences) s.preferences.communication = own(s.preferences.communication)
  return s
}

/** `o[key]` only when `o` has it itself (never a value inherited from `Object.prototype`). */
export function ownValue<T>(o: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined
}

export function emptyState(at: number): ProfileState {
  return {
    v: 1,
    events: 0,
    kinds: dict(),
    firstSeen: at,
    lastSeen: at,
    traits: dict(),
    categories: dict(),
    brands: dict(),
    recent: [],
    cart: dict(),
    purchased: [],
    orders: { count: 0, revenue: 0, first: null, last: null, recentIds: [] },
    refunds: { count: 0, amount: 0 },
    email: { opens: 0, clicks: 0, lastOpen: null, lastClick: null },
    sessions: { count: 0, lastAt: null },
    devices: dict(),
    channels: dict(),
    lastDevice: null,
    lastChannel: null,
    consent: dict(),
    preferences: { categories: { liked: [], disliked: [] }, brands: { liked: [], disliked: [] }, notForMe: [], communication: dict(), updatedAt: null },
    gifts: [],
  }
}

export function consentGiven(state: ProfileState, purpose: string, defaults: Record<string, boolean>): boolean {
  return ownValue(state.consent, purpose)?.granted ?? ownValue(defaults, purpose) ?? false
}

export function decayedValue(d: Decayed, now: number, halfLifeMs: number): number {
  return d.s * 2 ** (-(now - d.t) / halfLifeMs)
}

function addDecayed(map: Record<string, Decayed>, key: string, weight: number, at: number, halfLifeMs: number): void {
  const d = map[key]
  if (!d) map[key] = { s: weight, t: at }
  else if (at >= d.t) map[key] = { s: d.s * 2 ** (-(at - d.t) / halfLifeMs) + weight, t: at }
  else d.s += weight * 2 ** (-(d.t - at) / halfLifeMs)
  if (Object.keys(map).length > MAX_AFFINITIES * 1.2) prune(map, at, halfLifeMs)
}

/** Keeps the strongest entries; ties broken by key so both ways of building a profile agree. */
function prune(map: Record<string, Decayed>, at: number, halfLifeMs: number): void {
  const ranked = Object.entries(map).sort(([ka, a], [kb, b]) => decayedValue(b, at, halfLifeMs) - decayedValue(a, at, halfLifeMs) || ka.localeCompare(kb))
  for (const [key] of ranked.slice(MAX_AFFINITIES)) delete map[key]
}

/** "Shoes > Running > Trail" and each of its ancestors. */
function withAncestors(path: string): string[] {
  const parts = path.split(' > ')
  return parts.map((_, i) => parts.slice(0, i + 1).join(' > '))
}

function record(o: unknown): Record<string, unknown> {
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : {}
}

/** Whether folding this event changed something that earlier events depend on (a gift marked later). */
export type FoldOutcome = 'applied' | 'retroactive'

export function foldEvent(state: ProfileState, event: EventRecord, ctx: FoldContext): FoldOutcome {
  let outcome: FoldOutcome = 'applied'
  // The segment engine's own announcements: derived from the profile, never folded back into it (no loops).
  if (AUDIENCE.has(event.kind)) return outcome
  const e = withUsableTime(event)
  const props = record(e.message.properties)
  if (state.events === 0) state.firstSeen = state.lastSeen = e.timestamp
  state.events += 1
  state.kinds[e.kind] = (state.kinds[e.kind] ?? 0) + 1
  state.firstSeen = Math.min(state.firstSeen, e.timestamp)
  state.lastSeen = Math.max(state.lastSeen, e.timestamp)
  if (!COMMANDS.has(e.kind) && e.type !== 'identify' && e.type !== 'alias') trackVisit(state, e)

  switch (e.kind) {
    case 'identify':
      applyTraits(state, e)
      break
    case 'consent_updated':
      for (const [purpose, granted] of Object.entries(record(props.consent))) {
        if (typeof granted === 'boolean') state.consent[purpose] = { granted, at: e.timestamp, source: 'api' }
      }
      break
    case 'preferences_updated':
      if (applyPreferences(state, props, e.timestamp)) outcome = 'retroactive'
      break
    case 'email_opened':
      state.email.opens += 1
      state.email.lastOpen = Math.max(state.email.lastOpen ?? 0, e.timestamp)
      break
    case 'email_link_clicked':
      state.email.clicks += 1
      state.email.lastClick = Math.max(state.email.lastClick ?? 0, e.timestamp)
      break
    default:
      break
  }
  const repeated = applyCommerce(state, e, props)
  // An order reported twice is one purchase, for tastes as for revenue.
  if (!repeated && consentGiven(state, 'personalization', ctx.consentDefaults)) infer(state, e, props, ctx)
  return outcome
}

/** Ingestion keeps event times between the epoch and a day ahead of the server; older rows may not be. */
const MAX_AHEAD_MS = 24 * 60 * 60 * 1000

/**
 * An event stored before ingestion checked times (timestamp 1e300 or the year 9999) folds at its
 * receive time, so decay, sessions and dates stay finite and the person stays readable.
 */
function withUsableTime(e: EventRecord): EventRecord {
  const t = e.timestamp
  if (Number.isFinite(t) && t >= 0 && t <= e.receivedAt + MAX_AHEAD_MS) return e
  return { ...e, timestamp: Number.isFinite(e.receivedAt) ? e.receivedAt : 0 }
}

/** Audience Entered / Exited, written by the segment engine. */
export const AUDIENCE: ReadonlySet<string> = new Set(['audience_entered', 'audience_exited'])

/** Events the people API writes; they change settings, not behaviour. */
const COMMANDS = new Set(['preferences_updated', 'consent_updated', 'identities_merged', 'identities_unmerged'])

/** Sessions (30 minutes of inactivity end one; email opens are not visits), devices and channels. */
function trackVisit(state: ProfileState, e: EventRecord): void {
  const s = state.sessions
  if (e.kind !== 'email_opened' && e.kind !== 'email_link_clicked') {
    if (s.lastAt === null || e.timestamp - s.lastAt > SESSION_GAP_MS) s.count += 1
    s.lastAt = Math.max(s.lastAt ?? e.timestamp, e.timestamp)
  }
  const device = deviceOf(e)
  const channel = channelOf(e)
  if (device) {
    state.devices[device] = (state.devices[device] ?? 0) + 1
    state.lastDevice = device
  }
  state.channels[channel] = (state.channels[channel] ?? 0) + 1
  state.lastChannel = channel
}

/** mobile, tablet or desktop, from Segment's `context.device.type` or the user agent. */
export function deviceOf(e: EventRecord): string | null {
  const context = record(e.message.context)
  const type = record(context.device).type
  if (typeof type === 'string' && type !== '') {
    const t = type.toLowerCase()
    return t === 'ios' || t === 'android' || t === 'phone' ? 'mobile' : t
  }
  const ua = context.userAgent
  if (typeof ua !== 'string') return null
  if (/iPad|Tablet/i.test(ua)) return 'tablet'
  if (/Mobi|Android|iPhone/i.test(ua)) return 'mobile'
  return 'desktop'
}

/** web, app, email or server. */
export function channelOf(e: EventRecord): string {
  if (e.kind === 'email_opened' || e.kind === 'email_link_clicked') return 'email'
  const stated = e.message.channel ?? record(e.message.context).channel
  if (typeof stated === 'string' && stated !== '') return stated.toLowerCase()
  if (e.type === 'screen') return 'app'
  const library = String(record(record(e.message.context).library).name ?? '').toLowerCase()
  if (/ios|android|react-native|flutter|swift|kotlin/.test(library)) return 'app'
  if (e.type === 'page' || /analytics\.js|attune-js|browser|rudder-sdk-js|\bweb\b/.test(library) || typeof record(e.message.context).userAgent === 'string') return 'web'
  return 'server'
}

function applyTraits(state: ProfileState, e: EventRecord): void {
  const traits = record(e.message.traits)
  for (const [key, value] of Object.entries(traits)) {
    if (key === 'consent') continue
    if ((typeof value === 'string' && value.length <= 500) || typeof value === 'number' || typeof value === 'boolean') {
      if (key in state.traits || Object.keys(state.traits).length < 50) state.traits[key] = value
    }
  }
  // Consent as traits ({ consent: { personalization: true } }) or Segment's consent context.
  const stated = { ...record(record(record(e.message.context).consent).categoryPreferences), ...record(traits.consent) }
  for (const [purpose, granted] of Object.entries(stated)) {
    if (typeof granted === 'boolean') state.consent[purpose.toLowerCase()] = { granted, at: e.timestamp, source: 'identify' }
  }
}

const LIST_FIELDS = ['liked', 'disliked'] as const

/** Fields sent replace those fields; returns true when a gift was newly marked (earlier events change). */
function applyPreferences(state: ProfileState, props: Record<string, unknown>, at: number): boolean {
  const p = state.preferences
  const strings = (v: unknown) => (Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string'))].sort() : null)
  for (const group of ['categories', 'brands'] as const) {
    const sent = record(props[group])
    for (const f of LIST_FIELDS) {
      const list = strings(sent[f])
      if (list) p[group][f] = list
    }
  }
  const notForMe = strings(props.notForMe)
  if (notForMe) p.notForMe = notForMe
  for (const [channel, optIn] of Object.entries(record(props.communication))) if (typeof optIn === 'boolean') p.communication[channel] = optIn
  p.updatedAt = at
  let retroactive = false
  for (const g of Array.isArray(props.gifts) ? props.gifts : []) {
    const gift = record(g)
    if (typeof gift.orderId !== 'string') continue
    const key = typeof gift.itemId === 'string' ? `${gift.orderId}|${gift.itemId}` : gift.orderId
    if (!state.gifts.includes(key)) {
      state.gifts = [...state.gifts, key].sort()
      retroactive = true
    }
  }
  return retroactive
}

/** Returns true for an order already counted (the same order id reported again). */
function applyCommerce(state: ProfileState, e: EventRecord, props: Record<string, unknown>): boolean {
  const lines = e.data.products ?? []
  let repeated = false
  switch (e.kind) {
    case 'product_added':
      for (const l of lines) {
        const line = state.cart[l.itemId]
        state.cart[l.itemId] = { quantity: (line?.quantity ?? 0) + l.quantity, price: l.price ?? line?.price ?? null, at: e.timestamp }
      }
      break
    case 'product_removed':
      for (const l of lines) {
        const line = state.cart[l.itemId]
        if (!line) continue
        line.quantity -= l.quantity
        if (line.quantity <= 0) delete state.cart[l.itemId]
      }
      break
    case 'cart_viewed':
    case 'checkout_started':
      // A full cart listing is authoritative.
      if (Array.isArray(props.products)) state.cart = dict(lines.map((l) => [l.itemId, { quantity: l.quantity, price: l.price, at: e.timestamp }]))
      break
    case 'order_completed': {
      for (const l of lines) delete state.cart[l.itemId]
      const bought = new Set(lines.map((l) => l.itemId))
      state.purchased = [...bought, ...(state.purchased ?? []).filter((id) => !bought.has(id))].slice(0, MAX_PURCHASED)
      const o = state.orders
      const id = e.data.orderId ?? e.messageId
      if (o.recentIds.includes(id)) {
        repeated = true
        break
      }
      o.recentIds = [...o.recentIds, id].slice(-50)
      o.count += 1
      o.revenue += e.data.revenue ?? 0
      o.first = Math.min(o.first ?? e.timestamp, e.timestamp)
      o.last = Math.max(o.last ?? e.timestamp, e.timestamp)
      if (e.data.gift === true && !state.gifts.includes(id)) state.gifts = [...state.gifts, id].sort()
      break
    }
    case 'order_refunded':
    case 'order_cancelled':
      state.refunds.count += 1
      state.refunds.amount += e.data.revenue ?? 0
      break
    default:
      break
  }
  const cartIds = Object.keys(state.cart)
  if (cartIds.length > MAX_CART_LINES) {
    for (const id of cartIds.sort((a, b) => state.cart[a]!.at - state.cart[b]!.at || a.localeCompare(b)).slice(0, cartIds.length - MAX_CART_LINES)) delete state.cart[id]
  }
  return repeated
}

function isGift(state: ProfileState, e: EventRecord, line: ProductLine): boolean {
  if (line.gift === true || e.data.gift === true) return true
  const order = e.data.orderId
  return order !== undefined && (state.gifts.includes(order) || state.gifts.includes(`${order}|${line.itemId}`))
}

function lineWeight(e: EventRecord, props: Record<string, unknown>, w: AffinityWeights): number {
  switch (e.kind) {
    case 'product_viewed': {
      const dwell = [props.dwell_time, props.time_spent, props.duration].find((x): x is number => typeof x === 'number' && x > 0) ?? 0
      return w.view + Math.min(w.dwellCap, dwell * w.dwellPerSecond)
    }
    case 'product_clicked':
    case 'email_link_clicked':
      return w.click
    case 'product_added':
      return w.cart
    case 'order_completed':
      return w.purchase
    case 'product_rated': {
      const r = e.data.rating
      return r === undefined ? 0 : r >= 4 ? w.cart : r <= 2 ? -w.click : 0
    }
    default:
      return 0
  }
}

function infer(state: ProfileState, e: EventRecord, props: Record<string, unknown>, ctx: FoldContext): void {
  const sensitiveAllowed = consentGiven(state, 'sensitive', {})
  const credit = (categories: string[], brand: string | null, weight: number, itemId: string | null = null) => {
    const primary = categories[0]
    if (primary !== undefined) {
      for (const path of withAncestors(primary)) {
        if (!sensitiveAllowed && ctx.isSensitive(path)) continue
        addDecayed(state.categories, path, weight, e.timestamp, ctx.halfLifeMs)
        ctx.onCredit?.({ group: 'categories', name: path, weight, event: e, itemId })
      }
    }
    if (brand) {
      addDecayed(state.brands, brand, weight, e.timestamp, ctx.halfLifeMs)
      ctx.onCredit?.({ group: 'brands', name: brand, weight, event: e, itemId })
    }
  }
  for (const line of e.data.products ?? []) {
    const weight = lineWeight(e, props, ctx.weights)
    if (weight === 0 || (e.kind === 'order_completed' && isGift(state, e, line))) continue
    const facts = ctx.items.get(line.itemId)
    const categories = facts?.categories.length ? facts.categories : line.category ? [line.category] : []
    // Sensitive items are not remembered as viewed either, unless the person allowed it.
    if (categories.some((c) => withAncestors(c).some(ctx.isSensitive)) && !sensitiveAllowed) continue
    credit(categories, facts?.brand ?? line.brand ?? null, weight, line.itemId)
    if (e.kind === 'product_viewed') {
      state.recent = [[line.itemId, e.timestamp] as [string, number], ...state.recent.filter(([id]) => id !== line.itemId)].slice(0, MAX_RECENT)
    }
  }
  if ((e.kind === 'product_list_viewed' || e.kind === 'page_viewed') && typeof props.category === 'string' && props.category !== '') {
    credit([props.category], null, ctx.weights.list)
  }
}

/**
 * Rebuilds a state from all of a person's events in log order: gifts marked anywhere apply to every
 * order (they may be marked after the purchase), everything else folds in order as it did live.
 */
export function foldAll(events: readonly EventRecord[], ctx: FoldContext): ProfileState {
  const state = emptyState(events[0]?.timestamp ?? 0)
  const gifts = new Set<string>()
  for (const e of events) {
    if (e.kind === 'preferences_updated') {
      const sent = record(e.message.properties).gifts
      for (const g of Array.isArray(sent) ? sent : []) {
        const gift = record(g)
        if (typeof gift.orderId === 'string') gifts.add(typeof gift.itemId === 'string' ? `${gift.orderId}|${gift.itemId}` : gift.orderId)
      }
    }
    if (e.kind === 'order_completed' && e.data.gift === true) gifts.add(e.data.orderId ?? e.messageId)
  }
  state.gifts = [...gifts].sort()
  for (const e of events) foldEvent(state, e, ctx)
  return state
}
