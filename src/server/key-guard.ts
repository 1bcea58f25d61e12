/**
 * API keys are checked before a body is read: a request without a valid key must cost no parsing, let alone
 * inflating a compressed body. Every route guarded by `requireScope` gets an onRequest check of the key in
 * the Authorization header (or `?writeKey=` on write-key routes); a bad key, or none on a secret-key route,
 * is answered before one byte of the body is read. Write-key routes may instead carry the key in the body
 * (`writeKey`: sendBeacon cannot set headers); such a body is read only uncompressed and up to 64 KB (a
 * beacon's own limit), and its key is checked after parsing.
 *
 * Limits: per key and client address per second (write and secret keys have their own), and per client
 * address for requests that end without a valid key (per minute; past it, 429 until the minute ends).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import { type ApiKeyRecord, AttuneError, type KeyScope } from '../core/index.ts'
import type { StaffRole } from '../storage/index.ts'
import type { SignedIn } from '../staff/index.ts'
import { checkKey, headerKey } from './auth.ts'
import type { Engine } from './engine.ts'
import { checkStaffRequest, sessionCookie } from './staff-session.ts'

/** Largest body read before its key is known: what a browser lets sendBeacon send. */
export const BODY_KEY_LIMIT = 64 * 1024
const FAILURE_WINDOW_SECONDS = 60

const verified = new WeakMap<FastifyRequest, ApiKeyRecord>()
const staffRequests = new WeakMap<FastifyRequest, SignedIn>()
const awaitingBodyKey = new WeakSet<FastifyRequest>()
const GUARD_SCOPE = Symbol('guard scope')

interface GuardNeeds {
  scope: KeyScope
  /** The least staff role that may call the route with a session; default: viewer for reads, admin for changes. */
  staff: StaffRole | undefined
}
type Guard = preHandlerAsyncHookHandler & { [GUARD_SCOPE]?: GuardNeeds }

/** The staff member a request was authorized for by their session, or null (an API key, or no guard). */
export function staffOf(request: FastifyRequest): SignedIn | null {
  return staffRequests.get(request) ?? null
}

/** The key a request was authorized with. */
export function keyOf(request: FastifyRequest): ApiKeyRecord {
  const key = verified.get(request)
  if (!key) throw new Error('the route has no requireScope guard')
  return key
}

/** Whether the request's key was verified before its body is read (so the body may be inflated and be large). */
export function keyVerifiedBeforeBody(request: FastifyRequest): boolean {
  return verified.has(request)
}

/** Whether the request may still bring its key in the body (a write-key route without a key in header or query). */
export function awaitsBodyKey(request: FastifyRequest): boolean {
  return awaitingBodyKey.has(request)
}

export class KeyGuard {
  readonly #engine: Engine
  /** Client addresses past the failure limit, until when (ms): refused here without asking hot state. */
  readonly #blocked = new Map<string, number>()

  constructor(engine: Engine) {
    this.#engine = engine
  }

  /**
   * The preHandler of a route that needs `scope` (`requireScope`); `install` adds its early half. A staff
   * session may call it too, with at least the role `staff`.
   */
  guard(scope: KeyScope, staff?: StaffRole): preHandlerAsyncHookHandler {
    const guard: Guard = async (request, reply) => {
      if (verified.has(request)) return
      // Only a write-key route without a key in its header or query gets here: the key is in the body.
      let record: ApiKeyRecord
      try {
        record = checkKey(this.#engine.keys, scope, scope === 'write' ? bodyWriteKey(request.body) : null)
      } catch (error) {
        return this.#refuse(request, reply, error as AttuneError)
      }
      verified.set(request, record)
      await this.#limit(request, reply, record)
    }
    guard[GUARD_SCOPE] = { scope, staff }
    return guard
  }

  /** Gives every guarded route its key check before the body (an onRequest hook); call before routes are added. */
  install(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const handlers = [route.preHandler].flat() as (Guard | undefined)[]
      const needs = handlers.find((h) => h?.[GUARD_SCOPE])?.[GUARD_SCOPE]
      if (needs === undefined) return
      const reads = [route.method].flat().every((m) => m === 'GET' || m === 'HEAD')
      const staff = needs.staff ?? (reads ? 'viewer' : 'admin')
      route.onRequest = [this.#early(needs.scope, staff), ...([route.onRequest].flat().filter(Boolean) as onRequestAsyncHookHandler[])]
    })
  }

