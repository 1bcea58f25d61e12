/**
 * `attune worker`: consumes the event stream (NATS JetStream, or the store's log without NATS) and
 * keeps derived data up to date. Several workers share the work; a killed worker's unacknowledged
 * deliveries are redelivered and applied exactly once.
 */
import pino from 'pino'
import { loadConfig } from '../core/index.ts'
import { createEngine } from '../server/index.ts'

export async function worker(): Promise<void> {
  const config = loadConfig()
  const log = pino({ level: config.logLevel })
  const engine = await createEngine(config, 'worker')
  engine.startWorkers((error) => log.warn({ err: error }, 'delivery failed; it will be redelivered'))
  log.info({ store: engine.store.kind, stream: engine.stream.kind, hotState: engine.hot.kind }, 'Attune worker started')

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'worker stopping after the delivery in hand')
    await engine.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}
