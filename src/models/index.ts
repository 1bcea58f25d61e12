/**
 * @module models
 * Recommender models trained from interactions (sparse people × items matrices), and the numeric
 * kernels they share.
 */
export { binarize, csrFromTriples, rowIndices, transpose } from './csr.ts'
export { peoplePerItem, popularity } from './popularity.ts'
export type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'
import { popularity } from './popularity.ts'
import type { ModelSpec } from './types.ts'

/** Every model by name (the evaluation harness and the trainer pick from here). */
export const MODELS: Record<string, ModelSpec<any>> = {
  popularity,
}
