/** `attune serve`: the HTTP API. Prints generated keys once, shuts down gracefully on SIGTERM/SIGINT. */
import { loadConfig } from '../core/index.ts'
import { readDemoFile } from '../demo/index.ts'
import { buildApp, createEngine, startWorkerThread, type WorkerThread } from '../server/index.ts'
import { demoUrl, offerDemo } from './demo.ts'

export interface ServeOptions {
  port?: number
  host?: string
  /** Load the demo store first when the catalogue is empty (`npm start`). */
  demo?: boolean
}

export async function serve(options: ServeOptions = {}): Promise<void> {
  const config = loadConfig({ ...(options.port !== undefined && { port: options.port }), ...(options.host && { host: options.host }) })
  const engine = await createEngine(config, 'serve')
  // Before the app is built: it serves the demo's pages only when the demo is in place.
  if (options.demo) {
    try {
      await offerDemo(engine)
    } catch (error) {
      await engine.close()
      throw error
    }
  }
  const app = await buildApp(engine)
  // The embedded worker gets a thread of its own: applying events then uses the second core instead of
  // taking turns with HTTP on this one.
  let thread: WorkerThread | null = null
  if (config.embeddedWorker) {
    thread = startWorkerThread(engine, (message) => app.log.warn({ error: message }, 'embedded worker: delivery failed; retrying'))
    await thread.ready
  }

  if (engine.generatedKeys.length > 0) {
    // Printed to stderr, outside the JSON log stream, so they are easy to read and are not shipped to log stores.
    const lines = engine.generatedKeys.map((k) => `  ${k.scope === 'write' ? 'write key ' : 'secret key'}  ${k.key}`)
    process.stderr.write(
      `\nAttune generated API keys (shown only now; only their hashes are stored):\n${lines.join('\n')}\n` +
        'Set ATTUNE_WRITE_KEY / ATTUNE_SECRET_KEY to choose your own.\n\n',
    )
  }

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down: finishing requests and flushing acknowledged events')
    const timer = setTimeout(() => {
      app.log.error('shutdown took longer than 20 s; exiting')
      process.exit(1)
    }, 20_000)
    timer.unref()
    try {
      await thread?.stop()
      await app.close()
      app.log.info({ signal }, 'shutdown finished: acknowledged events are stored')
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'error during shutdown')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))

  let address: string
  try {
    address = await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { port?: number; address?: string }
    if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') throw error
    // The first admin's one-time password was never shown: the next start creates (and prints) it again.
    if (engine.createdAdmin?.password) {
      const admin = await engine.store.staff.getUserByEmail(engine.createdAdmin.email)
      if (admin) await engine.store.staff.deleteUser(admin.id)
    }
    await thread?.stop()
    await app.close()
    const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'may not be bound by this user'
    const setting = e.port !== undefined && e.port === config.metricsPort ? 'ATTUNE_METRICS_PORT' : 'PORT or --port'
    process.stderr.write(`attune: port ${e.port ?? config.port} on ${e.address ?? config.host} ${why}; choose another with ${setting}\n`)
    process.exit(1)
  }
  // After listening: a start that fails prints no password that then does not work.
  const port = (app.server.address() as { port?: number } | null)?.port ?? config.port
  const dashboard = demoUrl(config, port).replace(/demo\/$/, 'dashboard/')
  let login: string
  if (engine.createdAdmin?.password) {
    const { email, password } = engine.createdAdmin
    login =
      `Staff admin created: ${email}\n  one-time password  ${password}\n` +
      '(shown only now; you choose your own at the first sign-in. More staff: attune users add)\n'
  } else if (engine.createdAdmin) {
    login = `Staff admin created: ${engine.createdAdmin.email} with ATTUNE_ADMIN_PASSWORD\n`
  } else {
    const admin = config.adminEmail ?? "admin@localhost"
    login = `Sign in as ${admin} (or another staff user). Lost the password? npx attune users reset-password ${admin}\n`
  }
  process.stderr.write(`\nDashboard: ${dashboard}\n${login}\n`)

  app.log.info({ address, store: engine.store.kind, dataDir: config.dataDir }, `Attune listening on ${address} (docs at ${address}/docs)`)
  if (readDemoFile(config.dataDir)) {
    process.stderr.write(`\nDemo store: ${demoUrl(config, port)}\n\n`)
  }
}
