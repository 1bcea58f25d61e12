/**
 * The composition root: opens the store, hot state and event stream named by the configuration and
 * wires the services. `attune serve` builds an HTTP app on it, `attune worker` runs its consumers,
 * `attune import` uses the store directly. Closing it flushes every acknowledged event first.
 */
import { CatalogService } from '../catalog/index.ts'
import type { Config } from '../core/index.ts'
import { type HotState, MemoryHotState, RedisHotState } from '../hot-state/index.ts'
import { type CommitStats, EventWriter, IngestService, RejectedRecorder } from '../ingest/index.ts'
import { DEFAULT_LIMITS, type IdentityLimits } from '../identity/index.ts'
import { DEFAULT_WEIGHTS, PROFILE_CONSUMER, ProfileProjector, ProfileService, type ProfileSettings } from '../profiles/index.ts'
import { openStore, type Store } from '../storage/index.ts'
import { ImpressionRecorder, PeopleCache, Recommender } from '../recommend/index.ts'
import { ModelRegistry, Trainer } from '../training/index.ts'
import { SegmentEngine } from '../segments/index.ts'
import { type Consumption, type EventStream, LogTailStream, NatsEventStream } from '../stream/index.ts'
import { StaffService } from '../staff/index.ts'
import { ensureKeys, type GeneratedKey, KeyRing } from './auth.ts'
import { LiveSettings } from './live-settings.ts'
import { seedBuiltInSegments } from './built-in-seeds.ts'

export type EngineRole = 'serve' | 'worker'

export interface Engine {
  readonly config: Config
  readonly store: Store
  readonly hot: HotState
  readonly stream: EventStream
  readonly writer: EventWriter
  readonly ingest: IngestService
  /** Keeps what the ingest refused (batched writes, bounded retention) for the live-events debugger. */
  readonly rejected: RejectedRecorder
  readonly catalog: CatalogService
  readonly projector: ProfileProjector
  readonly profiles: ProfileService
  /** The active trained model (serving nodes poll for new versions). */
  readonly models: ModelRegistry
  readonly trainer: Trainer
  readonly recommender: Recommender
  /** The people requests are answered for (recommendations, content decisions). */
  readonly people: PeopleCache
  /** Which category paths are sensitive (re-read every 30 s). */
  readonly sensitive: () => Promise<(path: string) => boolean>
  /** Buffers what recommendations showed and writes it in batches (flushed on close). */
  readonly impressions: ImpressionRecorder
  readonly keys: KeyRing
  /** Keys generated at this start (shown once, then only their hashes remain). */
  readonly generatedKeys: GeneratedKey[]
  /** Settings changed at run time over the configuration (consent defaults), re-read with the keys. */
  readonly settings: LiveSettings
  /** Dashboard staff: accounts, sign-in, sessions. */
  readonly staff: StaffService
  /** The admin created at this start (first start only); `password` is null when it came from ATTUNE_ADMIN_PASSWORD. */
  readonly createdAdmin: { email: string; password: string | null } | null
  /** Observers of group commits (metrics). */
  readonly commitListeners: Set<(stats: CommitStats) => void>
  /** Segment memberships and computed traits (evaluated by the workers; previews and reads on any node). */
  readonly segments: SegmentEngine
  /**
   * Says the definitions changed (the API after a save): the workers of this process re-read them at once,
   * and so does the embedded worker thread (its listener here); other nodes notice at their next poll.
   */
  segmentsChanged(): void
  /** Told by `segmentsChanged` (the embedded worker thread forwards it). */
  readonly segmentListeners: Set<() => void>
  /** Starts the workers' consumers in this process (worker role, or serve without NATS). */
  startWorkers(onError?: (error: unknown) => void): void
  /** Throws when a backend is unreachable; names which. */
  checkBackends(): Promise<void>
  close(): Promise<void>
}

export interface EngineOptions {
  /** Hot state to use instead of the configured one (the embedded worker thread forwards its writes). */
  hot?: HotState
  /** How often the API re-reads its keys (default 10 s): a key revoked or made elsewhere counts by then. */
  keyRefreshMs?: number
  /** How often every node re-reads the stored settings (default: the key refresh's interval). */
  settingsRefreshMs?: number
}

