/**
 * Runs in the embedded worker thread of `attune serve`: its own engine (own SQLite connection) runs the
 * consumers. Without Redis, profile updates are posted to the main thread, whose in-memory hot state
 * serves reads; with Redis the thread writes there itself.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../core/index.ts'
import type { HotState } from '../hot-state/index.ts'
import { createEngine } from './engine.ts'
import type { FromWorkerThread, ToWorkerThread } from './worker-thread.ts'

const port = parentPort!
const post = (message: FromWorkerThread) => port.postMessage(message)

/** Hot state that only forwards writes to the main thread (the thread itself never reads it). */
const forwarding: HotState = {
  kind: 'main-thread',
  async putProfile(personId, doc) {
    post({ type: 'profile', personId, doc })
  },
  async getProfile() {
    return null
  },
  async deleteProfiles(personIds) {
    post({ type: 'removed', personIds: [...personIds] })
  },
  async hit() {
    return 0
  },
  async check() {},
  async close() {},
}

const config = workerData.config as Config
const engine = await createEngine(config, 'worker', config.redisUrl ? {} : { hot: forwarding })
engine.startWorkers((error) => post({ type: 'error', message: (error as Error).message }))
const stats = setInterval(() => post({ type: 'stats', stats: { ...engine.projector.stats } }), 1000)

port.on('message', (message: ToWorkerThread) => {
  if (message.type === 'wake') void engine.stream.publish([])
  if (message.type === 'settings') void engine.settings.refresh().catch(() => {})
  if (message.type === 'segments') void engine.segments.reload().catch((error) => post({ type: 'error', message: (error as Error).message }))
  if (message.type === 'impressions') {
    const { id } = message
    engine.impressions.accept(message.batch)
    void engine.impressions.flush().then(() => post({ type: 'impressions-stored', id }))
  }
  if (message.type === 'rejected') {
    const { id } = message
    engine.rejected.accept(message.batch)
    void engine.rejected.flush().then(() => post({ type: 'rejected-stored', id }))
  }
  if (message.type === 'stop') {
    clearInterval(stats)
    void engine.close().then(() => {
      post({ type: 'stats', stats: { ...engine.projector.stats } })
      post({ type: 'stopped' })
      port.close()
    })
  }
})
post({ type: 'ready' })
