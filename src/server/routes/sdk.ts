/** GET /sdk/attune.js: the browser SDK (sdk/attune.js), read once at start and served with its digest as ETag. */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import type { FastifyInstance } from 'fastify'

const SDK_FILE = new URL('../../../sdk/attune.js', import.meta.url)

export function sdkRoutes() {
  const source = fs.readFileSync(SDK_FILE, 'utf8')
  const etag = `"${createHash('sha256').update(source).digest('base64url').slice(0, 22)}"`
  return async (app: FastifyInstance) => {
    app.get('/sdk/attune.js', { schema: { tags: ['sdk'], summary: 'The browser SDK: tracking, identity, consent and recommendation widgets' } }, async (request, reply) => {
      // Shops load it on every page: browsers keep it an hour and revalidate cheaply afterwards.
      reply.header('cache-control', 'public, max-age=3600').header('etag', etag).header('access-control-allow-origin', '*')
      if (request.headers['if-none-match'] === etag) return reply.status(304).send()
      return reply.type('application/javascript; charset=utf-8').send(source)
    })
  }
}
