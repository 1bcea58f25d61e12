/**
 * What a segment rule or a computed trait is evaluated against: one person's facts at one moment. The
 * engine gathers them (in real time for the people an event touched, in bulk for a recompute or a
 * preview); the evaluator is a pure function of them and `now`, so both paths give the same answer.
 */
import type { EventKind, StoredEvent } from '../core/index.ts'
import type { ProfileState } from '../profiles/index.ts'
import type { PredictionRecord } from '../storage/index.ts'

/** Catalogue facts of an item an event names. */
export interface FactItem {
  id: string
  /** Full category paths ("Shoes > Running"); a condition on "Shoes" matches its descendants too. */
  categories: readonly string[]
  brand: string | null
  price: number | null
  /** The item's other attributes, for property paths such as `item.attributes.colour`. */
  attributes: Readonly<Record<string, unknown>>
}

/** The person's quartile RFM code ("434", PyMC-Marketing's convention: 4 is best) and its named segment. */
export interface RfmFact {
  code: string
  segment: string
}

export interface PersonFacts {
  personId: string
  /** The profile fold (traits, consent, orders, revenue, affinities, ...). */
  state: ProfileState
  /** The person's events with event time at or after `now - lookback` (the largest window any definition needs), oldest first (time, then seq). */
  events: readonly StoredEvent[]
  /** Catalogue facts of the items in `events`. */
  items: ReadonlyMap<string, FactItem>
  /** Computed trait values by trait key (computed before the segments are). */
  traits: ReadonlyMap<string, unknown>
  prediction: PredictionRecord | null
  rfm: RfmFact | null
  /** Keys of the segments the person is in, as evaluated so far in this pass (segments are evaluated in dependency order). */
  memberOf: ReadonlySet<string>
  /** The person's consent for a purpose: stated, else the shop's default. */
  consents(purpose: string): boolean
  /** Whether a category path is marked sensitive (or is under one that is). */
  isSensitive(path: string): boolean
}

/** The result of evaluating one definition for one person. */
export interface Evaluation<T> {
  value: T
  /**
   * The earliest time (ms) at which the value could change without a new event (a window edge, an
   * abandonment timeout, "last order within 30 days" running out), or null when only new events can change it.
   * Conservative: an earlier time only costs a re-evaluation that changes nothing.
   */
  recheckAt: number | null
}

/** What a compiled definition needs from the facts, so the engine loads no more than that. */
export interface FactNeeds {
  /** How far back events are needed (ms); 0 when no event condition. Infinity for "ever". */
  lookbackMs: number
  /** Only events of these kinds are needed (null: every kind). */
  kinds: readonly EventKind[] | null
  /** Keys of other segments / traits this one reads (for the evaluation order; cycles are refused). */
  segments: readonly string[]
  traits: readonly string[]
  prediction: boolean
  rfm: boolean
  /**
   * The profile facts the rule's profile conditions read (absent: any). A preview answers rules reading only
   * `PROFILE_COLUMNS` from the profiles table's columns, without parsing the documents (most of its cost).
   */
  profileFields?: readonly ProfileField[]
}

/** A profile fact a rule reads; a consent is `consent:<purpose>`. */
export type ProfileField = 'trait' | 'orders' | 'revenue' | 'firstOrder' | 'lastOrder' | 'lastSeen' | 'topCategory' | `consent:${string}`

/**
 * Profile facts the profiles table holds as columns, written with the document (`last_seen` is not one: a
 * profile with no events has its creation time there, while rules read "never seen").
 */
export const PROFILE_COLUMNS: ReadonlySet<ProfileField> = new Set<ProfileField>(['orders', 'revenue', 'lastOrder', 'consent:personalization'])
