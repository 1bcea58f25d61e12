/**
 * The in-process stream: the store's event log is the stream. Consumers read it by log position from
 * their saved offset; `publish` only wakes them. Used when no NATS is configured.
 *
 * On PostgreSQL several writers commit concurrently, so a lower `seq` can become visible after a higher
 * one. Each read therefore starts `overlap` positions before the saved offset; re-read events are
 * skipped by the consumer's exactly-once bookkeeping. Production deployments use NATS instead.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises'
import type { EventRecord } from '../core/index.ts'
import type { Store } from '../storage/index.ts'
import type { ConsumeOptions, Consumption, EventStream } from './event-stream.ts'

export class LogTailStream implements EventStream {
  readonly kind = 'log'
  readonly #store: Store
  readonly #overlap: number
  readonly #pollMs: number
  #wake: (() => void)[] = []

  constructor(store: Store, options: { overlap?: number; pollMs?: number } = {}) {
    this.#store = store
    this.#overlap = options.overlap ?? (store.kind === 'sqlite' ? 0 : 1000)
    this.#pollMs = options.pollMs ?? 1000
  }

  async publish(_records: readonly EventRecord[]): Promise<void> {
    const waiting = this.#wake
    this.#wake = []
    for (const wake of waiting) wake()
  }

  consume(options: ConsumeOptions): Consumption {
    let running = true
    const loop = (async () => {
      while (running) {
        try {
          const offset = await this.#store.getConsumerOffset(options.name)
          const events = await this.#store.readEvents(Math.max(0, offset - this.#overlap), this.#overlap + 1000)
          if (events.length > 0 && events.at(-1)!.seq > offset) {
            await options.handler(events)
            await this.#store.setConsumerOffset(options.name, events.at(-1)!.seq)
            // SQLite calls are synchronous under their promises: without this, a consumer catching up
            // on a backlog would starve HTTP, timers and signals until it was done.
            await yieldToLoop()
            continue
          }
        } catch (error) {
          options.onError?.(error)
        }
        if (!running) break
        await Promise.race([sleep(this.#pollMs), new Promise<void>((resolve) => this.#wake.push(resolve))])
      }
    })()
    return {
      stop: async () => {
        running = false
        await this.publish([])
        await loop
      },
    }
  }

  async check(): Promise<void> {
    await this.#store.ping()
  }

  async close(): Promise<void> {
    await this.publish([])
  }
}
