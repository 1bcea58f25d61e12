/**
 * One training run: from `TrainingData` to an `Artifact`. First the personal sources (item neighbours,
 * latent factors, bestsellers) are tuned as a blend on a temporal validation split (the last tenth of
 * the time range), always next to the bestseller baseline; then every part is fitted on all the data.
 */
import { buildSplit, evaluate, type MetricValues } from '../evaluation/index.ts'
import { type ClvOptions, type ClvPrediction, categoryComplements, type Complement, complementNeighbours, contentIndex, contentNeighbours, type Csr, csrFromTriples, EASE_MAX_ITEMS, easeNeighbours, ials, itemNeighbours, type Neighbours, newArrivals, peoplePerItem, perCategoryRankings, ranking, rankingsBy, type TrainedModel, trendingScores } from '../models/index.ts'
import { ARTIFACT_FORMAT, type Artifact, type Factors } from './artifact.ts'
import { type ClvSummary, trainClv } from './clv-step.ts'
import { KINDS, type TrainingData } from './training-data.ts'

export interface PipelineOptions {
  threads: number
  seed: number
  /** Latent factors are trained when there are at least this many people (default 50). */
  factorsMinPeople?: number
  /** The CLV fit's minimums (default: 500 repeat buyers over 180 days; below them, RFM percentiles). */
  clv?: ClvOptions | undefined
  onProgress?: (fraction: number, note: string) => void
}

export interface TrainingSummary {
  people: number
  items: number
  interactions: number
  excluded: TrainingData['excluded']
  validation: { people: number; cutoff: string | null; metrics: Record<string, MetricValues>; blend: Artifact['blend']; personal: PersonalSource } | null
  /** The lifetime-value fit (BG/NBD + Gamma-Gamma, or the RFM fallback with its note) and its holdout check. */
  clv: ClvSummary
  seconds: Record<string, number>
}

/** Where the personal neighbours come from: co-occurrence cosine, or EASE's weights pruned per item. */
export type PersonalSource = { kind: 'cosine' } | { kind: 'ease'; lambda: number }

/** EASE is tried when its dense training stays quick (seconds, not minutes, on two cores). */
const EASE_TRAINING_ITEMS = 6000
const EASE_LAMBDAS = [100, 500]

async function personalNeighbours(x: Csr, source: PersonalSource, options: PipelineOptions): Promise<Neighbours> {
  return source.kind === 'ease'
    ? easeNeighbours(x, source.lambda, 100, { threads: options.threads, seed: options.seed })
    : itemNeighbours(x, { k: 100, shrink: 0, minSupport: 1 })
}

const PURCHASE = KINDS.indexOf('purchase')
const RATING = KINDS.indexOf('rating')
const VIEW = KINDS.indexOf('view')
const CLICK = KINDS.indexOf('click')
const BLEND_GRID = [0, 0.5, 1].flatMap((neighbours) => [0, 0.5, 1].flatMap((factors) => [0, 0.05].map((popularity) => ({ neighbours, factors, popularity })))).filter((b) => b.neighbours + b.factors > 0)

/** People × items with the summed event weights of the interactions `keep` accepts. */
function matrix(d: TrainingData, keep: (i: number) => boolean): Csr {
  const r: number[] = []
  const c: number[] = []
  const v: number[] = []
  for (let i = 0; i < d.person.length; i++) {
    if (!keep(i)) continue
    r.push(d.person[i]!)
    c.push(d.item[i]!)
    v.push(d.weight[i]!)
  }
  return csrFromTriples(d.people.length, d.items.length, r, c, v)
}

/** Orders × items (purchase lines only), and the categories bought together learned from them. */
function basketsOf(d: TrainingData, keep: (i: number) => boolean = () => true): { baskets: Csr; complements: Map<string, Complement[]> } {
  const r: number[] = []
  const c: number[] = []
  const categories: string[][] = Array.from({ length: d.baskets }, () => [])
  for (let i = 0; i < d.person.length; i++) {
    const b = d.basket[i]!
    if (b < 0 || !keep(i)) continue
    r.push(b)
    c.push(d.item[i]!)
    categories[b]!.push(d.items[d.item[i]!]!.categories[0] ?? '')
  }
  return { baskets: csrFromTriples(d.baskets, d.items.length, r, c), complements: categoryComplements(categories) }
}

