/**
 * The API's response and request types, for the dashboard (dashboard/ imports this file type-only, so
 * the browser bundle gets no server code). One source of types: each route file exports its TypeBox
 * schemas, and this file turns them into types, or re-exports the domain type a route sends as JSON.
 * A route added for the dashboard adds its line here.
 */
import type { Static } from 'typebox'
import type { SessionReply as SessionReplySchema, StaffUser as StaffUserSchema } from './routes/session.ts'

export type SessionReply = Static<typeof SessionReplySchema>
export type StaffUser = Static<typeof StaffUserSchema>
export type StaffRole = StaffUser['role']
export type { ErrorCode } from '../core/index.ts'
export type { Item, Category, Page } from '../core/index.ts'
export type { ProfileView, Affinity } from '../profiles/index.ts'
export type { RecommendationAnswer, PlacementAnswer, RecommendationRequest, Placement, Strategy, AttributionReport, StrategyReport } from '../recommend/index.ts'
export type * from './routes/events.ts'
export type * from './routes/data-quality.ts'
export type { EventKind } from '../core/index.ts'
// settings: API keys, engine settings, the masked configuration (each file exports its replies' types).
export type * from './routes/keys.ts'
export type * from './routes/settings.ts'
// catalog: the catalogue and item pages, the models page
export type * from './routes/catalog.ts'
export type * from './routes/item-related.ts'
export type * from './routes/models.ts'
export type { ClvSummary } from '../training/index.ts'
export type * from './routes/people.ts'
// overview: the overview report and the recommendations report per day.
export type * from './routes/overview-report.ts'
export type * from './routes/reports.ts'
// segments: segments and computed traits, their versions, members, sizes, preview; a person's segments.
export type * from './routes/segment-schemas.ts'
