/**
 * Every route the app registers, with who may call it and one call per route that reaches its handler on
 * the shop of `startRouteShop`. test/e2e/authorization.test.ts and test/e2e/fuzz.test.ts both drive this
 * table and fail when the app registers a route it does not list: a new route gets its row here.
 */
import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { ERROR_CODES, type ErrorCode, hashKey, newId } from '../../src/core/index.ts'
import { loadDemo } from '../../src/demo/index.ts'
import { STAFF_ROLES } from '../../src/staff/index.ts'
import type { StaffRole } from '../../src/storage/index.ts'
import { waitFor } from '../support/child-server.ts'
import { basicAuth, bearer, request } from './http.ts'
import { startServer, type TestServer } from './server.ts'

/**
 * Who may call a route: anyone, the public write key (or the secret key), only the secret key, or (the
 * dashboard's sign-in routes) whoever holds a staff session, which the route reads itself.
 */
export type Access = 'public' | 'write' | 'secret' | 'session'

/**
 * Staff roles arrive with issue 13. List each role here; every row that is not public then says in `staff`
 * which roles may call it, and the authorization test checks each role's credential against that
 * (allowed: the row's `ok` statuses; not allowed: 403 insufficient_scope).
 */
export { STAFF_ROLES } from '../../src/staff/index.ts'
export type { StaffRole } from '../../src/storage/index.ts'
/** Who may call a route among staff: anyone signed in, editors and admins, admins only. */
export const STAFF = {
  read: ['admin', 'editor', 'viewer'],
  edit: ['admin', 'editor'],
  admin: ['admin'],
} as const satisfies Record<string, readonly StaffRole[]>

/** Ids from the loaded shop that calls put into paths and bodies. */
export interface ShopIds {
  /** A catalogue item (read, replaced). */
  itemId: string
  /** An item that exists until a DELETE removes it. */
  doomedItemId: string
  /** A shopper with a history (signed in: user id). */
  userId: string
  /** An anonymous visitor with events of their own, merged into `userId` by the merge call. */
  anonymousId: string
  /** A ready model version. */
  modelVersionId: string
  /** A top-level category of the catalogue. */
  category: string
  /** A staff user the route calls may change. */
  spareStaffId: string
  /** A segment and a computed trait the calls read and change, and one of each a DELETE removes. */
  segmentId: string
  doomedSegmentId: string
  traitId: string
  doomedTraitId: string
}

/** The staff users of the route shop, one per role, all with this password. */
export const ROUTE_STAFF_EMAIL = (role: StaffRole) => `authz-${role}@example.com`
export const ROUTE_STAFF_PASSWORD = 'route tests password'

/** A signed-in staff member, as a browser holds it: the session cookie and the CSRF token. */
export interface StaffSession {
  cookie: string
  csrfToken: string
}

export interface RouteCall {
  /** Path and query string, already encoded. */
  path: string
  /** A JSON body (the write key may be added to it as `writeKey`). */
  body?: Record<string, unknown>
  headers?: Record<string, string>
}

export interface RouteRow {
  method: string
  /** The route as Fastify registered it, e.g. /v1/items/:id. */
  url: string
  access: Access
  /** Issue 13: the staff roles allowed to call it (see STAFF_ROLES). */
  staff?: readonly StaffRole[]
  /** A call that reaches the handler when authorized. */
  call(ids: ShopIds): RouteCall
  /** Statuses `call` answers when authorized. */
  ok: readonly number[]
  /** The route answers HTML pages for people (the demo): its 4xx are pages, not the JSON error body. */
  html?: boolean
}

