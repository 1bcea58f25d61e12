/**
 * Loads the demo shop into an engine's store: the deterministic synthetic shop (catalogue with local
 * images and demo page URLs, its events ending now), profiles applied by the real projector, one
 * trained and active model, a week of recommendation traffic answered by it (demo-traffic.ts), and a
 * dedicated write key for the demo pages (kept in demo.json).
 * Straight into the store, like bench/recommendations.ts, because 100,000 events through HTTP would
 * make a newcomer wait.
 */
import { AttuneError, type ApiKeyRecord, type Config, type EventRecord, hashKey, newApiKey, newId } from '../core/index.ts'
import { generateShop } from '../evaluation/index.ts'
import { toEventRecord } from '../ingest/index.ts'
import { PROFILE_CONSUMER, type ProfileProjector } from '../profiles/index.ts'
import type { Store } from '../storage/index.ts'
import type { ImpressionRecorder, Recommender } from '../recommend/index.ts'
import type { ModelRegistry, Trainer } from '../training/index.ts'
import { readDemoFile, writeDemoFile, type DemoFile } from './demo-file.ts'
import { recommendationTraffic } from './demo-traffic.ts'

/** What loading needs of the engine (the server's Engine has all of it; demo may not import server). */
export interface DemoEngine {
  readonly config: Config
  readonly store: Store
  readonly projector: ProfileProjector
  readonly trainer: Trainer
  readonly models: ModelRegistry
  /** Answers the demo's recommendation traffic, which `impressions` records. */
  readonly recommender: Recommender
  readonly impressions: ImpressionRecorder
  /** The serving key ring: told about the new key so the running server accepts it at once. */
  readonly keys: { replace(records: readonly ApiKeyRecord[]): void }
}

export type DemoStep = 'generate' | 'catalogue' | 'events' | 'profiles' | 'train' | 'traffic' | 'done'

export interface DemoProgress {
  step: DemoStep
  message: string
  done?: number
  total?: number
}

export interface LoadDemoOptions {
  /** Default 1,500: loads in seconds on two cores and still trains a useful model. */
  people?: number
  /** Default 240. */
  items?: number
  /** Days of history, ending now; default 45. */
  days?: number
  seed?: number
  /** Load even when the catalogue is not empty (items are upserted, events deduplicated). */
  force?: boolean
  now?: number
  onProgress?: (progress: DemoProgress) => void
}

export interface DemoLoad extends DemoFile {
  /** Events loaded, the recommendation traffic's clicks and orders included. */
  events: number
  /** The recommendation traffic of the last days: requests answered, items shown, clicks and orders. */
  traffic: { requests: number; impressions: number; clicks: number; orders: number }
  modelVersion: string
  seconds: number
}

export const DEMO_DEFAULTS = { people: 1500, items: 240, days: 45, seed: 1 } as const
export const DEMO_KEY_LABEL = 'demo store'
const HOUR = 3_600_000
const DAY = 24 * HOUR

