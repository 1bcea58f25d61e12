/** Hot state in Redis (node-redis), under a key prefix so several deployments or test runs can share a server. */
import { createClient } from 'redis'

type Client = ReturnType<typeof createClient>
import { AttuneError } from '../core/index.ts'
import type { HotState } from './hot-state.ts'

const PERSON_TTL_SECONDS = 7 * 24 * 3600

/** Redis failures become 503s: the hot state is a backend the request cannot do without right now. */
async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (error) {
    throw new AttuneError('unavailable', `hot state (Redis) unavailable: ${(error as Error).message}`)
  }
}

export class RedisHotState implements HotState {
  readonly kind = 'redis'
  readonly #client: Client
  readonly #prefix: string

  private constructor(client: Client, prefix: string) {
    this.#client = client
    this.#prefix = prefix
  }

  /** Connects; a failure names ATTUNE_REDIS_URL. Later outages are retried by the client. */
  static async open(url: string, prefix: string): Promise<RedisHotState> {
    const client: Client = createClient({
      url,
      socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
      // Fail commands at once while disconnected instead of queueing them: callers answer 503.
      disableOfflineQueue: true,
    })
    client.on('error', () => {}) // reconnects by itself; /readyz reports the outage
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000)),
      ])
    } catch (error) {
      client.destroy()
      throw new AttuneError('unavailable', `ATTUNE_REDIS_URL: cannot connect to Redis at ${url} (${(error as Error).message})`, 'ATTUNE_REDIS_URL')
    }
    return new RedisHotState(client as Client, prefix)
  }

  async putProfile(personId: string, doc: string): Promise<void> {
    await guarded(() => this.#client.set(`${this.#prefix}profile:${personId}`, doc, { EX: PERSON_TTL_SECONDS }))
  }

  async getProfile(personId: string): Promise<string | null> {
    return guarded(() => this.#client.get(`${this.#prefix}profile:${personId}`))
  }

  async deleteProfiles(personIds: readonly string[]): Promise<void> {
    if (personIds.length > 0) await guarded(() => this.#client.del(personIds.map((id) => `${this.#prefix}profile:${id}`)))
  }

  async hit(key: string, windowSeconds: number): Promise<number> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds)
    const k = `${this.#prefix}rate:${key}:${window}`
    const [count] = await guarded(() => this.#client.multi().incr(k).expire(k, windowSeconds * 2).exec())
    return Number(count)
  }

  async check(): Promise<void> {
    if (!this.#client.isReady) throw new Error('Redis is disconnected')
    await this.#client.ping()
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.destroy())
  }
}