const enc = encodeURIComponent
// Every field the profile fold reads by name (category, brand, device type, channel) is there to be fuzzed.
const context = { device: { type: 'mobile' }, channel: 'web' }
const track = (ids: ShopIds) => ({
  anonymousId: ids.anonymousId,
  event: 'Product Viewed',
  properties: { product_id: ids.itemId, category: ids.category, brand: 'Authz', price: 10 },
  context,
})
const identify = (ids: ShopIds) => ({ anonymousId: ids.anonymousId, traits: { plan: 'free', email: 'visitor@example.com' }, context })
const page = (ids: ShopIds) => ({ anonymousId: ids.anonymousId, name: 'Category', properties: { path: '/', category: ids.category }, context })
const alias = (ids: ShopIds) => ({ previousId: `${ids.anonymousId}-before`, userId: `${ids.anonymousId}-after` })
const group = (ids: ShopIds) => ({ anonymousId: ids.anonymousId, groupId: 'authz-group', traits: { name: 'Team' } })
const batch = (ids: ShopIds) => ({ batch: [{ type: 'track', ...track(ids) }, { type: 'page', ...page(ids) }] })

// Sending events is not the dashboard's business: a session may, with the CSRF header, only as an admin.
function tracking(url: string, body: (ids: ShopIds) => Record<string, unknown>): RouteRow {
  return { method: 'POST', url, access: 'write', staff: STAFF.admin, call: (ids) => ({ path: url, body: body(ids) }), ok: [200] }
}
const get = (url: string, access: Access, ok: readonly number[] = [200], path: (ids: ShopIds) => string = () => url, html = false): RouteRow => ({
  method: 'GET',
  url,
  access,
  ...(access !== 'public' && { staff: STAFF.read }),
  call: (ids) => ({ path: path(ids) }),
  ok,
  ...(html && { html }),
})
const demoPage = (url: string, path: (ids: ShopIds) => string = () => url, ok: readonly number[] = [200]) => get(url, 'public', ok, path, true)

