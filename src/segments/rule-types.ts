/**
 * The segment rule language and computed trait definitions as TypeScript types. The JSON staff write
 * is checked by `checkSegmentRule` / `checkTraitDefinition` (rule-check.ts), which name the bad field;
 * `SegmentRuleSchema` / `TraitDefinitionSchema` (rule-schema.ts) describe the same shapes for OpenAPI.
 * docs/segments.md is the reference.
 */
import type { EventKind } from '../core/index.ts'

export type Scalar = string | number | boolean | null

/** Operators on a value; several in one object must all hold (`{ "gte": 2, "lt": 10 }`). */
export interface Comparison {
  eq?: Scalar
  /** True when no value equals this one (a missing value included). */
  neq?: Scalar
  gt?: number
  gte?: number
  lt?: number
  lte?: number
  in?: Scalar[]
  /** A string value holding this text (ignoring case), or a list holding this element. */
  contains?: string | number | boolean
  exists?: boolean
}

/** Numeric operators only (counts, orders, revenue, predictions); a missing value never matches. */
export interface NumberComparison {
  eq?: number
  neq?: number
  gt?: number
  gte?: number
  lt?: number
  lte?: number
}

/** A condition on a value at a path ("properties.coupon", "context.campaign.source", "revenue", "item.brand"). */
export interface PropertyCondition extends Comparison {
  path: string
}

/** At least one product line of the event names an item matching every field given. */
export interface ItemCondition {
  id?: string | string[]
  /** A category path, matching its descendants too ("Shoes" matches "Shoes > Running"). */
  category?: string | string[]
  brand?: string | string[]
  price?: NumberComparison
  /** Conditions on the item's attributes, paths relative to them ("colour", "size.eu"). */
  attributes?: PropertyCondition[]
}

/** Which events: by kind or track name (either may be a list), property conditions, item conditions. */
export interface EventMatch {
  kind?: EventKind | EventKind[]
  name?: string | string[]
  where?: PropertyCondition[]
  item?: ItemCondition
}

/**
 * When: a sliding window (`within`: "30m", "48h", "14d", "2w"; events at most that old) and/or absolute
 * dates (`from` inclusive, `to` exclusive, ISO 8601). Neither: all time.
 */
export interface EventWindow {
  within?: string
  from?: string
  to?: string
}

export interface EventCondition extends EventMatch, EventWindow {
  /** How many matching events; default at least one (`{ "gte": 1 }`). */
  count?: NumberComparison
}

/**
 * "Did X and then did not do Y within `timeout`": an X counts once `timeout` passed without a Y after it.
 * The window (required) applies to X's time.
 */
export interface AbandonmentCondition extends EventWindow {
  did: EventMatch
  thenNot: EventMatch
  timeout: string
  /** Y must name one of X's items (a purchase of what was left in the cart). */
  sameItem?: boolean
  /** How many abandoned X; default at least one. */
  count?: NumberComparison
}

/** A date on the profile relative to now (`within` 30d: at most 30 days ago; `olderThan` 90d: more than 90 days ago) or absolute. */
export interface DateCondition {
  within?: string
  olderThan?: string
  from?: string
  to?: string
}

/** PyMC-Marketing's default named RFM segments (clv/utils.py `_default_rfm_segment_config`), plus "Other". */
export const RFM_SEGMENT_NAMES = ['Premium Customer', 'Repeat Customer', 'Top Spender', 'At Risk Customer', 'Inactive Customer', 'Other'] as const
export type RfmSegmentName = (typeof RFM_SEGMENT_NAMES)[number]

/** Facts on the profile; every field given must hold. */
export interface ProfileCondition {
  /** A trait sent with identify (`name` is the trait's key). */
  trait?: Comparison & { name: string }
  /** Consent for this purpose (stated, else the shop's default). */
  consent?: string
  orders?: NumberComparison
  revenue?: NumberComparison
  firstOrder?: DateCondition
  lastOrder?: DateCondition
  lastSeen?: DateCondition
  rfm?: { code?: string | string[]; segment?: RfmSegmentName | RfmSegmentName[] }
  /** The category (its subcategories' interest included) ranks within the person's top `rank` (default 1) at its level. */
  topCategory?: { category: string; rank?: number }
}

export const PREDICTION_FIELDS = ['percentile', 'probabilityAlive', 'expectedOrders90', 'expectedOrders365', 'predictedValue12m'] as const
export type PredictionField = (typeof PREDICTION_FIELDS)[number]
export type PredictionCondition = { [F in PredictionField]?: NumberComparison }

export type SegmentRule =
  | { all: SegmentRule[] }
  | { any: SegmentRule[] }
  | { not: SegmentRule }
  | { event: EventCondition }
  | { abandonment: AbandonmentCondition }
  | { profile: ProfileCondition }
  | { computed: Comparison & { key: string } }
  | { prediction: PredictionCondition }
  | { segment: { key: string } }
  /** Now is within these dates (a campaign period). */
  | { during: { from?: string; to?: string } }

export const TRAIT_TYPES = ['counter', 'sum', 'avg', 'min', 'max', 'most_frequent', 'first', 'last', 'unique_list', 'unique_count'] as const
export type TraitType = (typeof TRAIT_TYPES)[number]

/** A computed trait: Segment's kinds, over the matching events of a window. */
export interface TraitDefinition extends EventWindow {
  type: TraitType
  event: EventMatch
  /** The value path; required for every type but `counter`. */
  property?: string
}
