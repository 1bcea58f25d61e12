/**
 * Runs models through a protocol: tune each on the validation split over its grid (best NDCG@10),
 * refit the chosen setting on all training data, evaluate on the test split. Records the final fit's
 * wall time, the tuning time and the peak memory growth while training. Bestsellers (`popularity`)
 * always run, as the baseline every other figure is read against.
 */
import os from 'node:os'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { AttuneError } from '../core/index.ts'
import { type Csr, MODELS, type ModelSpec, type Pool, type TrainContext, type TrainedModel, startPool } from '../models/index.ts'
import { evaluate, type MetricValues } from './metrics.ts'
import type { Protocol } from './protocols.ts'

/** Settings are tuned on NDCG at this K, whatever K the report uses (as every BASELINES.md does). */
export const TUNING_K = 10
export const BASELINE_MODEL = 'popularity'
/** Training pairs from which tuning shares one worker pool across the grid. */
const POOL_MIN_PAIRS = 10_000

export interface RunProgress {
  model: string
  phase: 'tuning' | 'training' | 'evaluating'
  /** Share of the phase done, in [0, 1]. */
  fraction: number
  note: string
}

export interface RunOptions {
  /** Model names from MODELS; popularity is added when missing. Default: every model. */
  models?: readonly string[]
  k?: number
  seed?: number
  /** Tune on the validation split (default true); false trains each model's defaults. */
  tune?: boolean
  threads?: number
  onProgress?: (progress: RunProgress) => void
}

export interface TuningTrial {
  params: Record<string, unknown>
  ndcg: number
}

export interface ModelResult {
  metrics: MetricValues
  params: Record<string, unknown>
  trainSeconds: number
  tuningSeconds: number
  /**
   * Peak memory growth while the final fit ran, MB: the larger of the two measures below (the heap misses
   * worker threads; the resident set misses memory reused from earlier fits).
   */
  peakMB: number
  /** Peak growth of the main thread's JS heap + array buffers, MB (garbage not yet collected included). */
  peakHeapMB: number
  /** Peak growth of the process's resident set, MB. */
  peakRssMB: number
  /** What the trained model says it holds, MB. */
  modelMB: number
  trials: TuningTrial[]
}

export interface RunReport {
  k: number
  seed: number
  tuned: boolean
  models: Record<string, ModelResult>
}

/** Model names to run: the requested ones (checked), with the baseline first. */
export function modelNames(requested: readonly string[] | undefined): string[] {
  const names = requested && requested.length > 0 ? [...requested] : Object.keys(MODELS)
  const unknown = names.filter((n) => !MODELS[n])
  if (unknown.length > 0) {
    throw new AttuneError('invalid_field', `--models: unknown model ${unknown.join(', ')}; models: ${Object.keys(MODELS).join(', ')}`, '--models')
  }
  return [BASELINE_MODEL, ...names.filter((n) => n !== BASELINE_MODEL)]
}

// A full collection before each fit makes the memory baseline honest; Node exposes gc only behind a
// flag, which can be set at run time for contexts created afterwards.
let collect: (() => void) | null | undefined
function gc(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    } catch {
      collect = null
    }
  }
  collect?.()
}

/** Samples memory while a (possibly multi-threaded) training runs; the peak growth over the start. */
class MemorySampler {
  readonly #heap0: number
  readonly #rss0: number
  #heapPeak: number
  #rssPeak: number
  readonly #timer: NodeJS.Timeout

