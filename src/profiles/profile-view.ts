/**
 * The profile as the API and the serving path read it: scores decayed to now, explicit preferences
 * applied over inferred ones, and nothing inferred shown as usable without personalization consent.
 */
import type { IdentityLogRow, IdentityRow } from '../storage/index.ts'
import { type ConsentEntry, consentGiven, decayedValue, type Decayed, ownValue, type ProfileState } from './profile-state.ts'
import { type RfmScale, rfmScore } from './rfm.ts'

export interface Affinity {
  name: string
  /** Decayed score now (explicit likes score above every inferred entry). */
  score: number
  /** Share of the person's total inferred score (0-1); 1 for an explicit like. */
  share: number
  source: 'explicit' | 'inferred'
}

/** An ISO date, or null for a time no date can show (a profile folded from events stored before times were checked). */
export function isoTime(ms: number | null | undefined): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null
  return new Date(ms).toISOString()
}
const iso = isoTime
const TOP = 10

/** Liked first, then inferred by score; disliked never appear. */
export function rankAffinities(map: Record<string, Decayed>, liked: readonly string[], disliked: readonly string[], now: number, halfLifeMs: number, top = TOP): Affinity[] {
  const blocked = (name: string) => disliked.some((d) => name === d || name.startsWith(`${d} > `))
  const inferred = Object.entries(map)
    .map(([name, d]) => ({ name, score: decayedValue(d, now, halfLifeMs) }))
    // A score stamped far in the future (stored before event times were checked) decays to Infinity: left out.
    .filter((a) => a.score > 0 && Number.isFinite(a.score) && !blocked(a.name) && !liked.includes(a.name))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
  const total = inferred.reduce((sum, a) => sum + a.score, 0)
  const best = inferred[0]?.score ?? 0
  return [
    ...liked.filter((name) => !blocked(name)).map((name) => ({ name, score: round(best + 1), share: 1, source: 'explicit' as const })),
    ...inferred.map((a) => ({ name: a.name, score: round(a.score), share: round(a.score / total), source: 'inferred' as const })),
  ].slice(0, top)
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4
}

export interface ViewInput {
  personId: string
  state: ProfileState
  identities: IdentityRow[]
  log: IdentityLogRow[]
  rfm: RfmScale | null
  now: number
  halfLifeMs: number
  consentDefaults: Record<string, boolean>
}

export function profileView(input: ViewInput) {
  const { state, now, halfLifeMs } = input
  const personalization = consentGiven(state, 'personalization', input.consentDefaults)
  const prefs = state.preferences
  const idsOf = (type: string) => input.identities.filter((i) => i.type === type).map((i) => i.value)
  // Keyed by purposes people sent: a Map, so `__proto__` is a purpose like any other.
  const consent = new Map<string, ConsentEntry & { stated: boolean }>()
  for (const purpose of new Set([...Object.keys(input.consentDefaults), ...Object.keys(state.consent)])) {
    const entry = ownValue(state.consent, purpose)
    consent.set(purpose, entry ? { ...entry, stated: true } : { granted: ownValue(input.consentDefaults, purpose) ?? false, at: 0, source: 'default', stated: false })
  }
  const o = state.orders
  const cartItems = Object.entries(state.cart)
    .sort(([, a], [, b]) => b.at - a.at)
    .map(([itemId, line]) => ({ itemId, quantity: line.quantity, price: line.price, addedAt: iso(line.at) }))
  return {
    id: input.personId,
    identities: {
      userIds: idsOf('user_id'),
      emails: idsOf('email'),
      anonymousIds: idsOf('anonymous_id'),
      deviceIds: idsOf('device_id'),
      externalIds: idsOf('external'),
    },
    merges: input.log.map((l) => ({
      id: l.id,
      kind: l.kind,
      personId: l.personId,
      otherPersonId: l.otherId,
      cause: l.cause,
      messageId: l.messageId,
      identifiers: l.identifiers,
      at: iso(l.at),
      undoneAt: iso(l.undoneAt),
    })),
    // Plain objects for callers (the state's maps have no prototype); spreading keeps a `__proto__` key as data.
    traits: { ...state.traits },
    consent: Object.fromEntries([...consent].map(([k, v]) => [k, { granted: v.granted, source: v.source, at: v.stated ? iso(v.at) : null }])),
    personalization,
    preferences: { ...prefs, communication: { ...prefs.communication }, gifts: state.gifts, updatedAt: iso(prefs.updatedAt) },
    affinities: personalization
      ? {
          categories: rankAffinities(state.categories, prefs.categories.liked, prefs.categories.disliked, now, halfLifeMs),
          brands: rankAffinities(state.brands, prefs.brands.liked, prefs.brands.disliked, now, halfLifeMs),
        }
      : { categories: [], brands: [] },
    recentlyViewed: personalization ? state.recent.filter(([id]) => !prefs.notForMe.includes(id)).map(([itemId, at]) => ({ itemId, at: iso(at) })) : [],
    cart: { items: cartItems, value: round(cartItems.reduce((sum, l) => sum + (l.price ?? 0) * l.quantity, 0)) },
    purchases: {
      orders: o.count,
      revenue: round(o.revenue),
      averageOrderValue: o.count > 0 ? round(o.revenue / o.count) : null,
      firstOrderAt: iso(o.first),
      lastOrderAt: iso(o.last),
      refunds: state.refunds,
    },
    rfm: input.rfm ? rfmScore({ orders: o.count, revenue: o.revenue, lastOrder: o.last }, input.rfm, now) : null,
    email: { opens: state.email.opens, clicks: state.email.clicks, lastOpenAt: iso(state.email.lastOpen), lastClickAt: iso(state.email.lastClick) },
    sessions: { count: state.sessions.count, lastAt: iso(state.sessions.lastAt) },
    devices: { ...state.devices },
    channels: { ...state.channels },
    lastDevice: state.lastDevice,
    lastChannel: state.lastChannel,
    activity: { events: state.events, kinds: { ...state.kinds }, firstSeen: iso(state.firstSeen), lastSeen: iso(state.lastSeen) },
  }
}

export type ProfileView = ReturnType<typeof profileView>
