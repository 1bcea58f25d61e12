/**
 * The shapes every recommender model shares: a sparse people × items matrix in, a trained model out that
 * scores the whole catalogue for one person. Indices are dense (0..n-1); the caller keeps the id maps.
 */
import type { Pool } from './kernels/pool.ts'

/** Compressed sparse rows: row r's columns are `indices[indptr[r] .. indptr[r+1])`, sorted ascending. */
export interface Csr {
  rows: number
  cols: number
  indptr: Int32Array
  indices: Int32Array
  /** The cell values: 1 for a binary matrix, or a confidence weight (event-type weights, counts). */
  values: Float32Array
}

export interface TrainContext {
  /**
   * Threads to use (the machine's cores by default). 1 trains in this thread; models also stay in this
   * thread when the data is too small to pay for starting workers.
   */
  threads: number
  /**
   * Workers started by the caller and reused across fits (a grid search boots them once); when given,
   * models always use it and leave it open.
   */
  pool?: Pool
  /** Seeds every random draw, so a training run is reproducible. */
  seed: number
  /** How often each cell of the matrix occurred (purchase lines per person and item), when known. */
  counts?: Csr
  /** Settings chosen for other models earlier in the same run, by model name (a blend reuses them). */
  tuned?: Readonly<Record<string, object>>
  /** Progress in [0, 1], with a short note ("sweep 3/15"). */
  onProgress?: (fraction: number, note: string) => void
}

export interface TrainedModel {
  readonly name: string
  /**
   * Scores every item for training row `row` into `out` (length = items); higher is better. The caller
   * removes items the person already has and takes the top K.
   */
  scoreRow(row: number, out: Float32Array): void
  /** Bytes the model holds (for the memory figures next to training time). */
  readonly bytes: number
  /** Latent factors, for models that learn them (serving scores people and items from these). */
  readonly factors?: { dim: number; people: Float32Array; items: Float32Array }
}

export interface ModelSpec<P extends object = Record<string, number>> {
  readonly name: string
  readonly defaults: P
  /** Settings tried on the validation split; the best by NDCG@10 is refitted on all training data. */
  readonly grid: readonly P[]
  train(x: Csr, params: P, ctx: TrainContext): Promise<TrainedModel>
}
