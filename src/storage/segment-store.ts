/**
 * Segments and computed traits: their definitions (versioned), and what the segment engine derives from
 * them (memberships with their history, computed trait values, when each person must be looked at again,
 * daily sizes). The definitions are the shop's; everything else is derived and can be recomputed.
 *
 * Rules and trait definitions are stored as JSON the storage module does not interpret (`unknown` here);
 * `src/segments` owns their shape and checks.
 */

/** A segment or a computed trait, as defined by staff (or built in). */
export interface SegmentDefinitionRecord {
  /** Stable id (`seg_…` / `trait_…`); also the audience key of the entered / exited events. */
  id: string
  kind: 'segment' | 'trait'
  /** snake_case key, unique per kind: the segment's audience key, or the trait's name on the profile. */
  key: string
  name: string
  description: string
  /** The rule (segments) or the trait's definition (traits), as JSON. */
  definition: unknown
  /** Starts at 1, raised by every change. */
  version: number
  /** Shipped with the engine (editable, and restorable). */
  builtIn: boolean
  /** A disabled segment keeps its definition but has no members. */
  enabled: boolean
  createdAt: number
  updatedAt: number
  /** A staff email, "secret key <id>" or "engine". */
  updatedBy: string
}

export interface SegmentDefinitionChange {
  key: string
  name: string
  description: string
  definition: unknown
  enabled: boolean
}

export interface SegmentDefinitionStore {
  /** Every definition of this kind (or both), by key. */
  list(kind?: 'segment' | 'trait'): Promise<SegmentDefinitionRecord[]>
  get(id: string): Promise<SegmentDefinitionRecord | null>
  /** Inserts version 1; null when the key is taken for this kind. */
  create(record: Omit<SegmentDefinitionRecord, 'version' | 'createdAt' | 'updatedAt'>, now: number): Promise<SegmentDefinitionRecord | null>
  /**
   * Writes a new version (the previous one is kept in the history). With `expectedVersion`, writes only if
   * the stored version is that one; returns 'conflict' otherwise, null when the id is unknown.
   */
  update(id: string, change: SegmentDefinitionChange, by: { updatedBy: string; now: number; expectedVersion?: number | undefined }): Promise<SegmentDefinitionRecord | 'conflict' | 'key_taken' | null>
  /** Every version of one definition, newest first. */
  versions(id: string): Promise<SegmentDefinitionRecord[]>
  /** Deletes the definition and its history (the engine removes its members). */
  delete(id: string): Promise<boolean>
  /** Changes whenever any definition was created, changed or deleted (a change counter; for cheap polling). */
  stamp(): Promise<string>
  /**
   * Creates the built-ins whose (kind, key) was never seeded before, in one transaction (every node may call
   * it at start). A built-in the shop deleted is not seeded again, unless `restore` (then every missing one
   * is). A key the shop's own definition holds is left alone. Returns the definitions created.
   */
  seedBuiltIns(seeds: readonly BuiltInSeed[], now: number, options?: { restore?: boolean }): Promise<SegmentDefinitionRecord[]>
}

/** A built-in definition as shipped (src/segments' BUILT_IN_SEGMENTS, with a kind and a stable id). */
export interface BuiltInSeed {
  id: string
  kind: 'segment' | 'trait'
  key: string
  name: string
  description: string
  definition: unknown
}

/** One person's membership of one segment. */
export interface MembershipRecord {
  segmentId: string
  personId: string
  /** When the person entered (ms). */
  since: number
  /** The segment version that admitted them. */
  version: number
}

/** An entry or exit, kept as history (also appended to the event log as Audience Entered / Exited). */
export interface MembershipChange {
  segmentId: string
  personId: string
  entered: boolean
  at: number
  version: number
}

export interface TraitValueRecord {
  traitId: string
  personId: string
  /** JSON-serialisable value (number, string, boolean, string list) or null when there is none. */
  value: unknown
  updatedAt: number
}

export interface SegmentSizePoint {
  /** Start of the UTC day (ms). */
  day: number
  size: number
  entered: number
  exited: number
}

