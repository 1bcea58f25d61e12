/**
 * Starts the real HTTP API in this process: a fresh SQLite file in its own temp dir, port 0 on loopback,
 * known keys (unless a test asks for none), silent logs and no rate limits. Every call gets its own dir and port.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { type Config, loadConfig } from '../../src/core/index.ts'
import { buildApp, type BuildAppOptions, createEngine, type Engine, type EngineOptions } from '../../src/server/index.ts'
import { uniqueId } from './events.ts'

export interface TestServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  /** The write key: from the env, else the one generated at this start ('' when neither). */
  writeKey: string
  /** The secret key, found the same way. */
  secretKey: string
  dataDir: string
  app: FastifyInstance
  engine: Engine
  /** Closes the server (flushing acknowledged events) and keeps the data dir, so it can be reopened. */
  stop(): Promise<void>
  /** Closes the server and removes the data dir. Safe to call twice or after stop(). */
  close(): Promise<void>
}

export interface StartServerOptions {
  /**
   * Environment the config is read from, merged over the defaults (keys, ATTUNE_LOG_LEVEL=silent, rate limits off).
   * Set a key to undefined to start without it (the server then generates one).
   */
  env?: Record<string, string | undefined>
  /** Engine options (e.g. a short key refresh). */
  engine?: EngineOptions
  /** The app's logger (e.g. `{ level: 'debug', stream }` to read its lines); default none. */
  logger?: BuildAppOptions['logger']
}

/** Makes a fresh temp dir under the OS temp dir (removed by TestServer.close()). */
export function freshDataDir(label = 'attune-e2e'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`))
}

/**
 * Starts the API. `overrides` go to loadConfig as explicit settings (dataDir reuses a dir, e.g. to
 * reopen after stop(); port and host are always 0 and 127.0.0.1).
 */
export async function startServer(overrides: Partial<Config> = {}, options: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? freshDataDir()
  const env: Record<string, string | undefined> = {
    ATTUNE_WRITE_KEY: `wk_test_${uniqueId('w').replace(/-/g, '')}`,
    ATTUNE_SECRET_KEY: `sk_test_${uniqueId('s').replace(/-/g, '')}`,
    ATTUNE_LOG_LEVEL: 'silent',
    // Tests send bursts from one address: the request limits are off unless a test sets them.
    ATTUNE_RATE_LIMIT: '0',
    ATTUNE_SECRET_RATE_LIMIT: '0',
    ATTUNE_AUTH_FAILURE_LIMIT: '0',
    ATTUNE_LOGIN_FAILURE_LIMIT: '0',
    // The built-in segments would add Audience Entered events to the people of every test; the segment tests turn them on.
    ATTUNE_BUILT_IN_SEGMENTS: 'false',
    ...options.env,
  }
  const config = loadConfig({ ...overrides, dataDir, port: 0, host: '127.0.0.1' }, env)
  const engine = await createEngine(config, 'serve', options.engine)
  let app: FastifyInstance
  try {
    app = await buildApp(engine, { logger: options.logger ?? false })
  } catch (error) {
    await engine.close()
    throw error
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const generated = (scope: 'write' | 'secret') => engine.generatedKeys.find((k) => k.scope === scope)?.key
  let stopped: Promise<void> | null = null
  const stop = () => (stopped ??= app.close().then(() => undefined))
  return {
    url,
    writeKey: config.writeKey ?? generated('write') ?? '',
    secretKey: config.secretKey ?? generated('secret') ?? '',
    dataDir,
    app,
    engine,
    stop,
    async close() {
      await stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
