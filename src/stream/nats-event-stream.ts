/**
 * The production stream: NATS JetStream. API nodes publish each acknowledged request's events (and
 * wait for JetStream's ack before answering); workers pull them through a durable consumer and ack
 * each message only after its events are applied, so a worker killed mid-batch gets them again.
 */
import { createHash } from 'node:crypto'
import { AckPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { AttuneError, type EventRecord } from '../core/index.ts'
import type { ConsumeOptions, Consumption, EventStream } from './event-stream.ts'

export interface NatsStreamOptions {
  url: string
  /** JetStream stream name (default ATTUNE_EVENTS). */
  stream: string
  /** Subject the events are published on (default attune.events). */
  subject: string
}

/** Events per NATS message, well under the server's default 1 MB payload limit. */
const EVENTS_PER_MESSAGE = 200

export class NatsEventStream implements EventStream {
  readonly kind = 'nats'
  readonly #nc: NatsConnection
  readonly #js: JetStreamClient
  readonly #jsm: JetStreamManager
  readonly #options: NatsStreamOptions
  #connected = true

  private constructor(nc: NatsConnection, jsm: JetStreamManager, options: NatsStreamOptions) {
    this.#nc = nc
    this.#jsm = jsm
    this.#js = jetstream(nc)
    this.#options = options
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.#connected = false
        if (s.type === 'reconnect') this.#connected = true
      }
    })()
  }

  /** Connects and makes sure the stream exists; a failure names ATTUNE_NATS_URL. */
  static async open(options: NatsStreamOptions): Promise<NatsEventStream> {
    let nc: NatsConnection
    try {
      const url = new URL(options.url)
      nc = await connect({
        servers: `${url.hostname}:${url.port || 4222}`,
        ...(url.username && { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }),
        timeout: 3000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      })
    } catch (error) {
      throw new AttuneError('unavailable', `ATTUNE_NATS_URL: cannot connect to NATS at ${options.url} (${(error as Error).message})`, 'ATTUNE_NATS_URL')
    }
    try {
      const jsm = await jetstreamManager(nc)
      try {
        await jsm.streams.info(options.stream)
      } catch {
        await jsm.streams.add({
          name: options.stream,
          subjects: [options.subject],
          // JetStream drops a re-published message (same msgID) within this window: retries stay single.
          duplicate_window: 2 * 60 * 1_000_000_000,
        })
      }
      return new NatsEventStream(nc, jsm, options)
    } catch (error) {
      await nc.close().catch(() => {})
      throw new AttuneError('unavailable', `ATTUNE_NATS_URL: NATS at ${options.url} has no usable JetStream (${(error as Error).message}); start nats-server with -js`, 'ATTUNE_NATS_URL')
    }
  }

  async publish(records: readonly EventRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += EVENTS_PER_MESSAGE) {
      const chunk = records.slice(i, i + EVENTS_PER_MESSAGE)
      const msgID = createHash('sha1').update(chunk.map((r) => r.messageId).join('\n')).digest('hex')
      try {
        await this.#js.publish(this.#options.subject, JSON.stringify(chunk), { msgID, timeout: 5000 })
      } catch (error) {
        throw new AttuneError('unavailable', `the event stream (NATS) did not confirm the events: ${(error as Error).message}; retry`)
      }
    }
  }

  consume(options: ConsumeOptions): Consumption {
    let running = true
    let current: { stop(): void } | null = null
    const loop = (async () => {
      while (running) {
        try {
          await this.#jsm.consumers
            .add(this.#options.stream, { durable_name: options.name, ack_policy: AckPolicy.Explicit, ack_wait: 30_000_000_000, max_ack_pending: 2000 })
            .catch(() => {}) // it exists already
          const consumer = await this.#js.consumers.get(this.#options.stream, options.name)
          // A continuous pull: each message is handled as soon as it arrives (no fetch-window delay).
          const messages = await consumer.consume({ max_messages: 100 })
          current = messages
          for await (const m of messages) {
            try {
              await options.handler(m.json<EventRecord[]>())
              m.ack()
            } catch (error) {
              options.onError?.(error)
              m.nak(1000) // redeliver after a second
            }
            if (!running) break
          }
        } catch (error) {
          if (!running) break
          options.onError?.(error)
        }
        if (running) await new Promise((r) => setTimeout(r, 500))
      }
    })()
    return {
      async stop() {
        running = false
        current?.stop()
        await loop
      },
    }
  }

  async check(): Promise<void> {
    if (!this.#connected || this.#nc.isClosed()) throw new Error('NATS is disconnected')
    await this.#nc.flush()
  }

  async close(): Promise<void> {
    await this.#nc.drain().catch(() => {})
  }
}
