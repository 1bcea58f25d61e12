import type { FastifyRequest } from 'fastify'
import type { KeyScope } from '../../core/index.ts'
import { authorize } from '../auth.ts'
import type { Engine } from '../engine.ts'
import type { Metrics } from '../metrics.ts'

/** What every route module receives. */
export interface RouteContext {
  engine: Engine
  metrics: Metrics
}

/** A preHandler that checks the request's key for a scope (runs after the body is parsed: writeKey may be in it). */
export function requireScope(ctx: RouteContext, scope: KeyScope) {
  return async (request: FastifyRequest) => {
    authorize(ctx.engine.keys, scope, request.headers.authorization, request.body)
  }
}

export const writeKeySecurity: { [scheme: string]: string[] }[] = [{ writeKeyBasic: [] }, { bearer: [] }]
export const secretKeySecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }]

/** Route-level validator that accepts anything: the schema documents the route, the service checks it. */
export const documentOnly = () => () => true
