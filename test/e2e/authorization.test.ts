/**
 * Who may call what, route by route: every route the app registers must be in test/builders/routes.ts's
 * table, and each one answers every credential (none, a malformed Authorization header, an unknown or
 * revoked key, the write keys as Basic user, Bearer token or body writeKey, the secret key; staff roles
 * once issue 13 adds them) exactly as its class says: public routes as usual, the others 401
 * missing_key / invalid_key or 403 insufficient_scope in the documented error body, never a 5xx.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { ERROR_CODES, type ErrorCode } from '../../src/core/index.ts'
import { basicAuth, bearer } from '../builders/http.ts'
import {
  errorBodyProblem,
  errorCodeOf,
  type RawReply,
  rawRequest,
  registeredRoutes,
  type RouteRow,
  type RouteShop,
  routeKey,
  ROUTES,
  STAFF_ROLES,
  type StaffRole,
  type StaffSession,
  startRouteShop,
} from '../builders/routes.ts'

/** What a credential proves: nothing, the write scope or the secret scope (staff roles: issue 13). */
type Grant = 'none' | 'write' | 'secret' | { staff: StaffRole }

interface Credential {
  name: string
  grant: Grant
  authorization?: string
  /** A staff session: its cookie and the CSRF header, as the dashboard sends them. */
  session?: StaffSession
  /** The key travels as `writeKey` in the JSON body (only on routes that take a body). */
  bodyKey?: string
  /** Sent instead of the route's body: a body that is not JSON, so only the key check can decide. */
  brokenBody?: boolean
}

function credentials(shop: RouteShop, sessions: Record<StaffRole, StaffSession>): Credential[] {
  const { writeKey, secretKey } = shop.server
  return [
    { name: 'no key', grant: 'none' },
    { name: 'Authorization "Bearer" without a token', grant: 'none', authorization: 'Bearer' },
    { name: 'Authorization "Bearer" with blanks', grant: 'none', authorization: 'Bearer    ' },
    { name: 'an unknown scheme carrying the secret key', grant: 'none', authorization: `Token ${secretKey}` },
    { name: 'Basic with bytes that are not base64', grant: 'none', authorization: 'Basic !!!%%%' },
    { name: 'Basic with only a password', grant: 'none', authorization: `Basic ${Buffer.from(`:${secretKey}`).toString('base64')}` },
    { name: 'an unknown key as Bearer', grant: 'none', authorization: bearer('sk_live_00000000000000000000000000000000') },
    { name: 'an unknown key as Basic', grant: 'none', authorization: basicAuth('wk_live_00000000000000000000000000000000') },
    { name: 'the secret key with a character changed', grant: 'none', authorization: bearer(`${secretKey.slice(0, -1)}${secretKey.endsWith('x') ? 'y' : 'x'}`) },
    { name: 'a revoked write key', grant: 'none', authorization: basicAuth(shop.revokedWriteKey) },
    { name: 'a revoked secret key', grant: 'none', authorization: bearer(shop.revokedSecretKey) },
    { name: 'a revoked write key in the body', grant: 'none', bodyKey: shop.revokedWriteKey },
    { name: 'no key, a body that is not JSON', grant: 'none', brokenBody: true },
    { name: 'an unknown key, a body that is not JSON', grant: 'none', authorization: bearer('sk_live_11111111111111111111111111111111'), brokenBody: true },
    { name: 'the write key as Basic user', grant: 'write', authorization: basicAuth(writeKey) },
    { name: 'the write key as Bearer', grant: 'write', authorization: bearer(writeKey) },
    { name: 'the write key in the body', grant: 'write', bodyKey: writeKey },
    { name: "the demo's write key as Basic user", grant: 'write', authorization: basicAuth(shop.demoWriteKey) },
    { name: 'the write key, a body that is not JSON', grant: 'write', authorization: basicAuth(writeKey), brokenBody: true },
    { name: 'the secret key as Bearer', grant: 'secret', authorization: bearer(secretKey) },
    ...STAFF_ROLES.map((role): Credential => ({ name: `staff role ${role}`, grant: { staff: role }, session: sessions[role] })),
    { name: 'an unknown staff session', grant: 'none', session: { cookie: 'attune_session=not-a-session-token', csrfToken: 'x' } },
  ]
}

/** Allowed: the row's `ok` statuses. Refused: one of these codes (401 missing_key / invalid_key, 403 insufficient_scope). */
type Expected = { allowed: true } | { allowed: false; codes: readonly ErrorCode[] }

function expected(row: RouteRow, credential: Credential): Expected {
  if (row.access === 'public') return credential.brokenBody ? { allowed: false, codes: ['invalid_json'] } : { allowed: true }
  const grant = credential.grant
  if (row.access === 'session') {
    if (typeof grant !== 'object') return { allowed: false, codes: credential.brokenBody ? ['invalid_json', 'not_signed_in'] : ['not_signed_in'] }
    return credential.brokenBody ? { allowed: false, codes: ['invalid_json'] } : { allowed: true }
  }
  if (grant === 'none' && credential.session !== undefined) {
    // An unknown session on a write-key route, with no key at all: the body's (absent) key decides.
    return { allowed: false, codes: row.access === 'write' ? ['missing_key', 'not_signed_in'] : ['not_signed_in'] }
  }
  if (grant === 'none') {
    const presentsNothing = credential.authorization === undefined && credential.bodyKey === undefined
    return { allowed: false, codes: presentsNothing ? ['missing_key'] : ['missing_key', 'invalid_key'] }
  }
  if (typeof grant === 'object') {
    if (!row.staff?.includes(grant.staff)) return { allowed: false, codes: ['insufficient_scope'] }
    return credential.brokenBody ? { allowed: false, codes: ['invalid_json'] } : { allowed: true }
  }
  if (grant === 'secret' || row.access === 'write') return credential.brokenBody ? { allowed: false, codes: ['invalid_json'] } : { allowed: true }
  // A write key in a secret route's body may be read (403) or, when keys are checked before bodies are
  // read, not seen at all (401): either way the route is refused.
  return { allowed: false, codes: credential.bodyKey !== undefined ? ['insufficient_scope', 'missing_key'] : ['insufficient_scope'] }
}

