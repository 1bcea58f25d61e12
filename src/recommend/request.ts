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
}

export interface RecommendationRequest {
  userId?: string
  anonymousId?: string
  placements: Placement[]
}
