/**
 * The dashboard's session on the wire: an HttpOnly, SameSite=Strict cookie holding a random token (the
 * store keeps its digest), and a synchronizer CSRF token that every change must echo in `x-csrf-token`.
 * SameSite=Strict already keeps other sites' requests from carrying the cookie; the token and the Origin
 * check are the second lock, for browsers or proxies that do not honour it.
 */
import { timingSafeEqual } from 'node:crypto'
import { parse, serialize } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AttuneError } from '../core/index.ts'
import { roleAllows, type SignedIn, type StaffService } from '../staff/index.ts'
import type { StaffRole } from '../storage/index.ts'

export const SESSION_COOKIE = 'attune_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function sessionCookie(request: FastifyRequest): string | null {
  const header = request.headers.cookie
  if (!header || !header.includes(SESSION_COOKIE)) return null
  const value = parse(header)[SESSION_COOKIE]
  return value ? value : null
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.header('set-cookie', serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https', maxAge: maxAgeSeconds }))
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https', maxAge: 0 }))
}

/** Whether a browser's Origin (absent on same-origin GETs and from non-browser clients) is this server. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  return origin === `${request.protocol}://${request.host}`
}

/** A change made with a session must come from this site and carry the session's CSRF token. */
export function checkCsrf(request: FastifyRequest, signedIn: SignedIn): void {
  if (SAFE_METHODS.has(request.method)) return
  if (!sameOrigin(request)) throw new AttuneError('csrf_failed', `a change with a staff session from another site (Origin ${request.headers.origin}) is refused`, 'origin')
  const sent = request.headers['x-csrf-token']
  const expected = Buffer.from(signedIn.session.csrfToken)
  const given = Buffer.from(typeof sent === 'string' ? sent : '')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AttuneError('csrf_failed', "a change with a staff session must send the session's csrfToken in the x-csrf-token header", 'x-csrf-token')
  }
}

/** The signed-in staff member of a guarded route's request, checked for role and CSRF; throws the refusal. */
export async function checkStaffRequest(staff: StaffService, request: FastifyRequest, token: string, needed: StaffRole): Promise<SignedIn> {
  const signedIn = await staff.resolve(token)
  if (!signedIn) throw new AttuneError('not_signed_in', 'the staff session is unknown or expired: sign in again', 'cookie')
  if (signedIn.user.mustChangePassword) throw new AttuneError('insufficient_scope', 'change your password first (PUT /v1/session/password)')
  if (!roleAllows(signedIn.user.role, needed)) {
    throw new AttuneError('insufficient_scope', `this needs the ${needed} role or higher; you are signed in as ${signedIn.user.role}`)
  }
  checkCsrf(request, signedIn)
  return signedIn
}