/** Every route, with its class. HEAD routes are Fastify's for each GET and share its row. */
export const ROUTES: readonly RouteRow[] = [
  // Public: operations, documentation, the SDK, the demo shop.
  get('/', 'public'),
  get('/healthz', 'public'),
  get('/readyz', 'public'),
  get('/openapi.json', 'public'),
  get('/docs', 'public', [200, 302]),
  get('/docs/', 'public', [200, 302]),
  get('/docs/json', 'public'),
  get('/docs/yaml', 'public'),
  get('/docs/static/index.html', 'public', [200, 302]),
  get('/docs/static/swagger-initializer.js', 'public'),
  get('/docs/static/*', 'public', [200], () => '/docs/static/swagger-ui.css'),
  get('/sdk/attune.js', 'public'),
  get('/favicon.ico', 'public'),
  // The dashboard's files: the app (index.html for every path, its router draws the page) and its hashed assets.
  get('/dashboard', 'public', [302]),
  get('/dashboard/*', 'public', [200], () => '/dashboard/people/someone'),
  get('/dashboard/assets/*', 'public', [404], () => '/dashboard/assets/no-such-file.js'),
  // CORS preflights, for any path.
  {
    method: 'OPTIONS',
    url: '*',
    access: 'public',
    call: () => ({ path: '/v1/batch', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } }),
    ok: [204],
  },
  demoPage('/demo', undefined, [302]),
  demoPage('/demo/'),
  demoPage('/demo/c/*', (ids) => `/demo/c/${enc(ids.category)}`),
  demoPage('/demo/p/:id', (ids) => `/demo/p/${enc(ids.itemId)}`),
  demoPage('/demo/cart'),
  demoPage('/demo/checkout'),
  demoPage('/demo/login'),
  demoPage('/demo/img/:file', (ids) => `/demo/img/${enc(ids.itemId)}.svg`),
  demoPage('/demo/assets/:name', () => '/demo/assets/shop.css'),
  // Placing an order needs the checkout page's token cookie and this site's Origin: without them, a 403 page.
  { method: 'POST', url: '/demo/checkout', access: 'public', call: () => ({ path: '/demo/checkout', body: { id: ['sku'], q: ['1'] } }), ok: [403], html: true },
  // Orders are shown only to the browser that placed them.
  demoPage('/demo/orders/:id', () => '/demo/orders/o-authz-unknown', [404]),
  demoPage('/demo/*', () => '/demo/no-such-page', [404]),

  // Write key (public, in every shop page): tracking with analytics.js's one-letter aliases, recommendations, decisions.
  tracking('/v1/track', track),
  tracking('/v1/t', track),
  tracking('/v1/identify', identify),
  tracking('/v1/i', identify),
  tracking('/v1/page', page),
  tracking('/v1/p', page),
  tracking('/v1/screen', page),
  tracking('/v1/s', page),
  tracking('/v1/alias', alias),
  tracking('/v1/a', alias),
  tracking('/v1/group', group),
  tracking('/v1/g', group),
  tracking('/v1/batch', batch),
  tracking('/v1/b', batch),
  {
    method: 'POST',
    url: '/v1/recommendations',
    staff: STAFF.read,
    access: 'write',
    call: (ids) => ({ path: '/v1/recommendations', body: { anonymousId: ids.anonymousId, strategy: 'trending', count: 3 } }),
    ok: [200],
  },
  {
    method: 'POST',
    url: '/v1/decisions',
    staff: STAFF.read,
    access: 'write',
    call: (ids) => ({
      path: '/v1/decisions',
      body: { anonymousId: ids.anonymousId, placement: 'home-banner', variants: [{ id: 'toys', category: ids.category }, { id: 'plain', default: true }] },
    }),
    ok: [200],
  },

  // Secret key: everything else.
  get('/metrics', 'secret'),
  // events: the live-events debugger and the data-quality report (staff viewers and up).
  get('/v1/events', 'secret', [200], (ids) => `/v1/events?limit=5&id=${enc(ids.anonymousId)}`),
  get('/v1/events/rejected', 'secret', [200], () => '/v1/events/rejected?limit=5'),
  get('/v1/reports/data-quality', 'secret'),
  get('/v1/items', 'secret', [200], (ids) => `/v1/items?limit=5&q=${enc(ids.itemId.slice(0, 3))}&category=${enc(ids.category)}&inStock=true`),
  { method: 'POST', url: '/v1/items', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: '/v1/items', body: { items: [{ id: ids.itemId, title: 'Authz item', price: 10, categories: [ids.category], brand: 'Authz' }] } }), ok: [200] },
  get('/v1/items/:id', 'secret', [200], (ids) => `/v1/items/${enc(ids.itemId)}`),
  { method: 'PUT', url: '/v1/items/:id', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: `/v1/items/${enc(ids.itemId)}`, body: { title: 'Authz item', price: 10, categories: [ids.category], brand: 'Authz' } }), ok: [200] },
  { method: 'DELETE', url: '/v1/items/:id', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: `/v1/items/${enc(ids.doomedItemId)}` }), ok: [204, 404] },
  get('/v1/categories', 'secret'),
  // catalog: an item's related lists (the dashboard's item page; GET /v1/items above also searches)
  get('/v1/items/:id/related', 'secret', [200], (ids) => `/v1/items/${enc(ids.itemId)}/related?count=3`),
  {
    method: 'POST',
    url: '/v1/categories',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: '/v1/categories', body: { categories: [{ path: ids.category, sensitive: false }] } }),
    ok: [200],
  },
  get('/v1/people/:userId', 'secret', [200], (ids) => `/v1/people/${enc(ids.userId)}`),
  get('/v1/people/:userId/events', 'secret', [200], (ids) => `/v1/people/${enc(ids.userId)}/events?limit=5`),
  // people: the people list and search, and the events behind a person's affinities.
  get('/v1/people', 'secret', [200], (ids) => `/v1/people?q=${enc(ids.userId.slice(0, 3))}&limit=5`),
  get('/v1/people/:userId/affinities', 'secret', [200], (ids) => `/v1/people/${enc(ids.userId)}/affinities?events=3`),
  {
    method: 'PUT',
    url: '/v1/people/:userId/preferences',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: `/v1/people/${enc(ids.userId)}/preferences`, body: { categories: { liked: [ids.category] } } }),
    ok: [200, 202],
  },
  {
    method: 'PUT',
    url: '/v1/people/:userId/consent',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: `/v1/people/${enc(ids.userId)}/consent`, body: { personalization: true } }),
    ok: [200, 202],
  },
  {
    method: 'POST',
    url: '/v1/people/:userId/merge',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: `/v1/people/${enc(ids.userId)}/merge`, body: { otherId: ids.anonymousId, otherType: 'anonymous_id' } }),
    // 409 once merged (the write-key calls above keep adding the visitor's events).
    ok: [200, 202, 409],
  },
  {
    method: 'POST',
    url: '/v1/people/:userId/unmerge',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: `/v1/people/${enc(ids.userId)}/unmerge`, body: { mergeId: 'no-such-merge' } }),
    ok: [404],
  },
  get('/v1/models', 'secret'),
  { method: 'POST', url: '/v1/models/train', staff: STAFF.edit, access: 'secret', call: () => ({ path: '/v1/models/train' }), ok: [202, 409] },
  { method: 'POST', url: '/v1/models/:id/activate', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: `/v1/models/${enc(ids.modelVersionId)}/activate` }), ok: [200] },
  get('/v1/reports/recommendations', 'secret'),
  // overview: the overview report per time bucket (the attribution report's by=day is its row above).
  get('/v1/reports/overview', 'secret', [200], () => '/v1/reports/overview?bucket=day&tz=Asia%2FKolkata'),
  // segments: segments and computed traits; staff viewers read (and preview), editors change.
  get('/v1/segments', 'secret'),
  {
    method: 'POST',
    url: '/v1/segments',
    staff: STAFF.edit,
    access: 'secret',
    // 201 the first time, 409 once the key exists.
    call: () => ({ path: '/v1/segments', body: { key: 'authz_buyers', name: 'Authz buyers', definition: { profile: { orders: { gte: 1 } } } } }),
    ok: [201, 409],
  },
  get('/v1/segments/:id', 'secret', [200], (ids) => `/v1/segments/${enc(ids.segmentId)}`),
  {
    method: 'PUT',
    url: '/v1/segments/:id',
    staff: STAFF.edit,
    access: 'secret',
    // 409 once another credential's call raised the version past 1.
    call: (ids) => ({ path: `/v1/segments/${enc(ids.segmentId)}`, body: { expectedVersion: 1, name: 'Authz segment', definition: { event: { kind: 'order_completed', within: '30d' } } } }),
    ok: [200, 409],
  },
  { method: 'DELETE', url: '/v1/segments/:id', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: `/v1/segments/${enc(ids.doomedSegmentId)}` }), ok: [204, 404] },
  get('/v1/segments/:id/versions', 'secret', [200], (ids) => `/v1/segments/${enc(ids.segmentId)}/versions`),
  get('/v1/segments/:id/members', 'secret', [200], (ids) => `/v1/segments/${enc(ids.segmentId)}/members?limit=5`),
  get('/v1/segments/:id/members.csv', 'secret', [200], (ids) => `/v1/segments/${enc(ids.segmentId)}/members.csv`),
  get('/v1/segments/:id/sizes', 'secret', [200], (ids) => `/v1/segments/${enc(ids.segmentId)}/sizes?from=${enc(new Date(Date.now() - 7 * 864e5).toISOString())}`),
  {
    method: 'POST',
    url: '/v1/segments/preview',
    staff: STAFF.read,
    access: 'secret',
    call: (ids) => ({ path: '/v1/segments/preview', body: { definition: { event: { kind: 'product_viewed', item: { category: ids.category }, within: '14d' } }, sample: 3 } }),
    // 429 when two previews of other credentials are still running.
    ok: [200, 429],
  },
  { method: 'POST', url: '/v1/segments/built-ins', staff: STAFF.edit, access: 'secret', call: () => ({ path: '/v1/segments/built-ins' }), ok: [200] },
  get('/v1/traits', 'secret'),
  {
    method: 'POST',
    url: '/v1/traits',
    staff: STAFF.edit,
    access: 'secret',
    call: () => ({ path: '/v1/traits', body: { key: 'authz_views', name: 'Authz views', definition: { type: 'counter', event: { kind: 'product_viewed' }, within: '30d' } } }),
    ok: [201, 409],
  },
  get('/v1/traits/:id', 'secret', [200], (ids) => `/v1/traits/${enc(ids.traitId)}`),
  {
    method: 'PUT',
    url: '/v1/traits/:id',
    staff: STAFF.edit,
    access: 'secret',
    call: (ids) => ({ path: `/v1/traits/${enc(ids.traitId)}`, body: { expectedVersion: 1, name: 'Authz trait' } }),
    ok: [200, 409],
  },
  { method: 'DELETE', url: '/v1/traits/:id', staff: STAFF.edit, access: 'secret', call: (ids) => ({ path: `/v1/traits/${enc(ids.doomedTraitId)}` }), ok: [204, 404] },
  get('/v1/traits/:id/versions', 'secret', [200], (ids) => `/v1/traits/${enc(ids.traitId)}/versions`),
  // Staff accounts: admins (and the secret key) only.
  { ...get('/v1/staff/users', 'secret'), staff: STAFF.admin },
  {
    method: 'POST',
    url: '/v1/staff/users',
    access: 'secret',
    staff: STAFF.admin,
    // 201 the first time, 409 once the email exists.
    call: () => ({ path: '/v1/staff/users', body: { email: 'authz-added@example.com', role: 'viewer' } }),
    ok: [201, 409],
  },
  {
    method: 'PATCH',
    url: '/v1/staff/users/:id',
    access: 'secret',
    staff: STAFF.admin,
    call: (ids) => ({ path: `/v1/staff/users/${enc(ids.spareStaffId)}`, body: { role: 'editor' } }),
    ok: [200],
  },
  { method: 'DELETE', url: '/v1/staff/users/:id', access: 'secret', staff: STAFF.admin, call: () => ({ path: '/v1/staff/users/no-such-user' }), ok: [404] },
  // Signing in is public (a wrong password answers 401 invalid_credentials, rate limited); the others read the session.
  {
    method: 'POST',
    url: '/v1/session',
    access: 'public',
    call: () => ({ path: '/v1/session', body: { email: ROUTE_STAFF_EMAIL('viewer'), password: ROUTE_STAFF_PASSWORD } }),
    ok: [200],
  },
  get('/v1/session', 'session'),
  {
    method: 'PUT',
    url: '/v1/session/password',
    access: 'session',
    // A wrong current password: the handler answers 401 invalid_credentials and the session lives on.
    call: () => ({ path: '/v1/session/password', body: { currentPassword: 'not the password at all', newPassword: 'a brand new password' } }),
    ok: [401],
  },
  { method: 'POST', url: '/v1/user-tokens', staff: STAFF.admin, access: 'secret', call: (ids) => ({ path: '/v1/user-tokens', body: { userId: ids.userId } }), ok: [200] },
  // settings: API keys, engine settings and the configuration, admins (and the secret key) only.
  { ...get('/v1/keys', 'secret'), staff: STAFF.admin },
  { method: 'POST', url: '/v1/keys', access: 'secret', staff: STAFF.admin, call: () => ({ path: '/v1/keys', body: { kind: 'write', name: 'made by the route tests' } }), ok: [201] },
  // An unknown id: the route shop's own keys must survive every credential's call.
  { method: 'DELETE', url: '/v1/keys/:id', access: 'secret', staff: STAFF.admin, call: () => ({ path: '/v1/keys/no-such-key' }), ok: [404] },
  { ...get('/v1/settings', 'secret'), staff: STAFF.admin },
  {
    method: 'PUT',
    url: '/v1/settings',
    access: 'secret',
    staff: STAFF.admin,
    call: () => ({ path: '/v1/settings', body: { consentDefaults: { personalization: true, email: false } } }),
    ok: [200],
  },
  { ...get('/v1/config', 'secret'), staff: STAFF.admin },
  // Last: it signs out the sessions it is called with.
  { method: 'DELETE', url: '/v1/session', access: 'session', call: () => ({ path: '/v1/session' }), ok: [204] },
]