  #early(scope: KeyScope, staff: StaffRole): onRequestAsyncHookHandler {
    return async (request, reply) => {
      // A staff session (the dashboard) counts where no Authorization header is sent; on write-key routes only
      // with the session's CSRF header, so a shop page on this origin that sends its key in the body (a beacon)
      // is never mistaken for the dashboard.
      const token = request.headers.authorization ? null : sessionCookie(request)
      if (token !== null && (scope === 'secret' || request.headers['x-csrf-token'] !== undefined)) {
        let signedIn: SignedIn
        try {
          signedIn = await checkStaffRequest(this.#engine.staff, request, token, staff)
        } catch (error) {
          if (hasBody(request)) reply.header('connection', 'close')
          return this.#refuse(request, reply, error as AttuneError)
        }
        const record = staffKeyRecord(signedIn)
        verified.set(request, record)
        staffRequests.set(request, signedIn)
        await this.#limit(request, reply, record)
        return
      }
      const key = headerKey(request.headers.authorization) ?? (scope === 'write' ? queryWriteKey(request) : null)
      if (key === null && scope === 'write' && !request.headers.authorization) {
        const until = this.#blocked.get(request.ip)
        if (until !== undefined && until > Date.now()) throw this.#tooManyFailures(reply, until)
        awaitingBodyKey.add(request)
        return
      }
      let record: ApiKeyRecord
      try {
        record = checkKey(this.#engine.keys, scope, key)
      } catch (error) {
        // The body will not be read: do not keep the connection to drain it.
        if (hasBody(request)) reply.header('connection', 'close')
        return this.#refuse(request, reply, error as AttuneError)
      }
      verified.set(request, record)
      await this.#limit(request, reply, record)
    }
  }

  /** Per key and client address: a public write key must not let one client starve the others. */
  async #limit(request: FastifyRequest, reply: FastifyReply, record: ApiKeyRecord): Promise<void> {
    const { rateLimit, secretRateLimit } = this.#engine.config
    const limit = record.scope === 'secret' ? secretRateLimit : rateLimit
    if (limit > 0 && (await this.#engine.hot.hit(`${record.hash.slice(0, 16)}:${request.ip}`, 1)) > limit) {
      reply.header('retry-after', '1')
      throw new AttuneError('rate_limited', `more than ${limit} requests in one second from this client with this key`)
    }
  }

  /** Counts a request without a valid key against its address, then throws its error (or 429 past the limit). */
  async #refuse(request: FastifyRequest, reply: FastifyReply, error: AttuneError): Promise<never> {
    const limit = this.#engine.config.authFailureLimit
    if (limit > 0 && error.status === 401) {
      const failures = await this.#engine.hot.hit(`auth-failures:${request.ip}`, FAILURE_WINDOW_SECONDS)
      if (failures > limit) {
        const until = (Math.floor(Date.now() / 1000 / FAILURE_WINDOW_SECONDS) + 1) * FAILURE_WINDOW_SECONDS * 1000
        if (this.#blocked.size > 10_000) this.#blocked.clear()
        this.#blocked.set(request.ip, until)
        throw this.#tooManyFailures(reply, until)
      }
    }
    throw error
  }

  #tooManyFailures(reply: FastifyReply, until: number): AttuneError {
    reply.header('retry-after', String(Math.max(1, Math.ceil((until - Date.now()) / 1000))))
    if (hasBody(reply.request)) reply.header('connection', 'close')
    return new AttuneError('rate_limited', `more than ${this.#engine.config.authFailureLimit} requests without a valid key from this address in a minute`)
  }
}

/** A staff session acts with the secret key's reach, as far as its role allows (checked before). */
function staffKeyRecord({ user }: SignedIn): ApiKeyRecord {
  return { id: `staff:${user.id}`, scope: 'secret', hash: `staff:${user.id}`, label: user.email, createdAt: new Date(user.createdAt).toISOString(), revokedAt: null }
}

function bodyWriteKey(body: unknown): string | null {
  const writeKey = (body as { writeKey?: unknown } | null)?.writeKey
  return typeof writeKey === 'string' && writeKey !== '' ? writeKey : null
}

/** `?writeKey=` (RudderStack's beacon transport puts it there). */
function queryWriteKey(request: FastifyRequest): string | null {
  const value = (request.query as Record<string, unknown> | undefined)?.writeKey
  return typeof value === 'string' && value !== '' ? value : null
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}