/** Scores from a person's items and their neighbours (log-damped weights: one item viewed 40 times is not 40 items). */
export function neighbourModel(x: Csr, nb: Neighbours): TrainedModel {
  return {
    name: 'neighbours',
    bytes: nb.indices.byteLength + nb.scores.byteLength,
    scoreRow(row, out) {
      for (let k = x.indptr[row]!; k < x.indptr[row + 1]!; k++) {
        const i = x.indices[k]!
        const w = Math.log1p(x.values[k]!)
        for (let a = nb.indptr[i]!; a < nb.indptr[i + 1]!; a++) out[nb.indices[a]!]! += w * nb.scores[a]!
      }
    },
  }
}

function popularityModel(counts: Float32Array): TrainedModel {
  return { name: 'bestsellers', bytes: counts.byteLength, scoreRow: (_row, out) => out.set(counts) }
}

/** A weighted sum of models, each scaled to a maximum of 1 for the person so weights are comparable. */
function blendModel(parts: { model: TrainedModel; weight: number }[], items: number): TrainedModel {
  const tmp = new Float32Array(items)
  return {
    name: 'blend',
    bytes: 0,
    scoreRow(row, out) {
      out.fill(0)
      for (const { model, weight } of parts) {
        if (weight === 0) continue
        tmp.fill(0)
        model.scoreRow(row, tmp)
        let max = 0
        for (let j = 0; j < items; j++) if (tmp[j]! > max) max = tmp[j]!
        if (max > 0) for (let j = 0; j < items; j++) out[j]! += (weight * tmp[j]!) / max
      }
    },
  }
}

async function factorModel(x: Csr, options: PipelineOptions): Promise<TrainedModel | null> {
  if (x.rows < (options.factorsMinPeople ?? 50) || x.cols < 10) return null
  // Confidence grows with the log of the summed weights, so a heavy viewer does not drown the rest.
  const damped: Csr = { ...x, values: x.values.map((v) => Math.log1p(v)) }
  return ials.train(damped, { factors: 48, reg: 10, alpha: 5, iterations: 10, cgSteps: 3 }, { threads: options.threads, seed: options.seed })
}

/**
 * Each item-to-item strategy as a recommender from the person's history (their items' neighbours), on
 * the validation split: how well "also bought", "also viewed", "complete the look" and "similar" predict
 * what the person went on to buy, next to bestsellers.
 */
function strategyMetrics(d: TrainingData, split: ReturnType<typeof buildSplit>, cutoff: number): Record<string, MetricValues> {
  const users = new Map(split.users.map((u, i) => [u, i]))
  const items = new Map(split.items.map((it, i) => [it, i]))
  const sub = (keep: (i: number) => boolean) => {
    const r: number[] = []
    const c: number[] = []
    for (let i = 0; i < d.person.length; i++) {
      const u = users.get(d.people[d.person[i]!]!)
      const j = items.get(d.items[d.item[i]!]!.id)
      if (d.time[i]! < cutoff && u !== undefined && j !== undefined && keep(i)) {
        r.push(u)
        c.push(j)
      }
    }
    return csrFromTriples(split.users.length, split.items.length, r, c)
  }
  const bought = sub((i) => d.kind[i] === PURCHASE || d.kind[i] === RATING)
  const viewed = sub((i) => d.kind[i] === VIEW || d.kind[i] === CLICK)
  const byId = new Map(d.items.map((it) => [it.id, it]))
  // Complete the look from the baskets before the cutoff, over the split's items.
  const before = basketsOf(d, (i) => d.time[i]! < cutoff)
  const toSplit = Int32Array.from(d.items, (it) => items.get(it.id) ?? -1)
  const r: number[] = []
  const c: number[] = []
  for (let b = 0; b < before.baskets.rows; b++) {
    for (let k = before.baskets.indptr[b]!; k < before.baskets.indptr[b + 1]!; k++) {
      const j = toSplit[before.baskets.indices[k]!]!
      if (j >= 0) (r.push(b), c.push(j))
    }
  }
  const splitCategory = split.items.map((id) => byId.get(id)?.categories[0] ?? '')
  const strategies: Record<string, Neighbours> = {
    'also-bought': itemNeighbours(bought, { k: 50, shrink: 5, minSupport: 1 }),
    'also-viewed': itemNeighbours(viewed, { k: 50, shrink: 10, minSupport: 2 }),
    'complete-the-look': complementNeighbours(csrFromTriples(before.baskets.rows, split.items.length, r, c), splitCategory, before.complements),
    similar: contentNeighbours(split.items.map((id) => byId.get(id)!), 50),
  }
  return Object.fromEntries(Object.entries(strategies).map(([name, nb]) => [name, evaluate(neighbourModel(split.train, nb), split, { k: 10 })]))
}

