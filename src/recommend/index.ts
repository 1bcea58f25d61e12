/**
 * @module recommend
 * Real-time recommendations from the active model: strategies as fallback chains of candidate sources,
 * relevance filters, no repeats across a page's placements, and a reason for every item.
 */
export { type AttributeRule, type Condition, type ConditionAttribute, type ConditionOp, CONDITION_OPS, type Filters, type Placement, type RuleAttribute, type Rules, type RecommendationRequest, type Strategy, STRATEGIES, EXTRA_FIELDS, type ExtraField, SECRET_FIELDS } from './request.ts'
export { checkConditions, conditionHolds } from './conditions.ts'
export { PeopleCache, type ServedPerson } from './people-cache.ts'
export { type PlacementAnswer, type RecommendationAnswer, Recommender } from './recommender.ts'
export type { RecommendedItem } from './item-view.ts'
export { LEVEL_CANDIDATES, type LevelExplanation } from './placement.ts'
export { CHAINS, type SourceName } from './sources.ts'
export { ImpressionRecorder, type PendingImpression, type RecorderOptions, type ResolvePerson } from './attribution.ts'
export {
  attributionByBucket,
  attributionInputs,
  type AttributionReport,
  attributionReport,
  type BucketedAttribution,
  type BucketStrategyReport,
  CLICK_WINDOW_MS,
  computeAttribution,
  computeBucketedAttribution,
  ORDER_WINDOW_MS,
  RECOMM_TTL_MS,
  type StrategyReport,
} from './attribution-report.ts'
export { type Overview, type OverviewBucket, type OverviewNumbers, overviewReport } from './overview-report.ts'