export const routeKey = (method: string, url: string) => `${method} ${url}`

/**
 * The routes the app registered, as "METHOD /url". printRoutes() draws Fastify's radix tree, one node a
 * line, each node's key continuing its parent's path; every route read back is checked with hasRoute.
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const found: string[] = []
  const pathAt: string[] = []
  for (const line of app.printRoutes().split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    pathAt.length = depth
    const key = match[2] === '(empty root node)' ? '' : match[2]!
    const path = (pathAt[depth - 1] ?? '') + key
    pathAt[depth] = path
    for (const method of match[3]?.split(', ') ?? []) {
      // CORS's catch-all OPTIONS route is drawn as "*" but known to hasRoute as "/*".
      const known = app.hasRoute({ method: method as 'GET', url: path }) || (!path.startsWith('/') && app.hasRoute({ method: method as 'GET', url: `/${path}` }))
      if (!known) throw new Error(`read "${method} ${path}" off printRoutes(), but hasRoute does not know it`)
      found.push(routeKey(method, path))
    }
  }
  if (found.length === 0) throw new Error(`no routes read off printRoutes():\n${app.printRoutes()}`)
  return [...new Set(found)].sort()
}

export interface RouteShop {
  server: TestServer
  ids: ShopIds
  /** The demo's own write key (a second write key, printed in the demo pages). */
  demoWriteKey: string
  revokedWriteKey: string
  revokedSecretKey: string
  /** Fresh sessions of each role's staff user. */
  signIn(role: StaffRole): Promise<StaffSession>
}

