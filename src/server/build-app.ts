/**
 * Builds the HTTP app on an engine without listening (tests use it on port 0; `attune serve` listens).
 * Closing the app closes the engine, so acknowledged events are flushed on shutdown.
 */
import { createGunzip, createInflate } from 'node:zlib'
import cors from '@fastify/cors'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import pkg from '../../package.json' with { type: 'json' }
import { AttuneError } from '../core/index.ts'
import { demoRoutes, readDemoFile } from '../demo/index.ts'
import type { Engine } from './engine.ts'
import { frameworkErrorHandler, installErrorHandling } from './http-errors.ts'
import { Metrics } from './metrics.ts'
import { registerOpenApi } from './openapi.ts'
import { catalogRoutes } from './routes/catalog.ts'
import type { RouteContext } from './routes/context.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { operationsRoutes } from './routes/operations.ts'
import { modelRoutes } from './routes/models.ts'
import { peopleRoutes } from './routes/people.ts'
import { recommendationRoutes } from './routes/recommendations.ts'
import { reportRoutes } from './routes/reports.ts'
import { sdkRoutes } from './routes/sdk.ts'
import { decisionRoutes } from './routes/decisions.ts'

export interface BuildAppOptions {
  /** A pino logger config or false; default: JSON logs at the configured level. */
  logger?: boolean | object
}

export async function buildApp(engine: Engine, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: engine.config.logLevel },
    logController: new LogController({ disableRequestLogging: !engine.config.logRequests }),
    bodyLimit: 1024 * 1024,
    // Reuse keep-alive connections from load balancers and SDKs for a while.
    keepAliveTimeout: 65_000,
    frameworkErrors: frameworkErrorHandler,
  })
  // Query strings and paths are text, so "50" must become 50 there; a JSON body says what it means, and
  // coercing it would turn {"email": 1} into consent.
  const validators = {
    coercing: addFormats.default(new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false })),
    strict: addFormats.default(new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false })),
  }
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.strict : validators.coercing).compile(schema))
  const metrics = new Metrics(() => engine.writer.pending, () => ({ ...engine.projector.stats }), () => engine.recommender.answerCacheStats)
  const ctx: RouteContext = { engine, metrics }
  let closing = false

  engine.commitListeners.add((stats) => {
    metrics.commitSize.observe(stats.events)
    metrics.commitDuration.observe(stats.ms / 1000)
  })

  // sendBeacon and some SDKs post JSON as text/plain.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (error) {
      const e = error as Error & { statusCode?: number; code?: string }
      e.statusCode = 400
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY'
      done(e, undefined)
    }
  })

  // RudderStack's server SDKs gzip their batches. Decompress before parsing; body limits then apply
  // to the decompressed size, which also stops compression bombs.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.toLowerCase()
    if (!encoding || encoding === 'identity') return payload
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      throw new AttuneError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported (use gzip, deflate or none)`)
    }
    delete request.headers['content-length'] // the length on the wire is not the length parsed
    return payload.pipe(encoding === 'gzip' ? createGunzip() : createInflate())
  })

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
  await app.register(peopleRoutes(ctx))
  await app.register(modelRoutes(ctx))
  await app.register(recommendationRoutes(ctx))
  await app.register(reportRoutes(ctx))
  await app.register(decisionRoutes(ctx))
  await app.register(sdkRoutes())
  // The demo shop's pages, when `attune demo` (or `serve --demo`) loaded it into this data dir.
  const demo = readDemoFile(engine.config.dataDir)
  if (demo) await app.register(demoRoutes(engine, demo))
  return app
}
