import type { KeyScope } from '../../core/index.ts'
import type { StaffRole } from '../../storage/index.ts'
import type { Engine } from '../engine.ts'
import { type KeyGuard, keyOf } from '../key-guard.ts'
import type { Metrics } from '../metrics.ts'

/** What every route module receives. */
export interface RouteContext {
  engine: Engine
  metrics: Metrics
  keyGuard: KeyGuard
}

/** The key a request was authorized with (by `requireScope`). */
export { keyOf }

/**
 * The guard of a route that needs a key of `scope`. The key is checked before the body is read when it
 * comes in a header or the query (see key-guard.ts); a write key in the body is checked after parsing.
 * A dashboard session may call it with at least the role `staff` (default: viewer for GET, admin otherwise).
 */
export function requireScope(ctx: RouteContext, scope: KeyScope, staff?: StaffRole) {
  return ctx.keyGuard.guard(scope, staff)
}

export { staffOf } from '../key-guard.ts'

export const writeKeySecurity: { [scheme: string]: string[] }[] = [{ writeKeyBasic: [] }, { bearer: [] }]
export const secretKeySecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }]

/** Route-level validator that accepts anything: the schema documents the route, the service checks it. */
export const documentOnly = () => () => true
