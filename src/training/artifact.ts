/**
 * A trained model version as the serving path uses it: rankings, item-to-item neighbours per strategy,
 * and (when trained) latent factors, all over dense item indices. Stored in the store as one blob
 * (V8's serializer keeps typed arrays and maps as they are), loaded whole by every API node.
 */
import v8 from 'node:v8'
import type { Complement, ContentIndex, Neighbours } from '../models/index.ts'

export const ARTIFACT_FORMAT = 3

export interface Factors {
  dim: number
  /** people × dim, row-major, rows in `Artifact.people` order. */
  people: Float32Array
  /** items × dim, row-major. */
  items: Float32Array
}

export interface Artifact {
  format: typeof ARTIFACT_FORMAT
  version: string
  createdAt: number
  /** Item ids by index. */
  items: string[]
  /** Each item's primary category path ('' when it has none), by index. */
  primaryCategory: string[]
  /** Each item's brand ('' when it has none), by index. */
  brand: string[]
  /** People with learned factors, by row. */
  people: string[]
  /** Distinct people per item, over every kept interaction. */
  popularity: Float32Array
  /** Best first. */
  bestsellers: Int32Array
  trending: Int32Array
  newArrivals: Int32Array
  perCategory: Map<string, Int32Array>
  /** Bestsellers per brand. */
  perBrand: Map<string, Int32Array>
  /** Per leaf category, the categories bought with it in the same orders (learned from baskets), strongest first. */
  complements: Map<string, Complement[]>
  alsoBought: Neighbours
  alsoViewed: Neighbours
  completeTheLook: Neighbours
  similar: Neighbours
  /** The TF-IDF space of the trained catalogue: items added after training are compared with it live. */
  content: ContentIndex | null
  /** Item-to-item neighbours over all behaviour, weighted by event type: "for you" and session re-ranking. */
  personal: Neighbours
  factors: Factors | null
  /** Blend of the personal sources, tuned on a validation split. */
  blend: { neighbours: number; factors: number; popularity: number }
}

export function serializeArtifact(a: Artifact): Uint8Array {
  return v8.serialize(a)
}

export function deserializeArtifact(bytes: Uint8Array): Artifact {
  const a = v8.deserialize(bytes) as Omit<Artifact, 'format'> & { format: number }
  // A version 2 model serves on, without what it did not learn (brands, complements, the content space).
  if (a?.format === 2) return { ...a, format: ARTIFACT_FORMAT, brand: a.items.map(() => ''), perBrand: new Map(), complements: new Map(), content: null }
  if (a?.format !== ARTIFACT_FORMAT) throw new Error(`model artifact format ${String(a?.format)} is not ${ARTIFACT_FORMAT}; train again`)
  return a as Artifact
}
