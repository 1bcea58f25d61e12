/** Liveness, readiness, Prometheus metrics and a small landing page. */
import type { FastifyInstance } from 'fastify'
import { readDemoFile } from '../../demo/index.ts'
import { FAVICON_ICO } from '../favicon.ts'
import type { RouteContext } from './context.ts'
import { requireScope, secretKeySecurity } from './context.ts'

const LANDING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Attune</title><link rel="icon" href="/favicon.ico">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body><h1>Attune is running</h1>
<p>A self-hosted personalization engine. Send events to <code>/v1/track</code> or <code>/v1/batch</code> (Segment-compatible) with your write key.</p>
<!--demo-->
<p><a href="/dashboard/">Open the dashboard</a>: sign in as staff to see, steer and debug the engine.</p>
<ul><li><a href="/docs">API documentation</a> (<a href="/openapi.json">OpenAPI 3 JSON</a>)</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>; Prometheus metrics at <code>/metrics</code> with the secret key (or on <code>ATTUNE_METRICS_PORT</code>)</li></ul>
</body></html>`

export function operationsRoutes(ctx: RouteContext, isClosing: () => boolean) {
  const { engine, metrics } = ctx
  const tags = ['operations']
  // The same test as buildApp's for serving the demo's pages: demo.json in the data dir at start-up.
  const demo = readDemoFile(engine.config.dataDir)
  const landing = LANDING.replace('<!--demo-->', demo ? '<p><a href="/demo/">Open the demo shop</a>: a storefront on this engine, with shoppers to sign in as.</p>' : '')
  return async (app: FastifyInstance) => {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html').send(landing))
    app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(FAVICON_ICO),
    )
    app.get('/healthz', { schema: { tags, summary: 'Liveness: the process answers' } }, async () => ({ status: 'ok' }))
    app.get('/readyz', { schema: { tags, summary: 'Readiness: the store, stream and hot state answer and the server is not shutting down' } }, async (request, reply) => {
      if (isClosing()) return reply.status(503).send({ status: 'shutting down' })
      try {
        await engine.checkBackends()
        return { status: 'ready', store: engine.store.kind, stream: engine.stream.kind, hotState: engine.hot.kind }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        return reply.status(503).send({ status: 'unavailable', reason: (error as Error).message })
      }
    })
    // Behind the secret key (Prometheus sends it as a bearer token); ATTUNE_METRICS_PORT serves it keyless on a port of its own.
    app.get(
      '/metrics',
      {
        preHandler: requireScope(ctx, 'secret'),
        schema: { tags, summary: 'Prometheus metrics (secret key, or keyless on ATTUNE_METRICS_PORT)', security: secretKeySecurity },
      },
      async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    )
  }
}