describe('authorization of every route', () => {
  let shop: RouteShop
  let sessions: Record<StaffRole, StaffSession>
  let registered: string[]
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })

  before(async () => {
    shop = await startRouteShop()
    sessions = Object.fromEntries(await Promise.all(STAFF_ROLES.map(async (role) => [role, await shop.signIn(role)]))) as Record<StaffRole, StaffSession>
    registered = registeredRoutes(shop.server.app)
  })
  after(async () => {
    agent.destroy()
    await shop?.server.close()
  })

  it('classifies every registered route, and lists no route the app does not have', () => {
    const listed = new Set(ROUTES.map((r) => routeKey(r.method, r.url)))
    assert.equal(listed.size, ROUTES.length, 'a route is listed twice')
    // Fastify answers HEAD for every GET with the GET's handler: they share its row.
    const unlisted = registered.filter((k) => !listed.has(k.startsWith('HEAD ') ? `GET ${k.slice(5)}` : k))
    assert.deepEqual(unlisted, [], 'routes without a row in test/builders/routes.ts: classify each (public, write or secret)')
    const missing = [...listed].filter((k) => !registered.includes(k))
    assert.deepEqual(missing, [], 'rows in test/builders/routes.ts for routes the app does not register')
    if (STAFF_ROLES.length > 0) {
      const unstaffed = ROUTES.filter((r) => r.access !== 'public' && r.access !== 'session' && r.staff === undefined).map((r) => routeKey(r.method, r.url))
      assert.deepEqual(unstaffed, [], 'routes that do not say which staff roles may call them')
    }
  })

  for (const row of ROUTES) {
    it(`${row.method} ${row.url} (${row.access})`, async () => {
      const call = row.call(shop.ids)
      const problems: string[] = []
      const send = (method: string, credential: Credential, body: string | undefined) =>
        rawRequest(shop.server.url, {
          method,
          path: call.path,
          headers: {
            ...call.headers,
            ...(credential.authorization !== undefined && { authorization: credential.authorization }),
            ...(credential.session !== undefined && { cookie: credential.session.cookie, 'x-csrf-token': credential.session.csrfToken }),
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body }),
        }, agent)

      for (const credential of credentials(shop, sessions)) {
        const takesBody = call.body !== undefined
        if ((credential.bodyKey !== undefined || credential.brokenBody) && !takesBody) continue
        const body = credential.brokenBody ? '{"anonymousId": "broken' : takesBody ? JSON.stringify({ ...call.body, ...(credential.bodyKey && { writeKey: credential.bodyKey }) }) : undefined
        const reply = await send(row.method, credential, body)
        const problem = judge(row, expected(row, credential), reply)
        if (problem) problems.push(`${credential.name}: ${problem} [${reply.status} ${JSON.stringify(reply.text.slice(0, 120))}]`)
      }
      if (row.method === 'GET') {
        // HEAD shares the GET's handler and guard; it has no body to check.
        for (const credential of credentials(shop, sessions).filter((c) => !c.brokenBody && c.bodyKey === undefined)) {
          const want = expected(row, credential)
          const reply = await send('HEAD', credential, undefined)
          const status = want.allowed ? row.ok : [...new Set(want.codes.map((c) => ERROR_CODES[c]))]
          if (!status.includes(reply.status)) problems.push(`HEAD, ${credential.name}: answered ${reply.status}, expected ${status.join(' or ')}`)
        }
      }
      assert.deepEqual(problems, [], `${row.method} ${call.path}`)
    })
  }
})

/** Null when the reply is what the expectation says, else what is wrong. */
function judge(row: RouteRow, want: Expected, reply: RawReply): string | null {
  if (reply.status >= 500) return 'a server error'
  if (want.allowed) {
    // A demo page may answer 403 itself (the checkout's cross-site check): only the JSON key errors are refusals.
    // Likewise a session route's own 401 (a wrong current password) is its answer, not a refusal of the session.
    const own = (row.html || (row.access === 'session' && errorCodeOf(reply) === 'invalid_credentials')) && row.ok.includes(reply.status)
    if ((reply.status === 401 || reply.status === 403) && !own) return 'refused an allowed credential'
    if (!row.ok.includes(reply.status)) return `expected ${row.ok.join(' or ')}: the call did not reach the handler as it should`
    return null
  }
  const code = errorCodeOf(reply)
  if (code === null || !want.codes.includes(code as ErrorCode)) return `expected ${want.codes.map((c) => `${ERROR_CODES[c]} ${c}`).join(' or ')}`
  const shape = errorBodyProblem(reply)
  return shape ? `error body: ${shape}` : null
}