  /** Collects garbage first, and waits for freed array buffers to be released (V8 does that off-thread). */
  static async start(): Promise<MemorySampler> {
    gc()
    let before = process.memoryUsage().arrayBuffers
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      const now = process.memoryUsage().arrayBuffers
      if (now === before) break
      before = now
    }
    return new MemorySampler()
  }

  private constructor() {
    const m = process.memoryUsage()
    this.#heap0 = this.#heapPeak = m.heapUsed + m.arrayBuffers
    this.#rss0 = this.#rssPeak = m.rss
    // Fires only while training awaits (worker threads); synchronous trainers are seen at the end.
    this.#timer = setInterval(() => this.sample(), 20)
    this.#timer.unref()
  }

  sample(): void {
    const m = process.memoryUsage()
    this.#heapPeak = Math.max(this.#heapPeak, m.heapUsed + m.arrayBuffers)
    this.#rssPeak = Math.max(this.#rssPeak, m.rss)
  }

  stop(): { heapMB: number; rssMB: number } {
    this.sample()
    clearInterval(this.#timer)
    return { heapMB: (this.#heapPeak - this.#heap0) / 2 ** 20, rssMB: (this.#rssPeak - this.#rss0) / 2 ** 20 }
  }
}

type ContextFor = (phase: RunProgress['phase'], base: number, share: number, counts: Csr, pool?: Pool) => TrainContext

/**
 * Every grid setting trained on the validation split and scored by NDCG@10; the best wins (the first
 * on a tie). Without tuning, the model's defaults (or its only setting).
 */
async function tuneModel(spec: ModelSpec<any>, protocol: Protocol, tune: boolean, threads: number, ctxFor: ContextFor, report: (p: RunProgress) => void) {
  const trials: TuningTrial[] = []
  const grid = tune && spec.grid.length > 1 ? spec.grid : []
  if (grid.length === 0) return { params: { ...(tune && spec.grid.length === 1 ? spec.grid[0] : spec.defaults) }, trials }
  // Workers boot once for the whole grid (~0.2 s per fit otherwise). A given pool is always used, so
  // small data (where models would stay in this thread) gets none.
  const split = protocol.validation
  const pool = threads > 1 && split.train.indptr[split.train.rows]! >= POOL_MIN_PAIRS ? await startPool(threads) : undefined
  try {
    for (const [i, setting] of grid.entries()) {
      report({ model: spec.name, phase: 'tuning', fraction: i / grid.length, note: `${i + 1}/${grid.length} ${formatParams(setting)}` })
      const model = await spec.train(split.train, setting, ctxFor('tuning', i / grid.length, 1 / grid.length, split.occurrences, pool))
      trials.push({ params: { ...setting }, ndcg: evaluate(model, split, { k: TUNING_K }).ndcg })
    }
  } finally {
    await pool?.close()
  }
  return { params: trials.reduce((best, t) => (t.ndcg > best.ndcg ? t : best)).params, trials }
}

/** Runs the models on the protocol; deterministic given the seed (models draw from ctx.seed). */
export async function runModels(protocol: Protocol, options: RunOptions = {}): Promise<RunReport> {
  const k = options.k ?? 10
  const seed = options.seed ?? 42
  const tune = options.tune ?? true
  const threads = options.threads ?? Math.max(1, os.availableParallelism())
  const report = (progress: RunProgress) => options.onProgress?.(progress)
  const results: Record<string, ModelResult> = {}
  // Settings chosen so far, so a blend (hybrid) reuses what its parts were tuned to.
  const chosen: Record<string, object> = {}
  for (const name of modelNames(options.models)) {
    const spec = MODELS[name]!
    const ctxFor: ContextFor = (phase, base, share, counts, pool) => ({
      threads,
      seed,
      tuned: chosen,
      counts,
      ...(pool && { pool }),
      onProgress: (fraction, note) => report({ model: name, phase, fraction: base + share * fraction, note }),
    })

    const tuneStart = performance.now()
    const { params, trials } = await tuneModel(spec, protocol, tune, threads, ctxFor, report)
    const tuningSeconds = (performance.now() - tuneStart) / 1000
    chosen[name] = params

    // The final fit on all training data, timed and watched on its own (workers booted inside count).
    report({ model: name, phase: 'training', fraction: 0, note: formatParams(params) })
    const sampler = await MemorySampler.start()
    const start = performance.now()
    const model = await spec.train(protocol.test.train, params, ctxFor('training', 0, 1, protocol.test.occurrences))
    const trainSeconds = (performance.now() - start) / 1000
    const memory = sampler.stop()

    report({ model: name, phase: 'evaluating', fraction: 0, note: `${protocol.test.test.length} people` })
    const metrics = evaluate(model, protocol.test, {
      k,
      onProgress: (fraction) => report({ model: name, phase: 'evaluating', fraction, note: '' }),
    })
    report({ model: name, phase: 'evaluating', fraction: 1, note: `ndcg@${k} ${metrics.ndcg.toFixed(4)}` })
    results[name] = {
      metrics,
      params,
      trainSeconds,
      tuningSeconds,
      peakMB: Math.max(0, memory.heapMB, memory.rssMB),
      peakHeapMB: Math.max(0, memory.heapMB),
      peakRssMB: Math.max(0, memory.rssMB),
      modelMB: model.bytes / 2 ** 20,
      trials,
    }
  }
  return { k, seed, tuned: tune, models: results }
}

/** `k=100 shrink=10` for tables and progress notes. */
export function formatParams(params: object): string {
  const entries = Object.entries(params)
  return entries.length === 0 ? '-' : entries.map(([key, v]) => `${key}=${v}`).join(' ')
}
