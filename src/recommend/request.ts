/** What a caller asks for: placements (one per widget on the page) with a strategy, context and filters. */

export const STRATEGIES = [
  'for-you',
  'also-bought',
  'also-viewed',
  'similar',
  'complete-the-look',
  'cart',
  'trending',
  'bestsellers',
  'recently-viewed',
  'email-picks',
] as const
export type Strategy = (typeof STRATEGIES)[number]

export interface Filters {
  /** Only items available and in stock (default true). */
  inStock?: boolean
  /** Leave out items the person bought (default true). */
  excludeBought?: boolean
  /** Category paths of consumables: items under them are kept even when bought (people buy them again). */
  rebuyCategories?: string[]
  /** Leave out items in the person's cart (default true). */
  excludeCart?: boolean
  /** Item ids never to show (e.g. already on the page). */
  exclude?: string[]
  /** Only items under one of these category paths. */
  categories?: string[]
  excludeCategories?: string[]
  brands?: string[]
  excludeBrands?: string[]
  minPrice?: number
  maxPrice?: number
  /** Attribute conditions that must all hold (see `conditions.ts` for their exact meaning). */
  where?: Condition[]
}

export const CONDITION_OPS = ['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists'] as const
export type ConditionOp = (typeof CONDITION_OPS)[number]
/** What a condition can test: the rule attributes, plus `price` and `title`. */
export type ConditionAttribute = RuleAttribute | 'price' | 'title'
type Scalar = string | number | boolean

/** One `filters.where` condition; `value`'s shape depends on `op`. */
export type Condition =
  | { attribute: ConditionAttribute; op: 'eq' | 'ne'; value: Scalar }
  | { attribute: ConditionAttribute; op: 'in' | 'notIn'; value: Scalar[] }
  | { attribute: ConditionAttribute; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number | string }
  | { attribute: ConditionAttribute; op: 'exists' | 'notExists' }

/** `brand`, `category` (the path or under it), `tag`, or `attributes.<name>`. */
export type RuleAttribute = 'brand' | 'category' | 'tag' | `attributes.${string}`

/** Multiplies the score of candidates whose `attribute` has `value` by `factor`. */
export interface AttributeRule {
  attribute: RuleAttribute
  value: string | number | boolean
  factor: number
}

/** Business rules of one placement. */
export interface Rules {
  /** Item ids placed first, in this order, when they pass the filters (reason "Featured"). */
  pin?: string[]
  /** Factors above 1 lift matching candidates within a chain level. */
  boost?: AttributeRule[]
  /** Factors below 1 push matching candidates down (or out). */
  bury?: AttributeRule[]
  /** At most this many items of one primary category in the placement. */
  maxPerCategory?: number
  /** At most this many items of one brand in the placement. */
  maxPerBrand?: number
  /** Multiplies the score of items created within the last `days` days by `factor`. */
  newItemBoost?: { days: number; factor: number }
}

export interface Placement {
  /** The caller's name for the widget ("pdp-also-bought"); echoed back. */
  id?: string
  strategy: Strategy
  count?: number
  /** A product page's item. */
  itemId?: string
  /** A cart's items. */
  itemIds?: string[]
  /** A category page's category path. */
  category?: string
  filters?: Filters
  rules?: Rules
}

/**
 * Item fields an answer can add to the display fields. `inventory` and `attributes` need the secret key:
 * stock levels, and attributes such as cost or margin, are not for a browser holding the public write key.
 */
export const EXTRA_FIELDS = ['description', 'tags', 'available', 'createdAt', 'inventory', 'attributes'] as const
export type ExtraField = (typeof EXTRA_FIELDS)[number]
export const SECRET_FIELDS: readonly ExtraField[] = ['inventory', 'attributes']

export interface RecommendationRequest {
  userId?: string
  anonymousId?: string
  /** A canonical person id (secret key or staff: the dashboard previews a person by it). */
  personId?: string
  /** A look, not a page shown (no impression); reads the person's profile from the store, so a change just made shows. */
  preview?: boolean
  placements: Placement[]
  /** Extra item fields in the answer. */
  fields?: ExtraField[]
  /** Per placement, what each chain level offered and why candidates were left out (secret key). */
  explain?: boolean
}
