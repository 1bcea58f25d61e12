/**
 * @module recommend
 * Real-time recommendations from the active model: strategies as fallback chains of candidate sources,
 * relevance filters, no repeats across a page's placements, and a reason for every item.
 */
export { type Filters, type Placement, type RecommendationRequest, type Strategy, STRATEGIES } from './request.ts'
export { type PlacementAnswer, type RecommendationAnswer, type RecommendedItem, Recommender } from './recommender.ts'
export { CHAINS, type SourceName } from './sources.ts'
