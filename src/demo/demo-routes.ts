/**
 * The demo shop's pages under /demo/: server-rendered Liquid templates around the engine's own browser
 * SDK, which tracks the visit and fills the recommendation widgets. The server renders the catalogue,
 * picks the home banner and places orders (checkout.ts); carts live in the browser (localStorage).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AttuneError, type Category, type Config } from '../core/index.ts'
import type { IngestService } from '../ingest/index.ts'
import type { PeopleCache } from '../recommend/index.ts'
import type { Store } from '../storage/index.ts'
import { chooseBanner } from './banner.ts'
import { checkoutToken, fromThisSite, isOrderId, newOrderId, orderCompleted, priceOrder, readLines, RecentOrders, TOKEN_COOKIE, tokenCookie, tokenMatches } from './checkout.ts'
import type { DemoFile } from './demo-file.ts'
import { drawItemSvg } from './item-image.ts'
import { categoryFromUrl, CONSENT_COOKIE, createViews, frame, productProperties, readCookie } from './shop-views.ts'

/** What the pages read from the engine (the server's Engine has all of it). */
export interface DemoServing {
  readonly config: Config
  readonly store: Store
  readonly people: Pick<PeopleCache, 'get'>
  /** Signs a userId's identity token (docs/sdk.md#identity-verification) with the newest secret key. */
  readonly keys: { signUserToken(userId: string): string | null }
  /** Checkout places its orders through the same intake as the API's events. */
  readonly ingest: Pick<IngestService, 'ingest'>
  /** The consent defaults in force (the stored settings over the configuration). */
  readonly settings: { readonly consentDefaults: Readonly<Record<string, boolean>> }
}

const PAGE_SIZE = 24
// Scripts, styles and forms only from this server (no inline scripts, no third parties). Pictures may
// also be https (imported catalogues point at their own image hosts); data: is the empty favicon.
const CSP = "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
// A Map: a name from the URL such as "__proto__" finds nothing.
const ASSETS = new Map([
  ['shop.css', { file: 'shop.css', type: 'text/css; charset=utf-8' }],
  ['shop.js', { file: 'shop.js', type: 'application/javascript; charset=utf-8' }],
])
// Demo pages are not part of the API's OpenAPI document.
const hidden = { schema: { hide: true } }

/** Ancestors of a path with their own paths: "A > B" → [{A, "A"}, {B, "A > B"}]. */
function crumbs(path: string): { name: string; path: string }[] {
  const parts = path.split(' > ')
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join(' > ') }))
}

