/**
 * Builds the HTTP app on an engine without listening (tests use it on port 0; `attune serve` listens).
 * Closing the app closes the engine, so acknowledged events are flushed on shutdown.
 */
import cors from '@fastify/cors'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import pkg from '../../package.json' with { type: 'json' }
import { demoRoutes, readDemoFile } from '../demo/index.ts'
import type { Engine } from './engine.ts'
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling, MAX_ID_LENGTH } from './http-errors.ts'
import { KeyGuard } from './key-guard.ts'
import { Metrics } from './metrics.ts'
import { registerOpenApi } from './openapi.ts'
import { installBodyHandling } from './request-body.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { itemRelatedRoutes } from './routes/item-related.ts'
import type { RouteContext } from './routes/context.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { eventsRoutes } from './routes/events.ts'
import { dataQualityRoutes } from './routes/data-quality.ts'
import { operationsRoutes } from './routes/operations.ts'
import { modelRoutes } from './routes/models.ts'
import { peopleRoutes } from './routes/people.ts'
import { recommendationRoutes } from './routes/recommendations.ts'
import { reportRoutes } from './routes/reports.ts'
import { overviewRoutes } from './routes/overview-report.ts'
import { sdkRoutes } from './routes/sdk.ts'
import { dashboardRoutes } from './dashboard-files.ts'
import { decisionRoutes } from './routes/decisions.ts'
import { sessionRoutes } from './routes/session.ts'
import { staffUserRoutes } from './routes/staff-users.ts'
import { keyRoutes } from './routes/keys.ts'
import { settingsRoutes } from './routes/settings.ts'
import { userTokenRoutes } from './routes/user-tokens.ts'
import { segmentRoutes } from './routes/segments.ts'
import { segmentMemberRoutes } from './routes/segment-members.ts'
import { traitRoutes } from './routes/traits.ts'

export interface BuildAppOptions {
  /** A pino logger config or false; default: JSON logs at the configured level. */
  logger?: boolean | object
}

/**
 * Ajv coerces "Infinity" and "1e400" in a query string to Infinity and then skips `minimum` and
 * `maximum`, which it checks on finite numbers only: such a value is refused here, naming its field.
 */
function finiteOnly(validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown, ...rest: unknown[]) => {
    check.errors = null
    if (!(validate as (...args: unknown[]) => boolean)(data, ...rest)) {
      check.errors = validate.errors
      return false
    }
    for (const [key, value] of Object.entries(typeof data === 'object' && data !== null ? data : {})) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        check.errors = [{ instancePath: `/${key}`, schemaPath: '#', keyword: 'type', params: {}, message: 'must be a finite number' }]
        return false
      }
    }
    return true
  }) as ValidateFunction
  return Object.assign(check, { schema: validate.schema, schemaEnv: validate.schemaEnv })
}

