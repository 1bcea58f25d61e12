/** A training run in a worker thread: its own store connection, then `runVersion`. */
import { workerData } from 'node:worker_threads'
import type { Config } from '../core/index.ts'
import { type ProfileSettings } from '../profiles/index.ts'
import { openStore, type ModelVersion } from '../storage/index.ts'
import { runVersion, type TrainerOptions } from './trainer.ts'

const { config, version, options, settings } = workerData as { config: Config; version: ModelVersion; options: TrainerOptions; settings: ProfileSettings }
const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
try {
  await runVersion(store, version, settings, options)
} finally {
  await store.close()
}
