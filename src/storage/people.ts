/**
 * The persistence side of identity and profiles: one transaction-bound repository (`PeopleTx`) that
 * the identity resolver and the profile projector read and write through. A store runs every write
 * batch serialised (SQLite: one writer; PostgreSQL: a transaction-scoped advisory lock), so a batch
 * may read, decide in memory and write without races.
 */
import type { EventKind, StoredEvent } from '../core/index.ts'
import type { IdentifierMatch, IdentifierSearch, ListedProfile, ProfileListQuery } from './people-search.ts'

export interface PersonRow {
  id: string
  createdAt: number
  mergedInto: string | null
}

export interface IdentityRow {
  type: string
  value: string
  personId: string
  firstSeen: number
  messageId: string
}

export type IdentityLogKind = 'merge' | 'refused' | 'reassigned'

export interface IdentityLogRow {
  id: string
  kind: IdentityLogKind
  personId: string
  otherId: string | null
  members: string[]
  cause: string
  messageId: string
  identifiers: { type: string; value: string }[]
  at: number
  undoneAt: number | null
  undoneBy: string | null
}

export interface PersonEventRow {
  messageId: string
  personId: string
  timestamp: number
}

export interface ProfileRow {
  personId: string
  state: string
  orders: number
  revenue: number
  lastOrder: number | null
  updatedAt: number
  /** Written for the people list (GET /v1/people); not read back by `getProfiles`. Last event time. */
  lastSeen?: number
  /** Stated personalization consent (null: never stated); written for the people list like `lastSeen`. */
  personalization?: boolean | null
}

/** A profile's columns that mirror facts of its document (what a preview reads instead of the document). */
export interface ProfileColumns {
  personId: string
  orders: number
  revenue: number
  lastOrder: number | null
  /** Stated personalization consent (null: never stated). */
  personalization: boolean | null
}

export interface PeopleTx {
  /** Which of these events were applied before. */
  seenEvents(messageIds: readonly string[]): Promise<Set<string>>
  findIdentities(keys: readonly { type: string; value: string }[]): Promise<IdentityRow[]>
  identitiesOf(personIds: readonly string[]): Promise<IdentityRow[]>
  getPeople(ids: readonly string[]): Promise<PersonRow[]>
  /** The person nodes merged into these roots (not the roots themselves). */
  membersOf(rootIds: readonly string[]): Promise<PersonRow[]>
  /** Log entries that name any of these people, oldest first. */
  identityLogOf(personIds: readonly string[]): Promise<IdentityLogRow[]>
  getIdentityLogEntry(id: string): Promise<IdentityLogRow | null>
  /** The events attributed to these person nodes, in log order. */
  eventsOfPeople(personIds: readonly string[]): Promise<StoredEvent[]>
  /**
   * The events attributed to these person nodes with event time at or after `from` (-Infinity: all), only of
   * `kinds` when given, each with its node, in log order (what a segment rule's windows need).
   */
  recentEventsOf(personIds: readonly string[], from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]>
  /**
   * The same for every node with an id in [first, last] (a page of roots in id order: one index range instead
   * of a list), plus the nodes listed in `extra` (members merged into them whose ids fall outside).
   */
  recentEventsInRange(first: string, last: string, extra: readonly string[], from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]>
  getProfiles(personIds: readonly string[]): Promise<ProfileRow[]>
  /**
   * Every event of these kinds (null: all) with event time at or after `from`, each with the root person it is
   * attributed to now, by the events' (kind, time) index: what a preview of a rule on events alone reads.
   */
  attributedEventsSince(from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]>
  /** Profiles, and how many of them stated personalization consent granted / refused (the rest follow the default). */
  countProfiles(): Promise<{ profiles: number; granted: number; refused: number }>
  /** The stated personalization consent of these people (null: never stated), from the profiles' column. */
  personalizationOf(personIds: readonly string[]): Promise<Map<string, boolean | null>>
  /** The columns of the profiles after `afterPersonId`, in id order (a scan that reads no documents). */
  profileColumnsAfter(afterPersonId: string, limit: number): Promise<ProfileColumns[]>
  /** Root person ids with a profile after `afterPersonId`, in id order (a scan that reads no documents). */
  profileIdsAfter(afterPersonId: string, limit: number): Promise<string[]>
  /** Orders, revenue and last order time of every profile with at least one order. */
  buyerStats(): Promise<{ orders: number; revenue: number; lastOrder: number }[]>
  /** Primary categories and brands of items (what profiles need of the catalogue). */
  itemFacts(ids: readonly string[]): Promise<{ id: string; categories: string[]; brand: string | null }[]>

  /** Events in log order after `afterSeq`, each with the canonical person it is attributed to now. */
  attributedEvents(afterSeq: number, limit: number): Promise<{ event: StoredEvent; personId: string }[]>
  /** Profiles in person-id order after `afterPersonId`, for scans (training exclusions, exports). */
  profilesAfter(afterPersonId: string, limit: number): Promise<ProfileRow[]>

  /** Identifiers (and person ids) equal to or starting with the terms, by value in code-point order (people-search.ts). */
  searchIdentifiers(search: IdentifierSearch): Promise<IdentifierMatch[]>
  /** Profiles by last seen, newest first, with the people list's filters (people-search.ts). */
  listProfiles(query: ProfileListQuery): Promise<ListedProfile[]>

  insertPeople(rows: readonly PersonRow[]): Promise<void>
  setMergedInto(ids: readonly string[], root: string | null): Promise<void>
  /** Inserts identifiers, or moves existing ones to the given person. */
  putIdentities(rows: readonly IdentityRow[]): Promise<void>
  insertIdentityLog(rows: readonly IdentityLogRow[]): Promise<void>
  markUndone(id: string, at: number, by: string): Promise<void>
  insertPersonEvents(rows: readonly PersonEventRow[]): Promise<void>
  putProfiles(rows: readonly ProfileRow[]): Promise<void>
  deleteProfiles(personIds: readonly string[]): Promise<void>
}