export async function buildApp(engine: Engine, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { trustProxy } = engine.config
  const app = Fastify({
    logger: options.logger ?? { level: engine.config.logLevel },
    logController: new LogController({ disableRequestLogging: !engine.config.logRequests }),
    bodyLimit: 1024 * 1024,
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // A client must send its whole request within the request timeout and its headers within the headers
    // timeout (slow bodies hold connections and memory); an idle keep-alive connection is closed after the
    // keep-alive timeout, a connection where nothing moves after the connection timeout.
    requestTimeout: engine.config.requestTimeoutMs,
    keepAliveTimeout: engine.config.keepAliveTimeoutMs,
    connectionTimeout: engine.config.connectionTimeoutMs,
    clientErrorHandler,
    http: {
      headersTimeout: engine.config.headersTimeoutMs,
      // Node checks both timeouts only this often (30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(engine.config.headersTimeoutMs / 2))),
    },
    // Ids are up to 255 characters everywhere (find-my-way compares the decoded segment); longer ones
    // and undecodable paths get the catalogue's error body, not Fastify's own. Fastify 5 takes router
    // settings under routerOptions (top-level ones are deprecated, FSTDEP022).
    routerOptions: { maxParamLength: MAX_ID_LENGTH },
    frameworkErrors: frameworkErrorHandler,
  })
  // Query strings and paths are text, so "50" must become 50 there; a JSON body says what it means, and
  // coercing it would turn {"email": 1} into consent.
  const validators = {
    coercing: addFormats.default(new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false })),
    strict: addFormats.default(new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false })),
  }
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.strict.compile(schema) : finiteOnly(validators.coercing.compile(schema))))
  const metrics = new Metrics(() => engine.writer.pending, () => ({ ...engine.projector.stats }), () => engine.recommender.answerCacheStats)
  const keyGuard = new KeyGuard(engine)
  const ctx: RouteContext = { engine, metrics, keyGuard }
  let closing = false

  engine.commitListeners.add((stats) => {
    metrics.commitSize.observe(stats.events)
    metrics.commitDuration.observe(stats.ms / 1000)
  })

  installBodyHandling(app)
  keyGuard.install(app)
  installErrorHandling(app)
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode })
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
  app.addHook('preClose', async () => {
    closing = true
  })
  // Node's server.close() leaves a keep-alive connection open when its request was already under way, until
  // the keep-alive timeout (65 s) passes, and close waits for it. Answers sent while closing drop the connection.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  app.addHook('onClose', async () => {
    await engine.close()
  })

  // The browser SDK calls the API from the shop's own pages, another origin: allow it (preflights included).
  if (engine.config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: engine.config.corsOrigins.includes('*') ? '*' : engine.config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      // No list of headers: the ones a preflight asks for are allowed (RudderStack's SDK sends AnonymousId and
      // RSA-* retry headers); no credentials are ever involved, keys travel in Authorization or the body.
      maxAge: 86_400,
    })
  }
  await registerOpenApi(app, pkg.version)
  await app.register(operationsRoutes(ctx, () => closing))
  await app.register(ingestRoutes(ctx))
  await app.register(catalogRoutes(ctx))
  await app.register(itemRelatedRoutes(ctx))
  await app.register(peopleRoutes(ctx))
  await app.register(modelRoutes(ctx))
  await app.register(recommendationRoutes(ctx))
  await app.register(reportRoutes(ctx))
  await app.register(eventsRoutes(ctx))
  await app.register(dataQualityRoutes(ctx))
  await app.register(overviewRoutes(ctx))
  await app.register(decisionRoutes(ctx))
  await app.register(userTokenRoutes(ctx))
  await app.register(sessionRoutes(ctx))
  await app.register(staffUserRoutes(ctx))
  await app.register(keyRoutes(ctx))
  await app.register(settingsRoutes(ctx))
  await app.register(segmentRoutes(ctx))
  await app.register(segmentMemberRoutes(ctx))
  await app.register(traitRoutes(ctx))
  await app.register(sdkRoutes())
  await app.register(dashboardRoutes())
  if (engine.config.metricsPort !== undefined) serveMetricsOnOwnPort(app, metrics, engine.config.metricsPort, engine.config.host)
  // The demo shop's pages, when `attune demo` (or `serve --demo`) loaded it into this data dir.
  const demo = readDemoFile(engine.config.dataDir)
  if (demo) await app.register(demoRoutes(engine, demo))
  return app
}

/** `/metrics` without a key on a port of its own (ATTUNE_METRICS_PORT), listening and closing with the app. */
function serveMetricsOnOwnPort(app: FastifyInstance, metrics: Metrics, port: number, host: string): void {
  const metricsApp = Fastify({ logger: false })
  metricsApp.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()))
  // onReady runs inside app.listen(): a taken metrics port fails the start like a taken API port.
  app.addHook('onReady', async () => {
    const address = await metricsApp.listen({ port, host })
    app.log.info({ address }, `metrics at ${address}/metrics`)
  })
  app.addHook('onClose', async () => {
    await metricsApp.close()
  })
}