export async function createEngine(config: Config, role: EngineRole = 'serve', options: EngineOptions = {}): Promise<Engine> {
  const opened: { close(): Promise<void> }[] = []
  try {
    const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
    opened.push(store)
    const hot: HotState = options.hot ?? (config.redisUrl ? await RedisHotState.open(config.redisUrl, config.redisPrefix) : new MemoryHotState())
    opened.push(hot)
    const stream: EventStream = config.natsUrl
      ? await NatsEventStream.open({ url: config.natsUrl, stream: config.natsStream, subject: config.natsSubject })
      : new LogTailStream(store)
    opened.push(stream)
    const commitListeners = new Set<(stats: CommitStats) => void>()
    const writer = new EventWriter(store, { onCommit: (stats) => commitListeners.forEach((l) => l(stats)) })
    // Workers never hand out keys; only the API generates them on its first start.
    const { ring, generated } = role === 'serve' ? await ensureKeys(store, config) : { ring: new KeyRing([]), generated: [] }
    const staff = new StaffService(store.staff)
    // Every node may start first: seeding is one transaction that creates only the built-ins never seeded.
    if (config.builtInSegments) await seedBuiltInSegments(store)
    const createdAdmin = role === 'serve' ? await staff.ensureAdmin(config.adminEmail, config.adminPassword) : null
    const live = new LiveSettings(store, config)
    await live.refresh()
    const settings = profileSettings(config, live)
    const projector = new ProfileProjector(store, hot, settings)
    const models = new ModelRegistry(store)
    const trainer = new Trainer(store, config, settings, { threads: config.trainThreads, clv: { minRepeatBuyers: config.clvMinRepeatBuyers, minDays: config.clvMinDays } })
    let keyRefresh: NodeJS.Timeout | null = null
    let keyUses: NodeJS.Timeout | null = null
    const recordKeyUses = () => store.settings.recordKeyUses(ring.takeUses())
    if (role === 'serve') {
      await models.refresh().catch(() => {}) // no model yet, or the store has none: serving falls back
      models.start(MODEL_POLL_MS)
      // `attune keys revoke` runs in another process (or on another node): every API node re-reads the keys.
      keyRefresh = setInterval(() => void store.listApiKeys().then((records) => ring.replace(records), () => {}), options.keyRefreshMs ?? KEY_REFRESH_MS)
      keyRefresh.unref()
      // When each key was last used: remembered in memory per request, written about once a minute.
      keyUses = setInterval(() => void recordKeyUses().catch(() => {}), KEY_USE_FLUSH_MS)
      keyUses.unref()
    }
    // Settings changed on another node (or by the API, for a worker) count here by the next refresh.
    const settingsRefresh = setInterval(() => void live.refresh().catch(() => {}), options.settingsRefreshMs ?? options.keyRefreshMs ?? KEY_REFRESH_MS)
    settingsRefresh.unref()
    let schedule: NodeJS.Timeout | null = null
    const profiles = new ProfileService(store, hot, projector, async (records) => {
      await writer.append(records)
      await stream.publish(records)
    })
    const impressions = new ImpressionRecorder(store, (ref, type) => profiles.find(ref, type), {
      onError: (error) => process.emitWarning(`recommendation impressions not recorded: ${(error as Error).message}`),
    })
    // Shared by recommendations and content decisions: the people served, and which categories are sensitive.
    const people = new PeopleCache(profiles, hot)
    const sensitive = sensitivityCache(store)
    const rejected = new RejectedRecorder(store, {
      onError: (error) => process.emitWarning(`rejected events not recorded: ${(error as Error).message}`),
    })
    const consumptions: Consumption[] = []
    let closed: Promise<void> | null = null
    const segments = new SegmentEngine(store, {
      consentDefaults: () => live.consentDefaults,
      append: async (records) => {
        await writer.append(records)
        await stream.publish(records)
      },
      halfLifeMs: settings.halfLifeMs,
      onError: (error) => process.emitWarning(`segments: ${(error as Error).message}`),
      // Only the process that runs the workers evaluates (startWorkers starts it); the API node reads and previews.
      evaluateOnReload: false,
      // The crash test's fault point (never set outside tests): die between storing changes and announcing them.
      ...(config.testFault === 'segments-after-apply' ? { afterStore: () => process.kill(process.pid, 'SIGKILL') } : {}),
    })
    const segmentListeners = new Set<() => void>()
    let workersStarted = false
    /** The projector, then the segments of the people it touched; a failed segment pass leaves them due now. */
    const applyDelivery = async (events: Parameters<ProfileProjector['apply']>[0], onError?: (error: unknown) => void) => {
      const { touched, removed } = await projector.apply(events)
      const people = [...touched, ...removed]
      try {
        await segments.onPeople(people)
      } catch (error) {
        onError?.(error)
        await store.segmentMembers.apply({ changes: [], traits: [], recheck: people.map((personId) => ({ personId, at: Date.now() })) }).catch(() => {})
      }
    }

    return {
      config,
      store,
      hot,
      stream,
      writer,
      ingest: new IngestService(writer, { maxEventBytes: config.maxEventBytes, publisher: stream, rejected }),
      rejected,
      catalog: new CatalogService(store),
      projector,
      profiles,
      models,
      trainer,
      people,
      sensitive,
      recommender: new Recommender(store, models, people, () => live.consentDefaults, sensitive, { answerCacheMs: config.recommendationCacheMs, affinityHalfLifeMs: config.affinityHalfLifeDays * 864e5 }),
      impressions,
      keys: ring,
      generatedKeys: generated,
      settings: live,
      staff,
      createdAdmin,
      commitListeners,
      segments,
      segmentListeners,
      segmentsChanged() {
        if (workersStarted) void segments.reload().catch((error) => process.emitWarning(`segments: ${(error as Error).message}`))
        for (const listener of segmentListeners) listener()
      },
      startWorkers(onError) {
        workersStarted = true
        consumptions.push(stream.consume({ name: PROFILE_CONSUMER, handler: (events) => applyDelivery(events, onError), onError }))
        segments.start()
        if (config.trainIntervalMinutes > 0 && !schedule) {
          schedule = setInterval(() => void trainWhenDue(store, trainer, config.trainIntervalMinutes * 60_000).catch(onError), Math.min(config.trainIntervalMinutes * 60_000, FIRST_TRAINING_CHECK_MS))
          schedule.unref()
        }
      },
      async checkBackends() {
        const checks: [string, () => Promise<void>][] = [
          ['store', () => store.ping()],
          [`stream (${stream.kind})`, () => stream.check()],
          [`hot state (${hot.kind})`, () => hot.check()],
        ]
        for (const [name, check] of checks) {
          try {
            await check()
          } catch (error) {
            throw new Error(`${name} unavailable: ${(error as Error).message}`)
          }
        }
      },
      close() {
        // Order matters: stop consuming, drain the writer (acknowledged events), then close what they use.
        closed ??= (async () => {
          if (schedule) clearInterval(schedule)
          if (keyRefresh) clearInterval(keyRefresh)
          clearInterval(settingsRefresh)
          if (keyUses) {
            clearInterval(keyUses)
            await recordKeyUses().catch(() => {})
          }
          models.stop()
          await trainer.stop()
          await Promise.all(consumptions.map((c) => c.stop()))
          await segments.stop()
          await writer.close()
          await impressions.close()
          await rejected.close()
          await stream.close()
          await hot.close()
          await store.close()
        })()
        return closed
      },
    }
  } catch (error) {
    for (const o of opened.reverse()) await o.close().catch(() => {})
    throw error
  }
}

