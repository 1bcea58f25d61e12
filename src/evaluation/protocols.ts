/**
 * Evaluation protocols: how interactions become a training matrix and per-person truth. The dataset
 * protocols follow each dataset's BASELINES.md to the letter, so figures are comparable with the
 * reference results there; the generic ones (`--orders`, `--events`, the store) follow the issue: a
 * temporal split by default, a seeded per-user split on request. Each protocol also makes its
 * validation split by applying the same rule again to the training part (for tuning, never the test).
 */
import { createHash } from 'node:crypto'
import type { Dataset, DatasetName, Interaction } from './datasets.ts'
import { KIND_WEIGHTS } from './datasets.ts'
import { type Split, type TrainPair, buildSplit } from './split.ts'

export interface Protocol {
  name: string
  description: string
  /** What made the split (seed, fraction, cutoffs), for the JSON report. */
  settings: Record<string, string | number | boolean>
  test: Split
  validation: Split
}

/** A positive interaction with its training value and whether it can be truth. */
interface Positive {
  user: string
  item: string
  time: number
  value: number
  truth: boolean
}

/** Which test interactions are truth: purchases only, every positive, or purchases when the data has any. */
export type TruthKinds = 'auto' | 'purchases' | 'all'

export interface PositiveOptions {
  /** Ratings at or above this are positives; lower ones are not used (default 4). */
  minRating?: number
  truth?: TruthKinds
  /** Binary training matrix (the benchmark protocols) instead of kind weights. */
  binary?: boolean
}

/** Keeps positives (ratings >= minRating, every other kind), each with its training value. */
export function positives(interactions: readonly Interaction[], options: PositiveOptions = {}): Positive[] {
  const minRating = options.minRating ?? 4
  let truth = options.truth ?? 'auto'
  if (truth === 'auto') truth = interactions.some((x) => x.kind === 'order_completed') ? 'purchases' : 'all'
  const out: Positive[] = []
  for (const x of interactions) {
    if (x.rating !== undefined && !(x.rating >= minRating)) continue
    const value = options.binary ? 1 : (x.weight ?? KIND_WEIGHTS[x.kind ?? ''] ?? 1)
    out.push({ user: x.user, item: x.item, time: x.time, value, truth: truth === 'all' || x.kind === 'order_completed' })
  }
  return out
}

function byUser(list: readonly Positive[]): Map<string, Positive[]> {
  const map = new Map<string, Positive[]>()
  for (const p of list) {
    const own = map.get(p.user)
    if (own) own.push(p)
    else map.set(p.user, [p])
  }
  return map
}

/** How many of n go to test: `floor(fraction n + 0.5)` (0.2 n rounded half up), at least one. */
export function testCount(n: number, fraction: number): number {
  return Math.max(1, Math.floor(fraction * n + 0.5))
}

interface Partition {
  train: Positive[]
  test: Map<string, string[]>
}

function toSplit(p: Partition, repeats: boolean): Split {
  const train: TrainPair[] = p.train
  return buildSplit({ train, test: p.test, repeats })
}

/** Lowercase hex SHA-256 of `seed:user:item`, the order of the hashed split. */
export function pairHash(seed: number, user: string, item: string): string {
  return createHash('sha256').update(`${seed}:${user}:${item}`).digest('hex')
}

/**
 * Per-user hashed split: a person's distinct items ordered by `pairHash` ascending; with at least
 * `minPositives` items, the last `testCount` go to test. Reproducible in any language.
 */
export function hashedPartition(list: readonly Positive[], seed: number, fraction: number, minPositives: number): Partition {
  const train: Positive[] = []
  const test = new Map<string, string[]>()
  for (const [user, own] of byUser(list)) {
    // One entry per item: the strongest value, truth if any of its interactions is.
    const pairs = new Map<string, Positive>()
    for (const p of own) {
      const old = pairs.get(p.item)
      pairs.set(p.item, old ? { ...old, value: Math.max(old.value, p.value), truth: old.truth || p.truth } : p)
    }
    const ordered = [...pairs.values()].map((p) => ({ p, h: pairHash(seed, user, p.item) })).sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    const n = ordered.length
    const cut = n >= minPositives ? n - testCount(n, fraction) : n
    for (let i = 0; i < cut; i++) train.push(ordered[i]!.p)
    const truth = ordered.slice(cut).filter((x) => x.p.truth).map((x) => x.p.item)
    if (truth.length > 0) test.set(user, truth)
  }
  return { train, test }
}