async function validate(d: TrainingData, options: PipelineOptions): Promise<TrainingSummary['validation']> {
  if (d.person.length < 50) return null
  const times = Float64Array.from(d.time).sort()
  const cutoff = times[0]! + 0.9 * (times.at(-1)! - times[0]!)
  const strong = (i: number) => d.kind[i] === PURCHASE || d.kind[i] === RATING || d.kind[i] === KINDS.indexOf('cart')
  const train = []
  const test = new Map<string, string[]>()
  for (let i = 0; i < d.person.length; i++) {
    const user = d.people[d.person[i]!]!
    const item = d.items[d.item[i]!]!.id
    if (d.time[i]! < cutoff) train.push({ user, item, value: d.weight[i]! })
    else if (strong(i)) test.set(user, [...(test.get(user) ?? []), item])
  }
  const split = buildSplit({ train, test, repeats: false })
  if (split.test.length < 10) return null
  const x = split.train
  const counts = peoplePerItem(x)
  let personal: PersonalSource = { kind: 'cosine' }
  let neighbours = neighbourModel(x, await personalNeighbours(x, personal, options))
  const metrics: Record<string, MetricValues> = { neighbours: evaluate(neighbours, split, { k: 10 }) }
  // EASE, chosen automatically when the catalogue is small enough and it validates better.
  let bestNdcg = metrics.neighbours!.ndcg
  if (x.cols <= Math.min(EASE_TRAINING_ITEMS, EASE_MAX_ITEMS)) {
    for (const lambda of EASE_LAMBDAS) {
      const candidate = neighbourModel(x, await personalNeighbours(x, { kind: 'ease', lambda }, options))
      const m = evaluate(candidate, split, { k: 10 })
      metrics[`ease-${lambda}`] = m
      if (m.ndcg > bestNdcg + 1e-9) {
        bestNdcg = m.ndcg
        personal = { kind: 'ease', lambda }
        neighbours = candidate
      }
    }
  }
  const factors = await factorModel(x, options)
  const base = popularityModel(counts)
  metrics.bestsellers = evaluate(base, split, { k: 10 })
  metrics.personal = evaluate(neighbours, split, { k: 10 })
  if (factors) metrics.factors = evaluate(factors, split, { k: 10 })
  Object.assign(metrics, strategyMetrics(d, split, cutoff))
  let best: { blend: Artifact['blend']; ndcg: number } = { blend: { neighbours: 1, factors: 0, popularity: 0 }, ndcg: metrics.personal!.ndcg }
  for (const b of BLEND_GRID) {
    if (b.factors > 0 && !factors) continue
    const model = blendModel([{ model: neighbours, weight: b.neighbours }, ...(factors ? [{ model: factors, weight: b.factors }] : []), { model: base, weight: b.popularity }], x.cols)
    const m = evaluate(model, split, { k: 10 })
    if (m.ndcg > best.ndcg + 1e-9) best = { blend: b, ndcg: m.ndcg }
  }
  metrics.blend = evaluate(
    blendModel([{ model: neighbours, weight: best.blend.neighbours }, ...(factors ? [{ model: factors, weight: best.blend.factors }] : []), { model: base, weight: best.blend.popularity }], x.cols),
    split,
    { k: 10 },
  )
  return { people: split.test.length, cutoff: new Date(cutoff).toISOString(), metrics, blend: best.blend, personal }
}

