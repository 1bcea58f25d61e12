/**
 * @module evaluation
 * Offline evaluation of the recommender models: dataset readers, the split protocols of each
 * dataset's BASELINES.md and the generic ones for a shop's own data, ranking metrics at K, and the
 * runner that tunes, refits and measures every model next to the bestseller baseline.
 */
export { DATASETS, KIND_WEIGHTS, loadDataset, readMovielens100k, readMovielensCsv, readOnlineRetail, readOtto } from './datasets.ts'
export type { Dataset, DatasetName, Interaction, ItemInfo } from './datasets.ts'
export { buildSplit, compareIds } from './split.ts'
export type { Split, SplitCounts, SplitInput, TestPerson, TrainPair } from './split.ts'
export {
  datasetProtocol,
  genericProtocol,
  globalTemporalPartition,
  hashedPartition,
  ml100kProtocol,
  mlTemporalProtocol,
  onlineRetailProtocol,
  ottoProtocol,
  pairHash,
  perUserTemporalPartition,
  positives,
  testCount,
} from './protocols.ts'
export type { GenericOptions, Protocol, TruthKinds } from './protocols.ts'
export { evaluate, listMetrics, topK } from './metrics.ts'
export type { EvaluateOptions, MetricValues } from './metrics.ts'
export { BASELINE_MODEL, TUNING_K, formatParams, modelNames, runModels } from './runner.ts'
export type { ModelResult, RunOptions, RunProgress, RunReport, TuningTrial } from './runner.ts'
export { formatTable, toDocument } from './report.ts'
export type { EvalDocument } from './report.ts'
export { interactionsFromEvents, ordersFromEvents, readShopFile, readStore } from './shop-data.ts'
export { type ClvEvalReport, type ClvGroupRow, defaultCutoff, evaluateClv } from './clv-eval.ts'
export { formatClvTable, toClvDocument } from './clv-report.ts'
export type { FileKind, ShopData } from './shop-data.ts'
// The synthetic shop generator (synthetic-shop.ts, written alongside) for tests and the demo.
export { generateShop } from './synthetic-shop.ts'
export { MIN_CATALOG_ITEMS, rngFor, type ShopRng } from './synthetic-catalog.ts'
export type { SegmentMessage, ShopTruth, SyntheticPerson, SyntheticShop, SyntheticShopOptions } from './synthetic-shop.ts'