/**
 * Per-user temporal split: a person's positives by time, equal times by item id as text (the order that
 * reproduces the reference's 5,299 training items); with at least `minPositives`, the last `testCount`
 * are test. People with fewer are left out (`dropFew`) or kept in training.
 */
export function perUserTemporalPartition(list: readonly Positive[], fraction: number, minPositives: number, dropFew: boolean): Partition {
  const train: Positive[] = []
  const test = new Map<string, string[]>()
  for (const [user, own] of byUser(list)) {
    const sorted = [...own].sort((a, b) => a.time - b.time || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0))
    const n = sorted.length
    if (n < minPositives && dropFew) continue
    const cut = n >= minPositives ? n - testCount(n, fraction) : n
    for (let i = 0; i < cut; i++) train.push(sorted[i]!)
    const truth = sorted.slice(cut).filter((p) => p.truth).map((p) => p.item)
    if (truth.length > 0) test.set(user, truth)
  }
  return { train, test }
}

/**
 * Global temporal split: cutoff = first + (1 - fraction)(last - first) over all times; before the
 * cutoff is training, at or after it is test.
 */
export function globalTemporalPartition(list: readonly Positive[], fraction: number): Partition & { cutoff: number } {
  let first = Infinity
  let last = -Infinity
  for (const p of list) {
    if (p.time < first) first = p.time
    if (p.time > last) last = p.time
  }
  const cutoff = first + (1 - fraction) * (last - first)
  const train: Positive[] = []
  const test = new Map<string, string[]>()
  for (const p of list) {
    if (p.time < cutoff) train.push(p)
    else if (p.truth) {
      const own = test.get(p.user)
      if (own) own.push(p.item)
      else test.set(p.user, [p.item])
    }
  }
  return { train, test, cutoff }
}

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString()

/** ML-100K "per-user hashed 80/20, seed 42" (movielens-100k/BASELINES.md). */
export function ml100kProtocol(interactions: readonly Interaction[]): Protocol {
  const seed = 42
  const all = positives(interactions, { minRating: 4, truth: 'all', binary: true })
  const outer = hashedPartition(all, seed, 0.2, 5)
  // Validation: the same rule on the training pairs (same seed, so they keep their hash order).
  const inner = hashedPartition(outer.train, seed, 0.2, 5)
  return {
    name: 'movielens-100k',
    description: 'per-user hashed 80/20, seed 42: ratings >= 4, SHA-256("42:user:item") order, last floor(0.2n + 0.5) of people with >= 5 positives are test',
    settings: { seed, testFraction: 0.2, minPositives: 5, minRating: 4 },
    test: toSplit(outer, false),
    validation: toSplit(inner, false),
  }
}

/** ML latest-small "per-user temporal 80/20" (movielens-latest-small/BASELINES.md). */
export function mlTemporalProtocol(interactions: readonly Interaction[]): Protocol {
  const all = positives(interactions, { minRating: 4, truth: 'all', binary: true })
  // Only the people with >= 5 positives take part (603); validation applies the same rule again.
  const outer = perUserTemporalPartition(all, 0.2, 5, true)
  const inner = perUserTemporalPartition(outer.train, 0.2, 5, true)
  return {
    name: 'movielens-latest-small',
    description: 'per-user temporal 80/20: ratings >= 4; people with >= 5 positives put their last 20% by time (rounded, at least one) in test',
    settings: { testFraction: 0.2, minPositives: 5, minRating: 4 },
    test: toSplit(outer, false),
    validation: toSplit(inner, false),
  }
}

