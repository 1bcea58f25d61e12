import type { FastifyReply, FastifyRequest } from 'fastify'
import { type ApiKeyRecord, AttuneError, type KeyScope } from '../../core/index.ts'
import { authorize } from '../auth.ts'
import type { Engine } from '../engine.ts'
import type { Metrics } from '../metrics.ts'

/** What every route module receives. */
export interface RouteContext {
  engine: Engine
  metrics: Metrics
}

const keys = new WeakMap<FastifyRequest, ApiKeyRecord>()

/** The key a request was authorized with (by `requireScope`). */
export function keyOf(request: FastifyRequest): ApiKeyRecord {
  const key = keys.get(request)
  if (!key) throw new Error('the route has no requireScope guard')
  return key
}

/** A preHandler that checks the request's key for a scope (runs after the body is parsed: writeKey may be in it). */
export function requireScope(ctx: RouteContext, scope: KeyScope) {
  const limit = ctx.engine.config.rateLimit
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = authorize(ctx.engine.keys, scope, request.headers.authorization, request.body)
    keys.set(request, key)
    // Per key and client address: a public write key must not let one client starve the others.
    if (limit > 0 && (await ctx.engine.hot.hit(`${key.hash.slice(0, 16)}:${request.ip}`, 1)) > limit) {
      reply.header('retry-after', '1')
      throw new AttuneError('rate_limited', `more than ${limit} requests in one second from this client with this key`)
    }
  }
}

export const writeKeySecurity: { [scheme: string]: string[] }[] = [{ writeKeyBasic: [] }, { bearer: [] }]
export const secretKeySecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }]

/** Route-level validator that accepts anything: the schema documents the route, the service checks it. */
export const documentOnly = () => () => true