export async function trainArtifact(d: TrainingData, version: string, options: PipelineOptions): Promise<{ artifact: Artifact; summary: TrainingSummary; predictions: ClvPrediction[] }> {
  const seconds: Record<string, number> = {}
  let done = 0
  // Each step is reported as it starts (the stage a run is at) and again when it ends (its share done).
  const timed = async <T>(name: string, share: number, work: () => T | Promise<T>): Promise<T> => {
    options.onProgress?.(done, name)
    const started = performance.now()
    const result = await work()
    seconds[name] = Math.round(performance.now() - started) / 1000
    done = share
    options.onProgress?.(share, name)
    return result
  }
  const validation = await timed('validation', 0.4, () => validate(d, options))
  const clv = await timed('clv', 0.45, () => trainClv(d.orders, d.now, options.clv))
  const all = matrix(d, () => true)
  const bought = matrix(d, (i) => d.kind[i] === PURCHASE || d.kind[i] === RATING)
  const viewed = matrix(d, (i) => d.kind[i] === VIEW || d.kind[i] === CLICK)
  const popularity = peoplePerItem(all)
  const sold = peoplePerItem(bought)
  const sales = sold.some((v) => v > 0) ? sold : popularity
  const primaryCategory = d.items.map((it) => it.categories[0] ?? '')
  const { baskets, complements } = basketsOf(d)
  const parts = await timed('neighbours', 0.6, () => ({
    alsoBought: itemNeighbours(bought, { k: 50, shrink: 5, minSupport: 1 }),
    alsoViewed: itemNeighbours(viewed, { k: 50, shrink: 10, minSupport: 2 }),
    completeTheLook: complementNeighbours(baskets, primaryCategory, complements),
  }))
  const personal = await timed('personal', 0.65, () => personalNeighbours(all, validation?.personal ?? { kind: 'cosine' }, options))
  const content = contentIndex(d.items)
  const similar = await timed('content', 0.7, () => contentNeighbours(d.items, 50, content))
  const blend = validation?.blend ?? { neighbours: 1, factors: 0, popularity: 0 }
  let factors: Factors | null = null
  if (blend.factors > 0) {
    const model = await timed('factors', 0.95, () => factorModel(all, options))
    factors = model?.factors ?? null
  }
  const interactions = Array.from(d.item, (item, i) => ({ item, time: d.time[i]!, weight: d.weight[i]! }))
  const artifact: Artifact = {
    format: ARTIFACT_FORMAT,
    version,
    createdAt: d.now,
    items: d.items.map((it) => it.id),
    primaryCategory,
    brand: d.items.map((it) => it.brand ?? ''),
    people: d.people,
    popularity,
    bestsellers: ranking(sales, 1000),
    trending: ranking(trendingScores(interactions, d.items.length, d.now), 1000),
    newArrivals: newArrivals(d.items.map((it) => Date.parse(it.createdAt))),
    perCategory: perCategoryRankings(sales, (i) => d.items[i]!.categories),
    perBrand: rankingsBy(sales, (i) => [d.items[i]!.brand ?? '']),
    complements,
    ...parts,
    personal,
    similar,
    content,
    factors,
    blend: factors ? blend : { ...blend, factors: 0 },
  }
  options.onProgress?.(1, 'done')
  return {
    artifact,
    summary: { people: d.people.length, items: d.items.length, interactions: d.person.length, excluded: d.excluded, validation, clv: clv.summary, seconds },
    predictions: clv.predictions,
  }
}
