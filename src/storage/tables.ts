/**
 * Row shapes of the tables (snake_case, as stored) and their mapping to domain types.
 * Shared by every backend so the same row means the same thing everywhere.
 */
import type { PeopleDatabase } from './people-tables.ts'
import { AttuneError, type ApiKeyRecord, type EventRecord, type Item, type ItemInput, type StoredEvent } from '../core/index.ts'

export interface EventsTable {
  seq: number
  message_id: string
  type: string
  event: string | null
  kind: string
  user_id: string | null
  anonymous_id: string | null
  item_id: string | null
  timestamp: number
  received_at: number
  message: string
  data: string
}

export interface ItemsTable {
  id: string
  title: string | null
  description: string | null
  brand: string | null
  price: number | null
  currency: string | null
  image_url: string | null
  url: string | null
  categories: string
  tags: string
  available: number
  inventory: number | null
  attributes: string
  created_at: string
  updated_at: string
}

import type { StaffSessionsTable, StaffUsersTable } from './staff.ts'
import type { RejectedEventCountsTable, RejectedEventsTable } from './diagnostics.ts'
import type { ApiKeyUsesTable, SettingsTable } from './settings.ts'
import type { ItemSearchTermsTable } from './item-search.ts'
import type { SegmentBuiltInsTable, SegmentDefinitionStampTable, SegmentDefinitionsTable, SegmentDefinitionVersionsTable } from './segment-definitions.ts'
import type { SegmentAudiencePendingTable, SegmentEngineStateTable, SegmentMemberHistoryTable, SegmentMembersTable, SegmentScheduleTable, TraitValuesTable } from './segment-members.ts'
import type { PredictionsTable } from './predictions.ts'

export interface ItemCategoriesTable {
  item_id: string
  path: string
  position: number
}

export interface CategoriesTable {
  path: string
  sensitive: number
}

export interface ApiKeysTable {
  id: string
  scope: string
  hash: string
  label: string
  created_at: string
  revoked_at: string | null
}

export interface ConsumerOffsetsTable {
  consumer: string
  seq: number
}

export interface Database extends PeopleDatabase {
  events: EventsTable
  items: ItemsTable
  item_categories: ItemCategoriesTable
  categories: CategoriesTable
  api_keys: ApiKeysTable
  consumer_offsets: ConsumerOffsetsTable
  staff_users: StaffUsersTable
  staff_sessions: StaffSessionsTable
  rejected_events: RejectedEventsTable
  rejected_event_counts: RejectedEventCountsTable
  settings: SettingsTable
  api_key_uses: ApiKeyUsesTable
  item_search_terms: ItemSearchTermsTable
  segment_definitions: SegmentDefinitionsTable
  segment_definition_versions: SegmentDefinitionVersionsTable
  segment_built_ins: SegmentBuiltInsTable
  segment_definition_stamp: SegmentDefinitionStampTable
  segment_members: SegmentMembersTable
  segment_member_history: SegmentMemberHistoryTable
  segment_audience_pending: SegmentAudiencePendingTable
  trait_values: TraitValuesTable
  segment_schedule: SegmentScheduleTable
  segment_engine_state: SegmentEngineStateTable
  predictions: PredictionsTable
}

export function eventToRow(e: EventRecord): Omit<EventsTable, 'seq'> {
  return {
    message_id: e.messageId,
    type: e.type,
    event: e.event,
    kind: e.kind,
    user_id: e.userId,
    anonymous_id: e.anonymousId,
    item_id: e.itemId,
    timestamp: e.timestamp,
    received_at: e.receivedAt,
    message: JSON.stringify(e.message),
    data: JSON.stringify(e.data),
  }
}

export function rowToEvent(r: EventsTable): StoredEvent {
  return {
    seq: Number(r.seq),
    messageId: r.message_id,
    type: r.type as StoredEvent['type'],
    event: r.event,
    kind: r.kind as StoredEvent['kind'],
    userId: r.user_id,
    anonymousId: r.anonymous_id,
    itemId: r.item_id,
    timestamp: Number(r.timestamp),
    receivedAt: Number(r.received_at),
    message: JSON.parse(r.message) as Record<string, unknown>,
    data: JSON.parse(r.data) as StoredEvent['data'],
  }
}

/** Fills defaults for fields an upsert omitted; an upsert replaces the whole item. */
export function itemToRow(input: ItemInput, createdAt: string, now: string): ItemsTable {
  return {
    id: input.id,
    title: input.title ?? null,
    description: input.description ?? null,
    brand: input.brand ?? null,
    price: input.price ?? null,
    currency: input.currency ?? null,
    image_url: input.imageUrl ?? null,
    url: input.url ?? null,
    categories: JSON.stringify(input.categories ?? []),
    tags: JSON.stringify(input.tags ?? []),
    available: input.available === false ? 0 : 1,
    inventory: input.inventory ?? null,
    attributes: JSON.stringify(input.attributes ?? {}),
    created_at: createdAt,
    updated_at: now,
  }
}

export function rowToItem(r: ItemsTable): Item {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    categories: JSON.parse(r.categories) as string[],
    brand: r.brand,
    price: r.price === null ? null : Number(r.price),
    currency: r.currency,
    imageUrl: r.image_url,
    url: r.url,
    tags: JSON.parse(r.tags) as string[],
    available: Boolean(Number(r.available)),
    inventory: r.inventory === null ? null : Number(r.inventory),
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export function rowToApiKey(r: ApiKeysTable): ApiKeyRecord {
  return {
    id: r.id,
    scope: r.scope as ApiKeyRecord['scope'],
    hash: r.hash,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }
}

/** Cursors are opaque to clients: base64url of a small JSON array. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url')
}

/**
 * Reads a cursor this server issued, checking the shape each list expects (`kinds`: the type of each
 * part). A cursor that does not decode is an error, never "the first page": that could loop a client.
 */
export function decodeCursor(cursor: string, kinds: readonly ('string' | 'number')[]): (string | number)[] {
  let parts: unknown
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parts = null
  }
  if (!Array.isArray(parts) || parts.length !== kinds.length || parts.some((p, i) => typeof p !== kinds[i])) {
    throw new AttuneError('invalid_field', 'cursor is not one this server issued (pass nextCursor unchanged)', 'cursor')
  }
  return parts as (string | number)[]
}