/** Online Retail "global temporal 80/20", new items or with re-purchases (online-retail/BASELINES.md). */
export function onlineRetailProtocol(interactions: readonly Interaction[], repeats: boolean): Protocol {
  const all = positives(interactions, { truth: 'all', binary: true })
  const outer = globalTemporalPartition(all, 0.2)
  const inner = globalTemporalPartition(outer.train, 0.2)
  return {
    name: repeats ? 'online-retail-repurchase' : 'online-retail',
    description: repeats
      ? 'global temporal 80/20 with re-purchases: truth keeps items bought again, nothing is excluded'
      : 'global temporal 80/20, new items: items bought before the cutoff are neither truth nor recommended',
    settings: { testFraction: 0.2, repeats, cutoff: iso(outer.cutoff), validationCutoff: iso(inner.cutoff) },
    test: toSplit(outer, repeats),
    validation: toSplit(inner, repeats),
  }
}

export interface GenericOptions extends PositiveOptions {
  split: 'temporal' | 'random'
  /** Share of the time range (temporal) or of each person's items (random) held out; default 0.2. */
  testFraction?: number
  /** Seeds the random split's hash order. */
  seed?: number
  /** Re-purchases count as truth and nothing is excluded (default false). */
  repeats?: boolean
  /** People with fewer items are all training in the random split (default 5). */
  minPositives?: number
}

/** The protocol for a shop's own data: files or the store. */
export function genericProtocol(name: string, interactions: readonly Interaction[], options: GenericOptions): Protocol {
  const fraction = options.testFraction ?? 0.2
  const repeats = options.repeats ?? false
  const all = positives(interactions, options)
  const truth = options.truth ?? 'auto'
  if (options.split === 'random') {
    const seed = options.seed ?? 42
    const minPositives = options.minPositives ?? 5
    const outer = hashedPartition(all, seed, fraction, minPositives)
    const inner = hashedPartition(outer.train, seed, fraction, minPositives)
    return {
      name,
      description: `per-user random ${Math.round((1 - fraction) * 100)}/${Math.round(fraction * 100)} split (SHA-256 order, seed ${seed})`,
      settings: { split: 'random', seed, testFraction: fraction, minPositives, repeats, truth },
      test: toSplit(outer, repeats),
      validation: toSplit(inner, repeats),
    }
  }
  const outer = globalTemporalPartition(all, fraction)
  const inner = globalTemporalPartition(outer.train, fraction)
  return {
    name,
    description: `temporal split: the last ${Math.round(fraction * 100)}% of the time range is test; only people seen in training are scored`,
    settings: { split: 'temporal', testFraction: fraction, repeats, truth, cutoff: iso(outer.cutoff), validationCutoff: iso(inner.cutoff) },
    test: toSplit(outer, repeats),
    validation: toSplit(inner, repeats),
  }
}

/**
 * OTTO has no BASELINES.md and a session is a person, so a global time cut would leave most sessions on
 * one side: each session's last 20% of events (by time) is its test, clicks, carts and orders alike
 * (orders are too rare to be the only truth), weighted by kind for training.
 */
export function ottoProtocol(interactions: readonly Interaction[]): Protocol {
  const all = positives(interactions, { truth: 'all' })
  const outer = perUserTemporalPartition(all, 0.2, 5, false)
  const inner = perUserTemporalPartition(outer.train, 0.2, 5, false)
  return {
    name: 'otto',
    description: "per-session temporal 80/20: each session's last 20% of events (clicks, carts, orders) is its test",
    settings: { testFraction: 0.2, minPositives: 5, truth: 'all' },
    test: toSplit(outer, false),
    validation: toSplit(inner, false),
  }
}

/** The protocol a dataset's BASELINES.md defines (OTTO has none: a temporal split over all its events). */
export function datasetProtocol(dataset: Dataset): Protocol {
  const name = dataset.name as DatasetName
  switch (name) {
    case 'movielens-100k':
      return ml100kProtocol(dataset.interactions)
    case 'movielens-latest-small':
      return mlTemporalProtocol(dataset.interactions)
    case 'online-retail':
      return onlineRetailProtocol(dataset.interactions, false)
    case 'online-retail-repurchase':
      return onlineRetailProtocol(dataset.interactions, true)
    case 'otto':
      return ottoProtocol(dataset.interactions)
  }
  throw new Error(`no protocol for dataset ${dataset.name}`)
}