/**
 * A server with the demo shop loaded (catalogue, people, a trained model, the demo pages), a revoked write
 * and secret key, the workers running, and no rate limit (these tests send hundreds of requests a second).
 */
export async function startRouteShop(): Promise<RouteShop> {
  const env = { ATTUNE_RATE_LIMIT: '0', ATTUNE_BUILT_IN_SEGMENTS: 'true' }
  const loading = await startServer({}, { env })
  let demo: Awaited<ReturnType<typeof loadDemo>>
  const revokedWriteKey = `wk_revoked_${newId().replace(/-/g, '')}`
  const revokedSecretKey = `sk_revoked_${newId().replace(/-/g, '')}`
  try {
    demo = await loadDemo(loading.engine, { people: 120, items: 40, days: 14 })
    for (const [scope, key] of [['write', revokedWriteKey], ['secret', revokedSecretKey]] as const) {
      const id = newId()
      await loading.engine.store.insertApiKey({ id, scope, hash: hashKey(key), label: 'revoked by the route tests', createdAt: new Date().toISOString(), revokedAt: null })
      await loading.engine.store.revokeApiKey(id, new Date())
    }
    await loading.stop()
  } catch (error) {
    await loading.close()
    throw error
  }
  // demo.json exists now: the restarted server registers the demo pages too.
  const server = await startServer({ dataDir: loading.dataDir }, { env: { ...env, ATTUNE_WRITE_KEY: loading.writeKey, ATTUNE_SECRET_KEY: loading.secretKey } })
  try {
    server.engine.startWorkers()
    const store = server.engine.store
    const item = (await store.listItems({ limit: 1 })).data[0]!
    const anonymousId = `authz-visitor-${newId()}`
    const doomedItemId = `authz-doomed-${newId()}`
    const secret = bearer(server.secretKey)
    const put = await request(`${server.url}/v1/items/${doomedItemId}`, { method: 'PUT', auth: secret, json: { title: 'Deleted by the route tests' } })
    if (put.status !== 200) throw new Error(`could not create ${doomedItemId}: ${put.status} ${JSON.stringify(put.body)}`)
    const sent = await request(`${server.url}/v1/track`, { auth: basicAuth(server.writeKey), json: { anonymousId, event: 'Product Viewed', properties: { product_id: item.id } } })
    if (sent.status !== 200) throw new Error(`could not track for ${anonymousId}: ${sent.status} ${JSON.stringify(sent.body)}`)
    await waitFor(async () => (await request(`${server.url}/v1/people/${anonymousId}?type=anonymous_id`, { auth: secret })).status === 200, 10_000)
    const version = (await store.modelVersions.list(5)).find((v) => v.status === 'ready')!
    for (const role of STAFF_ROLES) await server.engine.staff.add({ email: ROUTE_STAFF_EMAIL(role), role, password: ROUTE_STAFF_PASSWORD })
    const spare = await server.engine.staff.add({ email: 'authz-spare@example.com', role: 'viewer', password: ROUTE_STAFF_PASSWORD })
    const definitions = server.engine.store.segmentDefinitions
    const definition = async (kind: 'segment' | 'trait', key: string, value: unknown) => {
      const made = await definitions.create({ id: `${kind}_${key}`, kind, key, name: key, description: '', definition: value, builtIn: false, enabled: true, updatedBy: 'route tests' }, Date.now())
      if (!made) throw new Error(`could not create the ${kind} ${key}`)
      return made.id
    }
    const viewers = { event: { kind: 'product_viewed', within: '30d' } }
    const views = { type: 'counter', event: { kind: 'product_viewed' }, within: '30d' }
    const ids: ShopIds = {
      itemId: item.id,
      doomedItemId,
      userId: demo.shoppers![0]!,
      anonymousId,
      modelVersionId: version.id,
      category: item.categories[0]!.split(' > ')[0]!,
      spareStaffId: spare.user.id,
      segmentId: await definition('segment', 'authz_viewers', viewers),
      doomedSegmentId: await definition('segment', 'authz_doomed', viewers),
      traitId: await definition('trait', 'authz_view_count', views),
      doomedTraitId: await definition('trait', 'authz_doomed_views', views),
    }
    const signIn = (role: StaffRole) => signInStaff(server.url, ROUTE_STAFF_EMAIL(role), ROUTE_STAFF_PASSWORD)
    return { server, ids, demoWriteKey: demo.writeKey, revokedWriteKey, revokedSecretKey, signIn }
  } catch (error) {
    await server.close()
    throw error
  }
}

