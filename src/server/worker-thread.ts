/**
 * The embedded worker of `attune serve` (no NATS) in a thread of its own, so applying events to
 * identities and profiles uses the second core instead of taking turns with HTTP on the main thread.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ProjectorStats } from '../profiles/index.ts'
import type { RejectedBatch } from '../ingest/index.ts'
import type { PendingImpression } from '../recommend/index.ts'
import type { Engine } from './engine.ts'

export type ToWorkerThread = { type: 'wake' } | { type: 'stop' } | { type: 'settings' } | { type: 'segments' } | { type: 'impressions'; id: number; batch: PendingImpression[] } | { type: 'rejected'; id: number; batch: RejectedBatch }
export type FromWorkerThread =
  | { type: 'ready' }
  | { type: 'profile'; personId: string; doc: string }
  | { type: 'removed'; personIds: string[] }
  | { type: 'stats'; stats: ProjectorStats }
  | { type: 'error'; message: string }
  | { type: 'impressions-stored'; id: number }
  | { type: 'rejected-stored'; id: number }
  | { type: 'stopped' }

export interface WorkerThread {
  /** Resolves once the thread's engine runs its consumers. */
  ready: Promise<void>
  /** Lets the thread finish the delivery in hand and close its engine. */
  stop(): Promise<void>
}

const BOOT = fileURLToPath(new URL('../../bin/thread-boot.mjs', import.meta.url))

export function startWorkerThread(engine: Engine, onError: (message: string) => void): WorkerThread {
  const worker = new Worker(BOOT, { workerData: { entry: new URL('./worker-thread-main.ts', import.meta.url).href, config: engine.config } })
  // New events wake the thread's log tail at once instead of at its next poll.
  const wake = () => worker.postMessage({ type: 'wake' } satisfies ToWorkerThread)
  engine.commitListeners.add(wake)
  // A settings change made here (PUT /v1/settings) reaches the thread's profile fold at once, not at its next refresh.
  const forgetSettings = engine.settings.onChange(() => worker.postMessage({ type: 'settings' } satisfies ToWorkerThread))
  // A segment saved here is evaluated by the thread's segment engine at once, not at its next poll.
  const segmentsChanged = () => worker.postMessage({ type: 'segments' } satisfies ToWorkerThread)
  engine.segmentListeners.add(segmentsChanged)
  let resolveReady: () => void
  let rejectReady: (error: Error) => void
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  // Recommendation impressions are written by the thread's own connection: SQLite work off this thread.
  const stored = new Map<number, () => void>()
  let nextBatch = 0
  engine.impressions.divert(
    (batch) =>
      new Promise<void>((resolve) => {
        const id = nextBatch++
        stored.set(id, resolve)
        worker.postMessage({ type: 'impressions', id, batch } satisfies ToWorkerThread)
      }),
  )
  // So are the refusals the live-events debugger keeps.
  engine.rejected.divert(
    (batch) =>
      new Promise<void>((resolve) => {
        const id = nextBatch++
        stored.set(id, resolve)
        worker.postMessage({ type: 'rejected', id, batch } satisfies ToWorkerThread)
      }),
  )
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      engine.impressions.divert(null)
      engine.rejected.divert(null)
      for (const done of stored.values()) done()
      resolve()
    }),
  )
  worker.on('error', (error) => {
    rejectReady(error)
    onError(error.message)
  })
  worker.on('message', (message: FromWorkerThread) => {
    switch (message.type) {
      case 'ready':
        resolveReady()
        break
      case 'profile':
        void engine.hot.putProfile(message.personId, message.doc)
        break
      case 'removed':
        void engine.hot.deleteProfiles(message.personIds)
        break
      case 'stats':
        // /metrics reads the main engine's projector stats: show the thread's.
        Object.assign(engine.projector.stats, message.stats)
        break
      case 'error':
        onError(message.message)
        break
      case 'impressions-stored':
      case 'rejected-stored':
        stored.get(message.id)?.()
        stored.delete(message.id)
        break
      case 'stopped':
        break
    }
  })
  return {
    ready,
    async stop() {
      engine.commitListeners.delete(wake)
      engine.segmentListeners.delete(segmentsChanged)
      forgetSettings()
      // What is still buffered goes to the thread before it stops; later rows are written here.
      const last = Promise.all([engine.impressions.flush(), engine.rejected.flush()])
      engine.impressions.divert(null)
      engine.rejected.divert(null)
      worker.postMessage({ type: 'stop' } satisfies ToWorkerThread)
      await last
      await exited
    },
  }
}
