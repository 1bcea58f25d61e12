/**
 * The dashboard's files, built by scripts/build-dashboard.ts into dashboard/dist: hashed assets under
 * /dashboard/assets/ (cached for a year), and index.html for every other /dashboard/ path, so the app's
 * own router draws deep links (/dashboard/people/u-1). Every answer carries a strict CSP: scripts only
 * from this origin, no inline script, no framing.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

const DIST = path.resolve(import.meta.dirname, '../../dashboard/dist')

/** Item pictures may live on the shop's own https CDN; everything else comes from this origin. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>npm run build:dashboard</code> (or <code>npm start</code>, which builds it), then reload.</p></body></html>`

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
}

export function dashboardRoutes(dist = DIST) {
  return async (app: FastifyInstance) => {
    const indexFile = path.join(dist, 'index.html')
    app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/', 302))
    // index.html is read per request: it is small, and a rebuild while the engine runs is picked up.
    app.get('/dashboard/*', { schema: { hide: true } }, async (_request, reply) => {
      secure(reply).header('cache-control', 'no-cache')
      if (!existsSync(indexFile)) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT)
      return reply.type('text/html; charset=utf-8').send(readFileSync(indexFile))
    })
    // Registered even before a build exists (the plugin then only warns): files are looked up per request,
    // so a dashboard built while the engine runs works without a restart.
    await app.register(fastifyStatic, {
      root: path.join(dist, 'assets'),
      prefix: '/dashboard/assets/',
      // File names carry their content hash: cache them for good.
      immutable: true,
      maxAge: '365d',
      index: false,
      list: false,
      schemaHide: true,
      setHeaders: (res) => {
        res.setHeader('content-security-policy', DASHBOARD_CSP)
        res.setHeader('x-content-type-options', 'nosniff')
      },
    })
  }
}