/** Signs a staff user in over HTTP, as the dashboard does. */
export async function signInStaff(baseUrl: string, email: string, password: string): Promise<StaffSession> {
  const reply = await fetch(`${baseUrl}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
  const body = (await reply.json()) as { csrfToken?: string }
  const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('attune_session='))
  if (reply.status !== 200 || !cookie || !body.csrfToken) throw new Error(`could not sign ${email} in: ${reply.status} ${JSON.stringify(body)}`)
  return { cookie: cookie.split(';')[0]!, csrfToken: body.csrfToken }
}

export interface RawReply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

export interface RawRequest {
  method: string
  /** Sent exactly as given (no URL normalisation: "..", "%2F" and the like reach the server). */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/** One HTTP request over node:http, redirects not followed; rejects after `timeoutMs` without an answer. */
export function rawRequest(baseUrl: string, req: RawRequest, agent: http.Agent, timeoutMs = 10_000): Promise<RawReply> {
  const { hostname, port } = new URL(baseUrl)
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8')
  const headers: Record<string, string> = { ...req.headers }
  if (body !== undefined) headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ hostname, port, method: req.method, path: req.path, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/**
 * What is wrong with an error reply, or null when it is the documented body {error: {code, message, field?}}
 * with a code of src/core/errors.ts's catalogue whose status is the reply's.
 */
export function errorBodyProblem(reply: RawReply): string | null {
  if (!/^application\/json/.test(String(reply.headers['content-type'] ?? ''))) return `content-type ${reply.headers['content-type'] ?? 'none'}, not JSON`
  let body: unknown
  try {
    body = JSON.parse(reply.text)
  } catch {
    return 'the body is not JSON'
  }
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined
  if (typeof error !== 'object' || error === null) return 'no "error" object'
  const code = error.code as string
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_CODES, code)) return `code ${JSON.stringify(code)} is not in the catalogue`
  if (ERROR_CODES[code as ErrorCode] !== reply.status) return `code ${code} is ${ERROR_CODES[code as ErrorCode]} in the catalogue, answered ${reply.status}`
  if (typeof error.message !== 'string' || error.message === '') return 'no message'
  if (error.field !== undefined && typeof error.field !== 'string') return 'field is not a string'
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'field'].includes(k))
  if (extra.length > 0) return `unexpected keys in error: ${extra.join(', ')}`
  return null
}

/** The error code of a JSON error reply, or null. */
export function errorCodeOf(reply: RawReply): string | null {
  try {
    const code = (JSON.parse(reply.text) as { error?: { code?: unknown } })?.error?.code
    return typeof code === 'string' ? code : null
  } catch {
    return null
  }
}
