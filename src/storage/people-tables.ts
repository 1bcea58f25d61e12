/**
 * Row shapes of the identity graph and the profiles derived from the log (all rebuildable from it).
 */

/** A person node. A person merged into another points at the root of its group (`merged_into`). */
export interface PeopleTable {
  id: string
  created_at: number
  merged_into: string | null
}

/** An identifier (type, normalised value) linked to the person node it was first seen with. */
export interface IdentitiesTable {
  type: string
  value: string
  person_id: string
  first_seen: number
  message_id: string
}

/** Every identity decision worth explaining: merges (undoable), refusals and reassignments. */
export interface IdentityLogTable {
  id: string
  kind: string
  /** The surviving root of a merge, or the person an identifier was moved to / kept from. */
  person_id: string
  /** The merged root, or the other person of a refused merge. */
  other_id: string | null
  /** JSON: the person nodes a merge moved (what an unmerge moves back). */
  members: string
  cause: string
  message_id: string
  /** JSON: the identifiers that caused the decision. */
  identifiers: string
  at: number
  undone_at: number | null
  undone_by: string | null
}

/** Which person node each event was attributed to when it was applied. */
export interface PersonEventsTable {
  message_id: string
  person_id: string
  timestamp: number
}

/** The profile of a root person: its state (JSON) plus the columns population statistics need. */
export interface ProfilesTable {
  person_id: string
  state: string
  orders: number
  revenue: number
  last_order: number | null
  updated_at: number
}

export interface ModelVersionsTable {
  id: string
  status: string
  reason: string
  created_at: number
  finished_at: number | null
  /** Refreshed by the running trainer; a run whose heartbeat stopped is presumed dead. */
  heartbeat_at: number
  progress: number
  note: string
  error: string | null
  /** JSON: sizes, timings, validation metrics. */
  summary: string
  active: number
  artifact: Buffer | Uint8Array | null
}

/** One placement of an answered recommendation request (see impressions.ts). */
export interface RecommendationImpressionsTable {
  recomm_id: string
  placement: number
  strategy: string
  person_id: string | null
  ref: string | null
  /** JSON array of the item ids shown. */
  item_ids: string
  served_at: number
  /** JSON array of the chain levels that supplied the items (null before migration 0007). */
  served_by: string | null
}

export interface PeopleDatabase {
  model_versions: ModelVersionsTable
  recommendation_impressions: RecommendationImpressionsTable
  people: PeopleTable
  identities: IdentitiesTable
  identity_log: IdentityLogTable
  person_events: PersonEventsTable
  profiles: ProfilesTable
}
