/**
 * The composition root: opens the store and wires the services. `attune serve` builds an HTTP app on
 * top of it; `attune import` uses it directly. Closing it flushes every acknowledged event first.
 */
import { CatalogService } from '../catalog/index.ts'
import type { Config } from '../core/index.ts'
import { type CommitStats, EventWriter, IngestService } from '../ingest/index.ts'
import { openStore, type Store } from '../storage/index.ts'
import { ensureKeys, type GeneratedKey, type KeyRing } from './auth.ts'

export interface Engine {
  readonly config: Config
  readonly store: Store
  readonly writer: EventWriter
  readonly ingest: IngestService
  readonly catalog: CatalogService
  readonly keys: KeyRing
  /** Keys generated at this start (shown once, then only their hashes remain). */
  readonly generatedKeys: GeneratedKey[]
  /** Observers of group commits (metrics). */
  readonly commitListeners: Set<(stats: CommitStats) => void>
  close(): Promise<void>
}

export async function createEngine(config: Config): Promise<Engine> {
  const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
  const commitListeners = new Set<(stats: CommitStats) => void>()
  const writer = new EventWriter(store, { onCommit: (stats) => commitListeners.forEach((l) => l(stats)) })
  const { ring, generated } = await ensureKeys(store, config)
  let closed: Promise<void> | null = null
  return {
    config,
    store,
    writer,
    ingest: new IngestService(writer, { maxEventBytes: config.maxEventBytes }),
    catalog: new CatalogService(store),
    keys: ring,
    generatedKeys: generated,
    commitListeners,
    close() {
      // Order matters: drain the writer (acknowledged events) before closing the store under it.
      closed ??= writer.close().then(() => store.close())
      return closed
    },
  }
}
