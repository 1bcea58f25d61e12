/**
 * `attune demo`: loads the demo shop (catalogue, history, profiles, a trained model, a write key for
 * its pages) into the configured data dir; `attune serve --demo` calls `offerDemo` before serving.
 */
import { type Config, loadConfig } from '../core/index.ts'
import { type DemoProgress, loadDemo, readDemoFile } from '../demo/index.ts'
import { createEngine, type Engine } from '../server/index.ts'

export interface DemoCommandOptions {
  force?: boolean
  people?: number
  items?: number
  days?: number
}

export async function demo(options: DemoCommandOptions): Promise<void> {
  const config = loadConfig()
  // The worker role hands out no keys: the API generates its own at its first start, as usual.
  const engine = await createEngine(config, 'worker')
  try {
    const loaded = await loadDemo(engine, { ...options, onProgress: printProgress })
    process.stderr.write(
      `\nLoaded the demo store into ${config.dataDir}: ${loaded.items} items, ${loaded.people} people, ${loaded.events} events, ${loaded.traffic.requests} recommendation requests of the last days (${loaded.traffic.clicks} clicks, ${loaded.traffic.orders} orders), model ${loaded.modelVersion} (${loaded.seconds} s).\n` +
        `Start the server with \`attune serve\` (or \`npm start\`) and open ${demoUrl(config)}\n`,
    )
  } finally {
    await engine.close()
  }
}

/**
 * `serve --demo`: loads the demo when the catalogue is empty (a fresh quick start); a shop with its own
 * catalogue, or a store other than the embedded SQLite, is served as it is.
 */
export async function offerDemo(engine: Engine): Promise<void> {
  if (readDemoFile(engine.config.dataDir) || (await engine.store.countItems()) > 0) return
  if (engine.store.kind !== 'sqlite') {
    process.stderr.write(`attune: --demo is for the embedded SQLite store; serving ${engine.store.kind} without the demo\n`)
    return
  }
  process.stderr.write('The catalogue is empty: loading the demo store first (about a minute at most).\n')
  await loadDemo(engine, { onProgress: printProgress })
}

/** Where the demo's pages are, for a person on this machine (a wildcard bind address is not a URL to visit). */
export function demoUrl(config: Config, port = config.port): string {
  const host = config.host === '0.0.0.0' || config.host === '::' || config.host === '' ? 'localhost' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/demo/`
}

function printProgress(p: DemoProgress): void {
  const counted = p.done !== undefined && p.total !== undefined
  const line = counted ? `  ${p.message}: ${p.done} of ${p.total}` : `  ${p.message}`
  // On a terminal counted steps update one line; in logs only their last count is written.
  if (counted && process.stderr.isTTY) process.stderr.write(`\r${line}${p.done === p.total ? '\n' : ''}`)
  else if (!counted || p.done === p.total) process.stderr.write(`${line}\n`)
}
