/** Domain types shared by every module. Storage row shapes live in `storage`, not here. */

/** A catalogue item as the API shows it. */
export interface Item {
  id: string
  title: string | null
  description: string | null
  /** Category paths such as "Shoes > Running"; the first one is the primary category. */
  categories: string[]
  brand: string | null
  price: number | null
  currency: string | null
  imageUrl: string | null
  url: string | null
  tags: string[]
  available: boolean
  /** Units in stock; null when the shop does not track inventory for this item. */
  inventory: number | null
  attributes: Record<string, unknown>
  createdAt: string
  updatedAt: string
}

/** What a client may send for an item (every field but the id is optional). */
export type ItemInput = Partial<Omit<Item, 'id' | 'createdAt' | 'updatedAt'>> & { id: string }

export interface Category {
  path: string
  /** Sensitive categories (health, religion, ...) are never used for inference without consent. */
  sensitive: boolean
  /** True when an ancestor is marked sensitive, which makes this path sensitive too. */
  inheritedSensitive: boolean
  itemCount: number
}

/** Segment call types. */
export const CALL_TYPES = ['track', 'identify', 'page', 'screen', 'alias', 'group'] as const
export type CallType = (typeof CALL_TYPES)[number]

/**
 * Internal event kinds. Segment's e-commerce and email event names map onto these;
 * every other track name is kept as `custom` with its original name.
 */
export const EVENT_KINDS = [
  'product_viewed',
  'product_clicked',
  'product_added',
  'product_removed',
  'product_list_viewed',
  'cart_viewed',
  'checkout_started',
  'order_completed',
  'order_refunded',
  'order_cancelled',
  'products_searched',
  'email_opened',
  'email_link_clicked',
  'promotion_viewed',
  'promotion_clicked',
  'product_rated',
  'page_viewed',
  'screen_viewed',
  'identify',
  'alias',
  'group',
  'custom',
  // Written by the people API (secret key), never mapped from a client's track call.
  'preferences_updated',
  'consent_updated',
  'identities_merged',
  'identities_unmerged',
  // Written by the segment engine when a person enters or leaves a segment (Segment's "Audience Entered / Exited").
  'audience_entered',
  'audience_exited',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/** One product line of an e-commerce event, normalised. */
export interface ProductLine {
  itemId: string
  quantity: number
  price: number | null
  category: string | null
  name: string | null
  brand?: string
  /** Bought as a gift (`gift: true` on the line): kept out of the buyer's inferred tastes. */
  gift?: boolean
}

/** Fields derived from the raw message that later stages read without reparsing properties. */
export interface NormalizedData {
  products?: ProductLine[]
  orderId?: string
  revenue?: number
  currency?: string
  query?: string
  /** A rating value (for imported ratings and "Product Rated"). */
  rating?: number
  /** The whole order was a gift (`gift: true` on the order's properties). */
  gift?: boolean
}

/** An accepted event as it is appended to the event log. */
export interface EventRecord {
  messageId: string
  type: CallType
  /** The track event name, or the page/screen name. */
  event: string | null
  kind: EventKind
  userId: string | null
  anonymousId: string | null
  /** The event's main item (first product), for indexing. */
  itemId: string | null
  /** Event time in ms since the epoch, corrected for client clock skew. */
  timestamp: number
  /** Server receive time in ms since the epoch. */
  receivedAt: number
  /** The message as sent (minus the write key). */
  message: Record<string, unknown>
  data: NormalizedData
}

/** A stored event: the record plus its position in the log. */
export interface StoredEvent extends EventRecord {
  seq: number
}

export type KeyScope = 'write' | 'secret'

export interface ApiKeyRecord {
  id: string
  scope: KeyScope
  hash: string
  label: string
  createdAt: string
  revokedAt: string | null
}

/** A page of results with an opaque cursor for the next page (null when there is none). */
export interface Page<T> {
  data: T[]
  nextCursor: string | null
}