export interface SegmentMemberStore {
  /**
   * Applies one evaluation pass in one transaction: memberships added and removed (with their history rows),
   * trait values set (null deletes), and when each person must be evaluated again (null: only on new events).
   * Conditional per row (an entry only if absent, an exit only if present): returns the changes that took
   * effect, the ones to announce as audience events. Each of them is also left pending in the audience
   * outbox (same transaction) until `markPublished`.
   */
  apply(pass: {
    changes: readonly MembershipChange[]
    traits: readonly TraitValueRecord[]
    recheck: readonly { personId: string; at: number | null }[]
  }): Promise<MembershipChange[]>
  /**
   * The audience outbox: changes `apply` stored whose Audience Entered / Exited event is not marked as
   * appended yet (a crash came between, or the append failed), oldest first. The engine appends them again.
   */
  pendingAudience(limit: number): Promise<MembershipChange[]>
  /** Marks these changes' audience events as appended (they leave the outbox); unknown ones are ignored. */
  markPublished(changes: readonly MembershipChange[]): Promise<void>
  /** Current members of a segment, oldest entry first, paged by an opaque cursor. */
  members(segmentId: string, page: { limit: number; cursor?: string | undefined }): Promise<{ items: MembershipRecord[]; next: string | null }>
  count(segmentId: string): Promise<number>
  /** Current member counts of every segment (id → count). */
  counts(): Promise<Map<string, number>>
  /** The segments a person is in now. */
  membershipsOf(personId: string): Promise<MembershipRecord[]>
  /** The memberships of many people at once (the engine's bulk reads). */
  membershipsOfPeople(personIds: readonly string[]): Promise<MembershipRecord[]>
  /** A person's computed trait values (trait id → value). */
  traitsOf(personId: string): Promise<TraitValueRecord[]>
  traitsOfPeople(personIds: readonly string[]): Promise<TraitValueRecord[]>
  /** People whose re-evaluation is due at or before `now`, soonest first; `claim` moves their time on so
   * another worker does not take them too (SKIP LOCKED on PostgreSQL). */
  claimDue(now: number, limit: number): Promise<string[]>
  /** Daily sizes of a segment in [from, to). */
  sizeHistory(segmentId: string, from: number, to: number): Promise<SegmentSizePoint[]>
  /** Removes every membership, history row, pending audience event and trait value of a definition (on delete), or all (recompute). */
  clear(definitionId?: string): Promise<void>
  /** Ids of the definitions that have members or trait values (a recompute clears those of deleted definitions). */
  definitionsInUse(): Promise<string[]>
  /** The signature of the definitions everyone was last evaluated against (null: never), and setting it. */
  evaluated(): Promise<string | null>
  markEvaluated(signature: string): Promise<void>
  /** People with memberships or trait values but no profile (merged away or reset): a recompute removes them. */
  withoutProfile(limit: number): Promise<string[]>
}

/** A person's predicted value from the CLV model of the last training run (BG/NBD + Gamma-Gamma). */
export interface PredictionRecord {
  personId: string
  /** 'bgnbd' when the model was fitted; 'rfm' when data was below the minimums (then only `percentile` is set, from recency, frequency and total spend: docs/clv.md). */
  method: 'bgnbd' | 'rfm'
  probabilityAlive: number | null
  expectedOrders90: number | null
  expectedOrders365: number | null
  /** Predicted value of the next 12 months, in the shop's currency. */
  predictedValue12m: number | null
  /** 0..1: the share of buyers whose predicted value is below this person's (mid-rank). */
  percentile: number
  /** The training run (model version) that computed it, and when. */
  modelVersion: string
  computedAt: number
}

export interface PredictionStore {
  /** Replaces every prediction with those of one training run, in one transaction. */
  replace(rows: readonly PredictionRecord[]): Promise<void>
  /** Predictions of these people (person id → record). */
  of(personIds: readonly string[]): Promise<Map<string, PredictionRecord>>
  /** The model version of the stored predictions, or null when none were written. */
  version(): Promise<string | null>
}
