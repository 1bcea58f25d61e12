/**
 * Builders for the segment evaluator's inputs: stored events as the log holds them and one person's facts,
 * with consent, sensitive categories, traits, memberships, predictions and RFM set by the test.
 */
import type { EventKind, ProductLine, StoredEvent } from '../../src/core/index.ts'
import { emptyState, type ProfileState } from '../../src/profiles/index.ts'
import type { FactItem, PersonFacts, RfmFact } from '../../src/segments/index.ts'
import type { PredictionRecord } from '../../src/storage/index.ts'

export const DAY = 86_400_000
export const HOUR = 3_600_000
/** 2026-12-01T00:00:00Z: a fixed "now" for tests. */
export const T0 = Date.UTC(2026, 11, 1)

let seq = 0

export function aStoredEvent(kind: EventKind, at: number, o: { event?: string; properties?: Record<string, unknown>; products?: ProductLine[]; revenue?: number; context?: Record<string, unknown> } = {}): StoredEvent {
  seq += 1
  const products = o.products
  return {
    messageId: `m${seq}`,
    type: 'track',
    event: o.event ?? kind.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' '),
    kind,
    userId: 'u1',
    anonymousId: null,
    itemId: products?.[0]?.itemId ?? null,
    timestamp: at,
    receivedAt: at,
    message: { type: 'track', event: o.event ?? null, properties: o.properties ?? {}, context: o.context ?? {} },
    data: { ...(products ? { products } : {}), ...(o.revenue !== undefined ? { revenue: o.revenue } : {}) },
    seq,
  }
}

export const aLine = (itemId: string, o: Partial<ProductLine> = {}): ProductLine => ({ itemId, quantity: 1, price: null, category: null, name: null, ...o })

export const anItem = (id: string, o: Partial<FactItem> = {}): FactItem => ({ id, categories: [], brand: null, price: null, attributes: {}, ...o })

export interface FactsInput {
  events?: StoredEvent[]
  state?: Partial<ProfileState>
  items?: FactItem[]
  traits?: Record<string, unknown>
  prediction?: Partial<PredictionRecord> | null
  rfm?: RfmFact | null
  memberOf?: string[]
  consents?: Record<string, boolean>
  sensitive?: string[]
}

export function factsOf(input: FactsInput = {}): PersonFacts {
  const events = [...(input.events ?? [])].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
  const consents: Record<string, boolean> = { personalization: true, ...input.consents }
  const sensitive = input.sensitive ?? []
  return {
    personId: 'p1',
    state: { ...emptyState(events[0]?.timestamp ?? T0), ...input.state },
    events,
    items: new Map((input.items ?? []).map((i) => [i.id, i])),
    traits: new Map(Object.entries(input.traits ?? {})),
    prediction:
      input.prediction === undefined || input.prediction === null
        ? null
        : { personId: 'p1', method: 'bgnbd', probabilityAlive: null, expectedOrders90: null, expectedOrders365: null, predictedValue12m: null, percentile: 0, modelVersion: 'v1', computedAt: T0, ...input.prediction },
    rfm: input.rfm ?? null,
    memberOf: new Set(input.memberOf ?? []),
    consents: (purpose) => consents[purpose] ?? false,
    isSensitive: (path) => sensitive.some((s) => path === s || path.startsWith(`${s} > `)),
  }
}