/**
 * The profile projector's settings from the configuration. With `live`, the consent defaults are read from it
 * at every use (a getter: the stored settings override the configured ones, and a change counts at once; a
 * training run's thread gets the values of the moment it starts).
 */
export function profileSettings(config: Config, live?: LiveSettings): ProfileSettings {
  const settings: ProfileSettings = {
    halfLifeMs: config.affinityHalfLifeDays * 24 * 3600 * 1000,
    weights: { ...DEFAULT_WEIGHTS, ...config.affinityWeights },
    consentDefaults: config.consentDefaults,
    limits: { ...DEFAULT_LIMITS, ...config.identityLimits } as IdentityLimits,
  }
  if (live) Object.defineProperty(settings, 'consentDefaults', { get: () => live.consentDefaults, enumerable: true })
  return settings
}

const MODEL_POLL_MS = 10_000
const KEY_REFRESH_MS = 10_000
const KEY_USE_FLUSH_MS = 60_000
const FIRST_TRAINING_CHECK_MS = 60_000

/**
 * The scheduled training: due when the interval has passed since the last run started and the log has
 * grown since the last ready version (a quiet shop is not retrained for nothing).
 */
async function trainWhenDue(store: Store, trainer: Trainer, intervalMs = 0): Promise<void> {
  const [last] = await store.modelVersions.list(1)
  if (last && Date.now() - last.createdAt < intervalMs) return
  const events = await store.countEvents()
  if (events === 0 || (last?.status === 'ready' && last.summary.events === events)) return
  await trainer.start('schedule')
}

/** Which category paths are sensitive (marked, or under a marked one), re-read every 30 seconds. */
function sensitivityCache(store: Store): () => Promise<(path: string) => boolean> {
  // One function per refresh: the recommender remembers per item what it answered.
  let cached: { test: (path: string) => boolean; at: number } | null = null
  return async () => {
    if (!cached || Date.now() - cached.at > 30_000) {
      const categories = await store.listCategories()
      const paths = new Set(categories.filter((c) => c.sensitive || c.inheritedSensitive).map((c) => c.path))
      cached = { test: (path) => paths.has(path), at: Date.now() }
    }
    return cached.test
  }
}
