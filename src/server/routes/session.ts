/**
 * The dashboard's sign-in: POST /v1/session (email and password → the session cookie and its CSRF token),
 * GET /v1/session (who is signed in), DELETE /v1/session (sign out), PUT /v1/session/password.
 * Failed sign-ins are limited per email and per address (`ATTUNE_LOGIN_FAILURE_LIMIT` in 15 minutes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { DEFAULT_SESSION_LIMITS, type SignedIn, staffUserView } from '../../staff/index.ts'
import { checkCsrf, clearSessionCookie, sessionCookie, setSessionCookie } from '../staff-session.ts'
import type { RouteContext } from './context.ts'

const WINDOW_SECONDS = 15 * 60

export const StaffUser = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')]),
    mustChangePassword: Type.Boolean({ description: 'A generated password: the dashboard asks for a new one before anything else.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'StaffUser' },
)
export const SessionReply = Type.Object({
  user: StaffUser,
  csrfToken: Type.String({ description: 'Send it as the x-csrf-token header with every change made with this session.' }),
})
const SignInBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) })
const PasswordBody = Type.Object({ currentPassword: Type.String({ maxLength: 1024 }), newPassword: Type.String({ maxLength: 1024 }) })
const tags = ['staff']

export function sessionRoutes(ctx: RouteContext) {
  const { staff, hot, config } = ctx.engine
  /** This node's addresses and emails past the failure limit, until when (ms): refused without asking hot state. */
  const blocked = new Map<string, number>()

  const signedIn = async (request: FastifyRequest): Promise<SignedIn> => {
    const token = sessionCookie(request)
    const found = token === null ? null : await staff.resolve(token)
    if (!found) throw new AttuneError('not_signed_in', 'not signed in, or the session expired: sign in again', 'cookie')
    return found
  }
  const reply = (s: SignedIn) => ({ user: staffUserView(s.user), csrfToken: s.session.csrfToken })

  const refuseIfBlocked = (keys: string[], response: FastifyReply) => {
    const now = Date.now()
    const until = Math.max(0, ...keys.map((k) => blocked.get(k) ?? 0))
    if (until > now) {
      response.header('retry-after', String(Math.ceil((until - now) / 1000)))
      throw new AttuneError('rate_limited', 'too many failed sign-ins from this address or for this email: wait and try again')
    }
  }
  const countFailure = async (keys: [string, number][]) => {
    const now = Date.now()
    const until = (Math.floor(now / 1000 / WINDOW_SECONDS) + 1) * WINDOW_SECONDS * 1000
    for (const [key, limit] of keys) {
      if ((await hot.hit(key, WINDOW_SECONDS)) >= limit) {
        if (blocked.size > 10_000) blocked.clear()
        blocked.set(key, until)
      }
    }
  }

  return async (app: FastifyInstance) => {
    app.post<{ Body: { email: string; password: string } }>(
      '/v1/session',
      { schema: { tags, summary: 'Sign in to the dashboard', description: 'Sets the HttpOnly session cookie `attune_session`.', body: SignInBody, response: { 200: SessionReply } } },
      async (request, response) => {
        const limit = config.loginFailureLimit
        const email = request.body.email.trim().toLowerCase()
        const keys: [string, number][] = [
          [`login-failures:email:${email.slice(0, 254)}`, limit],
          [`login-failures:address:${request.ip}`, limit * 5],
        ]
        if (limit > 0) refuseIfBlocked(keys.map(([k]) => k), response)
        try {
          const opened = await staff.signIn(email, request.body.password)
          // The cookie lives as long as a session can; the store decides when it expires for being idle.
          setSessionCookie(request, response, opened.token, Math.floor(DEFAULT_SESSION_LIMITS.maxMs / 1000))
          response.header('cache-control', 'no-store')
          return reply(opened)
        } catch (error) {
          if (limit > 0 && error instanceof AttuneError && error.code === 'invalid_credentials') await countFailure(keys)
          throw error
        }
      },
    )

    app.get('/v1/session', { schema: { tags, summary: 'The signed-in staff user and the CSRF token', response: { 200: SessionReply } } }, async (request, response) => {
      response.header('cache-control', 'no-store')
      return reply(await signedIn(request))
    })

    app.delete('/v1/session', { schema: { tags, summary: 'Sign out', description: 'Needs the x-csrf-token header.' } }, async (request, response) => {
      const current = await signedIn(request)
      checkCsrf(request, current)
      await staff.signOut(sessionCookie(request)!)
      clearSessionCookie(request, response)
      return response.code(204).send()
    })

    app.put<{ Body: { currentPassword: string; newPassword: string } }>(
      '/v1/session/password',
      {
        schema: {
          tags,
          summary: 'Change your own password',
          description: `Needs the x-csrf-token header. The new password has at least 12 characters. Your other sessions are signed out.`,
          body: PasswordBody,
          response: { 200: SessionReply },
        },
      },
      async (request) => {
        const current = await signedIn(request)
        checkCsrf(request, current)
        const user = await staff.changePassword(current, request.body.currentPassword, request.body.newPassword)
        return { user, csrfToken: current.session.csrfToken }
      },
    )
  }
}
