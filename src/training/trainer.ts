/**
 * Runs training: reads the data, trains, stores the artifact as a new version and activates it. In a
 * server or worker process it runs in a thread of its own (`start`), so serving and profile updates go
 * on; `attune train` runs it in its own process (`run`). One run at a time across every node sharing
 * the store: the version row is the lock.
 */
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Config } from '../core/index.ts'
import type { ClvOptions } from '../models/index.ts'
import type { ProfileSettings } from '../profiles/index.ts'
import type { ModelVersion, Store } from '../storage/index.ts'
import { serializeArtifact } from './artifact.ts'
import { trainArtifact } from './pipeline.ts'
import { readTrainingData } from './training-data.ts'

/** A run whose heartbeat is older than this is presumed dead (its process was killed). */
const STALE_MS = 2 * 60 * 1000
const HEARTBEAT_MS = 20 * 1000
const BOOT = fileURLToPath(new URL('../../bin/thread-boot.mjs', import.meta.url))

export interface TrainerOptions {
  threads: number
  seed?: number
  /** The CLV fit's minimums (tests lower them). */
  clv?: ClvOptions
}

export function newVersionId(now: number): string {
  return `v${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 6)}`
}

/** The whole run for a version already recorded as training; marks it ready (and active) or failed. */
export async function runVersion(store: Store, version: ModelVersion, settings: ProfileSettings, options: TrainerOptions): Promise<ModelVersion> {
  let lastReport = 0
  let last = { fraction: 0, note: 'starting' }
  let trailing: NodeJS.Timeout | null = null
  const write = () => {
    if (trailing) clearTimeout(trailing)
    trailing = null
    lastReport = Date.now()
    void store.modelVersions.progress(version.id, last.fraction, last.note).catch(() => {})
  }
  // At most two writes a second; a report held back is written when the half second is over, so the
  // stored stage is never older than that (the dashboard shows it live).
  const report = (fraction: number, note: string) => {
    last = { fraction: Math.round(fraction * 1000) / 1000, note }
    const since = Date.now() - lastReport
    if (since >= 500 || fraction >= 1) write()
    else trailing ??= setTimeout(write, 500 - since)
  }
  // Long synchronous steps report nothing for a while: the heartbeat says the run is alive meanwhile.
  const heartbeat = setInterval(() => void store.modelVersions.progress(version.id, last.fraction, last.note).catch(() => {}), HEARTBEAT_MS)
  try {
    const now = Date.now()
    const data = await readTrainingData(store, settings, now, (events) => report(0.05, `read ${events} events`))
    const { artifact, summary, predictions } = await trainArtifact(data, version.id, {
      threads: options.threads,
      seed: options.seed ?? 42,
      clv: options.clv,
      onProgress: (fraction, note) => report(0.1 + 0.85 * fraction, note),
    })
    // Before the version becomes active, so whoever sees it active also finds its predictions.
    report(0.96, 'predictions')
    await store.predictions.replace(
      predictions.map((p) => ({
        personId: p.person,
        method: p.method,
        probabilityAlive: p.probabilityAlive,
        expectedOrders90: p.expectedOrders90,
        expectedOrders365: p.expectedOrders365,
        predictedValue12m: p.predictedValue12m,
        percentile: p.percentile,
        modelVersion: version.id,
        computedAt: now,
      })),
    )
    const bytes = serializeArtifact(artifact)
    await store.modelVersions.finish(version.id, { ...summary, bytes: bytes.byteLength, events: await store.countEvents() }, bytes, Date.now(), true)
  } catch (error) {
    await store.modelVersions.fail(version.id, (error as Error).stack ?? String(error), Date.now())
  } finally {
    clearInterval(heartbeat)
    if (trailing) clearTimeout(trailing)
  }
  return (await store.modelVersions.get(version.id))!
}

export class Trainer {
  readonly #store: Store
  readonly #config: Config
  readonly #settings: ProfileSettings
  readonly #options: TrainerOptions
  #running: Promise<ModelVersion> | null = null
  #worker: { thread: Worker; versionId: string } | null = null

  constructor(store: Store, config: Config, settings: ProfileSettings, options: TrainerOptions) {
    this.#store = store
    this.#config = config
    this.#settings = settings
    this.#options = options
  }

  /** Records a new version and trains it in a worker thread; null when a run is already going. */
  async start(reason: string): Promise<ModelVersion | null> {
    const now = Date.now()
    const version = await this.#store.modelVersions.start(newVersionId(now), reason, now, STALE_MS)
    if (!version) return null
    this.#running = new Promise<ModelVersion>((resolve) => {
      const worker = new Worker(BOOT, {
        workerData: { entry: new URL('./training-thread-main.ts', import.meta.url).href, config: this.#config, version, options: this.#options, settings: this.#settings },
      })
      this.#worker = { thread: worker, versionId: version.id }
      const finish = async () => {
        this.#worker = null
        resolve((await this.#store.modelVersions.get(version.id).catch(() => null)) ?? version)
      }
      worker.once('error', async (error) => {
        await this.#store.modelVersions.fail(version.id, error.stack ?? String(error), Date.now()).catch(() => {})
        await finish()
      })
      worker.once('exit', () => void finish())
    }).finally(() => {
      this.#running = null
    })
    return version
  }

  /** Trains in this thread (the CLI); null when a run is already going. */
  async run(reason: string): Promise<ModelVersion | null> {
    const now = Date.now()
    const version = await this.#store.modelVersions.start(newVersionId(now), reason, now, STALE_MS)
    return version ? runVersion(this.#store, version, this.#settings, this.#options) : null
  }

  /** Stops a run this process started (shutdown): it is marked failed, so the next start may train again. */
  async stop(): Promise<void> {
    const running = this.#worker
    if (!running) return
    await running.thread.terminate()
    await this.#store.modelVersions.fail(running.versionId, 'interrupted: the process shut down', Date.now()).catch(() => {})
    await this.#running
  }

  /** The run this process started, until it ends. */
  get running(): Promise<ModelVersion> | null {
    return this.#running
  }
}