export function demoRoutes(engine: DemoServing, demo: DemoFile) {
  const views = createViews()
  const assets = new Map([...ASSETS].map(([name, a]) => [name, { ...a, body: fs.readFileSync(new URL(`./assets/${a.file}`, import.meta.url), 'utf8') }]))
  const orders = new RecentOrders()
  const { store } = engine

  return async (app: FastifyInstance) => {
    const render = async (reply: FastifyReply, template: string, data: object, status = 200) =>
      reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-store').send(await views.renderFile(template, data))
    const cookie = (request: FastifyRequest, name: string) => readCookie(request.headers.cookie, name)
    /** The layout's data for a page; reads the category list once per page. */
    const page = async (request: FastifyRequest, name: string, title: string, currentTop: string | null = null) => {
      const categories = await store.listCategories()
      const user = cookie(request, 'demo_user')
      // The engine is this shop's backend: it signs the signed-in shopper's token into the page, so the
      // SDK's requests may use their history. (The demo's sign-in asks no password: a real shop signs only
      // after its own login.)
      const userToken = user ? engine.keys.signUserToken(user) : null
      return { categories, frame: { ...frame(categories, demo.writeKey, user, name, title, currentTop), user_token: userToken } }
    }
    const notFound = async (request: FastifyRequest, reply: FastifyReply, message: string) =>
      render(reply, 'not-found', { ...(await page(request, 'not-found', 'Not found')).frame, message }, 404)
    const problem = async (request: FastifyRequest, reply: FastifyReply, status: number, heading: string, message: string) =>
      render(reply, 'problem', { ...(await page(request, 'problem', heading)).frame, heading, message }, status)
    /** The order of a query string or form: its lines priced from the catalogue, or what is wrong with it. */
    const pricedOrder = async (params: URLSearchParams) => {
      const lines = readLines(params)
      if (!lines.ok) return lines
      const items = new Map((await store.getItems(lines.value.map((l) => l.id))).map((it) => [it.id, it]))
      return priceOrder(lines.value, items)
    }

    // The checkout form's body; a Map-like URLSearchParams, so no field name can reach a prototype.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, new URLSearchParams(body as string))
    })

    app.get('/demo', hidden, async (_request, reply) => reply.redirect('/demo/'))

    app.get('/demo/', hidden, async (request, reply) => {
      const { categories, frame } = await page(request, 'home', 'Home')
      const sensitive = new Set(categories.filter((c) => c.sensitive).map((c) => c.path))
      const visitor = { personalization: cookie(request, CONSENT_COOKIE) === 'granted', userId: cookie(request, 'demo_user'), anonymousId: cookie(request, 'ajs_anonymous_id') }
      const banner = await chooseBanner(engine, visitor, (path) => sensitive.has(path))
      return render(reply, 'home', { ...frame, banner })
    })

    app.get('/demo/c/*', hidden, async (request, reply) => {
      const path = categoryFromUrl(request.url)
      const top = path?.split(' > ')[0] ?? null
      const { categories, frame } = await page(request, 'category', path ?? 'Category', top)
      const category = categories.find((c: Category) => c.path === path)
      if (!path || !category) return notFound(request, reply, `There is no category "${path ?? ''}" in this shop.`)
      const after = (request.query as { after?: unknown }).after
      const cursor = typeof after === 'string' && after !== '' ? after : undefined
      const listing = await store.listItems({ category: path, limit: PAGE_SIZE, cursor }).catch(() => null)
      if (!listing) return notFound(request, reply, 'That page of the category does not exist.')
      const depth = path.split(' > ').length
      const subcategories = categories
        .filter((c) => c.path.startsWith(`${path} > `) && c.path.split(' > ').length === depth + 1)
        .map((c) => ({ path: c.path, name: c.path.split(' > ').at(-1) }))
      return render(reply, 'category', {
        ...frame, category: path, name: path.split(' > ').at(-1), crumbs: crumbs(path), subcategories,
        items: listing.data, next: listing.nextCursor, paged: cursor !== undefined,
      })
    })

    app.get('/demo/p/:id', hidden, async (request, reply) => {
      const { id } = request.params as { id: string }
      const item = await store.getItem(id)
      const primary = item?.categories[0] ?? null
      const { frame } = await page(request, 'product', item?.title ?? 'Product', primary?.split(' > ')[0] ?? null)
      if (!item) return notFound(request, reply, `There is no product "${id}" in this shop.`)
      return render(reply, 'product', { ...frame, item, crumbs: primary ? crumbs(primary) : [], product_json: JSON.stringify(productProperties(item)) })
    })

    app.get('/demo/cart', hidden, async (request, reply) => render(reply, 'cart', (await page(request, 'cart', 'Your cart')).frame))

    // The order to confirm: the cart's lines from the query (shop.js links here with them), priced now.
    // A GET never places anything.
    app.get('/demo/checkout', hidden, async (request, reply) => {
      const { frame } = await page(request, 'checkout', 'Checkout')
      const token = checkoutToken(cookie(request, TOKEN_COOKIE))
      reply.header('set-cookie', tokenCookie(token, request.protocol === 'https'))
      const query = new URLSearchParams(request.url.split('?')[1] ?? '')
      if (!query.has('id')) return render(reply, 'checkout', { ...frame, lines: [] })
      const order = await pricedOrder(query)
      if (!order.ok) return render(reply, 'checkout', { ...frame, lines: [], problem: order.message }, 400)
      return render(reply, 'checkout', { ...frame, ...order.value, token, order_id: newOrderId() })
    })

    // Places the order of the checkout page's form: from this site with its token, else nothing happens.
    app.post('/demo/checkout', hidden, async (request, reply) => {
      const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams()
      const token = cookie(request, TOKEN_COOKIE)
      if (!fromThisSite(request.headers, request.host) || !tokenMatches(token, form.get('token'))) {
        return problem(request, reply, 403, 'Order not placed', 'This order form did not come from this shop’s checkout page, or that page has expired. Go back to your cart and check out again.')
      }
      const orderId = form.get('order')
      if (!isOrderId(orderId)) return problem(request, reply, 400, 'Order not placed', 'order: the form has no valid order id. Go back to your cart and check out again.')
      const order = await pricedOrder(form)
      if (!order.ok) return problem(request, reply, 400, 'Order not placed', order.message)
      // As the SDK does for a necessary event: the stored anonymous id only with consent, else one for this order.
      const consented = cookie(request, CONSENT_COOKIE) === 'granted'
      const ids = { userId: cookie(request, 'demo_user'), anonymousId: (consented ? cookie(request, 'ajs_anonymous_id') : null) ?? crypto.randomUUID() }
      try {
        await engine.ingest.ingest('track', orderCompleted(orderId, order.value, ids, request.headers['user-agent']))
      } catch (error) {
        // The engine refused the event (too large an order, say): the visitor gets its reason, on a page.
        if (error instanceof AttuneError && error.status < 500) return problem(request, reply, 400, 'Order not placed', error.message)
        throw error
      }
      orders.add(orderId, token!, order.value)
      // Post/redirect/get: reloading the thank-you page asks for nothing again.
      return reply.redirect(`/demo/orders/${orderId}`, 303)
    })

    app.get('/demo/orders/:id', hidden, async (request, reply) => {
      const { id } = request.params as { id: string }
      const order = orders.get(id, cookie(request, TOKEN_COOKIE))
      if (!order) return notFound(request, reply, 'There is no such order in this browser (orders are shown to the browser that placed them, until the server restarts).')
      return render(reply, 'order', { ...(await page(request, 'order', 'Thank you')).frame, ...order, order_id: id })
    })
    app.get('/demo/login', hidden, async (request, reply) => render(reply, 'login', { ...(await page(request, 'login', 'Sign in')).frame, shoppers: demo.shoppers ?? [] }))

    app.get('/demo/img/:file', hidden, async (request, reply) => {
      const { file } = request.params as { file: string }
      const item = file.endsWith('.svg') ? await store.getItem(file.slice(0, -4)) : null
      if (!item) return notFound(request, reply, `There is no picture "${file}".`)
      return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(drawItemSvg(item))
    })

    app.get('/demo/assets/:name', hidden, async (request, reply) => {
      const asset = assets.get((request.params as { name: string }).name)
      if (!asset) return notFound(request, reply, 'There is no such file.')
      return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body)
    })

    // Any other address under /demo/ gets the shop's own 404 page rather than the API's JSON error.
    app.get('/demo/*', hidden, async (request, reply) => notFound(request, reply, 'There is no such page in this shop.'))
  }
}