export async function loadDemo(engine: DemoEngine, options: LoadDemoOptions = {}): Promise<DemoLoad> {
  const { store, config } = engine
  const report = options.onProgress ?? (() => {})
  const started = performance.now()
  if (store.kind !== 'sqlite') {
    throw new AttuneError('conflict', `the demo is for the embedded SQLite quick start; this engine uses ${store.kind} (unset ATTUNE_DATABASE_URL)`)
  }
  const existing = await store.countItems()
  if (existing > 0 && !options.force) {
    throw new AttuneError('conflict', `the catalogue in ${config.dataDir} already has ${existing} items; the demo loads into an empty one (use --force to load it anyway, or another ATTUNE_DATA_DIR)`)
  }
  const people = options.people ?? DEMO_DEFAULTS.people
  const itemCount = options.items ?? DEMO_DEFAULTS.items
  const days = options.days ?? DEMO_DEFAULTS.days
  const now = options.now ?? Date.now()

  report({ step: 'generate', message: `generating a shop: ${people} people, ${itemCount} items, ${days} days` })
  // Whole hours, so two loads within the hour give the same shop; the history ends now.
  const startTime = Math.floor(now / HOUR) * HOUR - days * DAY
  const shop = generateShop({ seed: options.seed ?? DEMO_DEFAULTS.seed, people, items: itemCount, days, startTime })

  report({ step: 'catalogue', message: `${shop.items.length} items` })
  await store.setCategorySensitivity(shop.categories)
  // The generator's items already point at the demo's pictures (/demo/img/<id>.svg) and pages (/demo/p/<id>).
  for (let i = 0; i < shop.items.length; i += 1000) await store.upsertItems(shop.items.slice(i, i + 1000), new Date(now))

  const records = toRecords(shop.events, now, config.maxEventBytes)
  for (let i = 0; i < records.length; i += 5000) {
    await store.appendEvents(records.slice(i, i + 5000))
    report({ step: 'events', message: 'appending events', done: Math.min(i + 5000, records.length), total: records.length })
  }
  for (let i = 0; i < records.length; i += 2000) {
    await engine.projector.apply(records.slice(i, i + 2000))
    report({ step: 'profiles', message: 'applying events to profiles', done: Math.min(i + 2000, records.length), total: records.length })
  }
  await skipLoadedLog(store, records.at(-1))

  report({ step: 'train', message: 'training a model' })
  const version = await engine.trainer.run('demo')
  if (version?.status !== 'ready') throw new Error(`demo training failed: ${version?.error ?? 'another training run is in progress'}`)
  await engine.models.refresh()

  // The last week's recommendations, with clicks and orders, so the dashboard's reports are not empty.
  const trafficDays = Math.min(7, days)
  report({ step: 'traffic', message: `${trafficDays} days of recommendation traffic` })
  const traffic = await recommendationTraffic(engine, shop, { days: trafficDays, seed: options.seed ?? DEMO_DEFAULTS.seed, now })
  await skipLoadedLog(store, traffic.records.at(-1))

  const writeKey = await replaceDemoKey(engine, now)
  const shoppers = shop.people.filter((p) => p.kind === 'regular' && p.userId !== null).slice(0, 3).map((p) => p.userId!)
  const demo: DemoFile = { writeKey, loadedAt: new Date(now).toISOString(), people, items: shop.items.length, days, shoppers }
  // Last: the demo pages appear (at the next server start) only once everything above is in place.
  writeDemoFile(config.dataDir, demo)
  const seconds = Math.round((performance.now() - started) / 100) / 10
  report({ step: 'done', message: `demo loaded in ${seconds} s` })
  const { records: trafficRecords, ...trafficCounts } = traffic
  return { ...demo, events: records.length + trafficRecords.length, traffic: trafficCounts, modelVersion: version.id, seconds }
}

function toRecords(messages: readonly unknown[], receivedAt: number, maxEventBytes: number): EventRecord[] {
  const ctx = { receivedAt, batchSentAt: null, maxEventBytes }
  return messages.map((msg) => {
    const r = toEventRecord(msg, null, ctx)
    if (!r.ok) throw new Error(`synthetic event refused: ${r.message}`)
    return r.value
  })
}

/**
 * The loaded events are applied already: the profile consumer starts after them instead of reading
 * the whole log again at the next start. Never moves the offset back.
 */
async function skipLoadedLog(store: Store, last: EventRecord | undefined): Promise<void> {
  if (!last) return
  const [stored] = await store.getEventsByMessageId([last.messageId])
  const current = await store.getConsumerOffset(PROFILE_CONSUMER)
  if (stored && stored.seq > current) await store.setConsumerOffset(PROFILE_CONSUMER, stored.seq)
}

/** A fresh write key labelled for the demo; the previous demo key of this data dir is revoked. */
async function replaceDemoKey(engine: DemoEngine, now: number): Promise<string> {
  const { store, config } = engine
  const previous = readDemoFile(config.dataDir)
  if (previous) {
    const old = (await store.listApiKeys()).find((k) => k.hash === hashKey(previous.writeKey) && k.revokedAt === null)
    if (old) await store.revokeApiKey(old.id, new Date(now))
  }
  const writeKey = newApiKey('write')
  await store.insertApiKey({ id: newId(), scope: 'write', hash: hashKey(writeKey), label: DEMO_KEY_LABEL, createdAt: new Date(now).toISOString(), revokedAt: null })
  engine.keys.replace(await store.listApiKeys())
  return writeKey
}
