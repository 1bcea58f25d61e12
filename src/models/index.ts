/**
 * @module models
 * Recommender models trained from interactions (sparse people × items matrices), and the numeric
 * kernels they share.
 */
export {
  type ClvFit,
  type ClvOptions,
  type ClvPrediction,
  type CustomerSummary,
  customerSummaries,
  conditionalExpectedPurchases,
  DAY_MS,
  dayOf,
  DEFAULT_CLV_OPTIONS,
  expectedSpend,
  fitClv,
  type OrderRecord,
  orderValue,
  predictClv,
  simulateClv,
} from './clv/index.ts'
export { binarize, csrFromTriples, rowIndices, transpose } from './csr.ts'
export { ease, EASE_MAX_ITEMS, type EaseParams } from './ease.ts'
export { easeNeighbours } from './ease-neighbours.ts'
export { buyAgain, ownHistory } from './buy-again.ts'
export { hybrid, type HybridParams } from './hybrid.ts'
export { ials, type IalsParams } from './ials.ts'
export { itemKnn, type ItemKnnParams } from './item-knn.ts'
export { FactorScorer } from './kernels/dots-wasm.ts'
export { invertSpd, paddedOrder, spdWorkspace, type SpdWorkspace } from './kernels/inverse.ts'
export { startPool, withPool, type Pool } from './kernels/pool.ts'
export { peoplePerItem, popularity } from './popularity.ts'
export { contentIndex, type ContentIndex, contentNeighbours, type ContentItem, contentVector, itemTokens, priceBand, similarTo } from './content.ts'
export { categoryComplements, type Complement, type ComplementOptions, complementNeighbours, DEFAULT_COMPLEMENT_OPTIONS } from './complements.ts'
export { DEFAULT_NEIGHBOUR_OPTIONS, itemNeighbours, type NeighbourOptions, type Neighbours, neighboursOf } from './cooccurrence.ts'
export { type Interaction as TimedInteraction, newArrivals, perCategoryRankings, ranking, rankingsBy, trendingScores } from './trending.ts'
export type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'
import { ease } from './ease.ts'
import { buyAgain } from './buy-again.ts'
import { hybrid } from './hybrid.ts'
import { ials } from './ials.ts'
import { itemKnn } from './item-knn.ts'
import { popularity } from './popularity.ts'
import type { ModelSpec } from './types.ts'

/** Every model by name (the evaluation harness and the trainer pick from here). */
export const MODELS: Record<string, ModelSpec<any>> = {
  popularity,
  'item-knn': itemKnn,
  ease,
  ials,
  'buy-again': buyAgain,
  // Last: it blends the models above with the settings the harness chose for them.
  hybrid,
}
