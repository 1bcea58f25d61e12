/**
 * @module storage
 * The `Store` interface, its backends (chosen by URL scheme) and migrations.
 */
export type { AppendResult, EventQuery, ItemQuery, Store } from './store.ts'
export type { IdentityLogKind, IdentityLogRow, IdentityRow, PeopleTx, PersonEventRow, PersonRow, ProfileColumns, ProfileRow } from './people.ts'
export { openStore } from './open-store.ts'
export type { OpenStoreOptions } from './open-store.ts'
export { SqliteStore } from './sqlite/sqlite-store.ts'
export { PostgresStore } from './postgres/postgres-store.ts'
export { isSensitivePath } from './category-list.ts'
export type { ModelStatus, ModelVersion, ModelVersionStore } from './model-versions.ts'
export type { Impression, ImpressionStore } from './impressions.ts'
export type { BucketCount, OverviewStore } from './overview.ts'
export type { StaffRole, StaffSession, StaffStore, StaffUser } from './staff.ts'
export type { DataQualityFigures, DiagnosticsStore, FeedEvent, FeedQuery, RejectedCount, RejectedEvent, RejectedQuery, RetentionLimits, StoredRejectedEvent } from './diagnostics.ts'
export { DAY_MS } from './diagnostics.ts'
export type { RevokeOutcome, SettingsDocument, SettingsStore, StoredSetting } from './settings.ts'
export type { IdentifierMatch, IdentifierSearch, ListedProfile, ProfileListQuery, SearchTerm } from './people-search.ts'
export { codePointCompare, compareMatches } from './people-search.ts'
export type { BuiltInSeed, MembershipChange, MembershipRecord, PredictionRecord, PredictionStore, SegmentDefinitionChange, SegmentDefinitionRecord, SegmentDefinitionStore, SegmentMemberStore, SegmentSizePoint, TraitValueRecord } from './segment-store.ts'
export { CLAIM_LEASE_MS } from './segment-members.ts'
export { KyselyPredictions } from './predictions.ts'
