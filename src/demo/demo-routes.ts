/**
 * The demo shop's pages under /demo/: server-rendered Liquid templates around the engine's own browser
 * SDK, which tracks the visit and fills the recommendation widgets. The server only renders the
 * catalogue and picks the home banner; carts live in the browser (localStorage).
 */
import fs from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Category, Config } from '../core/index.ts'
import type { PeopleCache } from '../recommend/index.ts'
import type { Store } from '../storage/index.ts'
import { chooseBanner } from './banner.ts'
import type { DemoFile } from './demo-file.ts'
import { drawItemSvg } from './item-image.ts'
import { categoryFromUrl, createViews, frame, productProperties, readCookie } from './shop-views.ts'

/** What the pages read from the engine (the server's Engine has all of it). */
export interface DemoServing {
  readonly config: Config
  readonly store: Store
  readonly people: Pick<PeopleCache, 'get'>
  /** Signs a userId's identity token (docs/sdk.md#identity-verification) with the newest secret key. */
  readonly keys: { signUserToken(userId: string): string | null }
}

const PAGE_SIZE = 24
// Everything the pages load comes from this server: no inline scripts, no third parties.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
const ASSETS: Record<string, { file: string; type: string }> = {
  'shop.css': { file: 'shop.css', type: 'text/css; charset=utf-8' },
  'shop.js': { file: 'shop.js', type: 'application/javascript; charset=utf-8' },
}
// Demo pages are not part of the API's OpenAPI document.
const hidden = { schema: { hide: true } }

/** Ancestors of a path with their own paths: "A > B" → [{A, "A"}, {B, "A > B"}]. */
function crumbs(path: string): { name: string; path: string }[] {
  const parts = path.split(' > ')
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join(' > ') }))
}

export function demoRoutes(engine: DemoServing, demo: DemoFile) {
  const views = createViews()
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, a]) => [name, { ...a, body: fs.readFileSync(new URL(`./assets/${a.file}`, import.meta.url), 'utf8') }]))
  const { store } = engine

  return async (app: FastifyInstance) => {
    const render = async (reply: FastifyReply, template: string, data: object, status = 200) =>
      reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-store').send(await views.renderFile(template, data))
    /** The layout's data for a page; reads the category list once per page. */
    const page = async (request: FastifyRequest, name: string, title: string, currentTop: string | null = null) => {
      const categories = await store.listCategories()
      const user = readCookie(request.headers.cookie, 'demo_user')
      // The engine is this shop's backend: it signs the signed-in shopper's token into the page, so the
      // SDK's requests may use their history. (The demo's sign-in asks no password: a real shop signs only
      // after its own login.)
      const userToken = user ? engine.keys.signUserToken(user) : null
      return { categories, frame: { ...frame(categories, demo.writeKey, user, name, title, currentTop), user_token: userToken } }
    }
    const notFound = async (request: FastifyRequest, reply: FastifyReply, message: string) =>
      render(reply, 'not-found', { ...(await page(request, 'not-found', 'Not found')).frame, message }, 404)

    app.get('/demo', hidden, async (_request, reply) => reply.redirect('/demo/'))

    app.get('/demo/', hidden, async (request, reply) => {
      const { categories, frame } = await page(request, 'home', 'Home')
      const sensitive = new Set(categories.filter((c) => c.sensitive).map((c) => c.path))
      const visitor = { userId: readCookie(request.headers.cookie, 'demo_user'), anonymousId: readCookie(request.headers.cookie, 'ajs_anonymous_id') }
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
    app.get('/demo/checkout', hidden, async (request, reply) => render(reply, 'checkout', (await page(request, 'checkout', 'Checkout')).frame))
    app.get('/demo/login', hidden, async (request, reply) => render(reply, 'login', { ...(await page(request, 'login', 'Sign in')).frame, shoppers: demo.shoppers ?? [] }))

    app.get('/demo/img/:file', hidden, async (request, reply) => {
      const { file } = request.params as { file: string }
      const item = file.endsWith('.svg') ? await store.getItem(file.slice(0, -4)) : null
      if (!item) return notFound(request, reply, `There is no picture "${file}".`)
      return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(drawItemSvg(item))
    })

    app.get('/demo/assets/:name', hidden, async (request, reply) => {
      const asset = assets[(request.params as { name: string }).name]
      if (!asset) return notFound(request, reply, 'There is no such file.')
      return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body)
    })

    // Any other address under /demo/ gets the shop's own 404 page rather than the API's JSON error.
    app.get('/demo/*', hidden, async (request, reply) => notFound(request, reply, 'There is no such page in this shop.'))
  }
}
