/**
 * What the demo pages share: the Liquid engine over `templates/` (every output escaped, so catalogue
 * text and cookie values can never become markup), category URLs, cookies and the page frame's data.
 */
import { fileURLToPath } from 'node:url'
import { Liquid } from 'liquidjs'
import type { Category, Item } from '../core/index.ts'

export const SHOP_NAME = 'Attune Demo Store'
/** The browser's consent answer for the server ("granted" or "declined"), kept by shop.js next to the SDK's. */
export const CONSENT_COOKIE = 'demo_consent'

export function createViews(): Liquid {
  const liquid = new Liquid({
    root: fileURLToPath(new URL('./templates/', import.meta.url)),
    extname: '.liquid',
    outputEscape: 'escape',
    strictFilters: true,
    cache: true,
  })
  liquid.registerFilter('money', money)
  liquid.registerFilter('category_url', categoryUrl)
  liquid.registerFilter('product_url', (id: string) => `/demo/p/${encodeURIComponent(id)}`)
  liquid.registerFilter('item_image', itemImage)
  return liquid
}

/**
 * The picture a page shows for an item: its own when it is https or on this site (what the pages'
 * Content-Security-Policy loads), else the one drawn for it at /demo/img/<id>.svg, so no item gets an
 * empty or blocked <img>.
 */
export function itemImage(item: { id: string; imageUrl: string | null }): string {
  const url = item.imageUrl
  if (url && (/^https:\/\/[^/]/i.test(url) || /^\/(?![/\\])/.test(url))) return url
  return `/demo/img/${encodeURIComponent(item.id)}.svg`
}

export function money(price: unknown, currency: unknown = 'EUR'): string {
  if (typeof price !== 'number') return ''
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: typeof currency === 'string' && currency ? currency : 'EUR' }).format(price)
  } catch {
    return price.toFixed(2)
  }
}

/** "Shoes > Running" → "/demo/c/Shoes/Running": one URL segment per level. */
export function categoryUrl(path: string): string {
  return `/demo/c/${path.split(' > ').map(encodeURIComponent).join('/')}`
}

/** The category path of a /demo/c/... URL, or null when it does not decode. */
export function categoryFromUrl(url: string): string | null {
  const rest = url.split('?')[0]!.replace(/^\/demo\/c\/?/, '').replace(/\/$/, '')
  if (rest === '') return null
  try {
    return rest.split('/').map(decodeURIComponent).join(' > ')
  } catch {
    return null
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    let value: string
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      return null
    }
    // analytics.js stores its anonymous id JSON-quoted.
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    return value === '' ? null : value
  }
  return null
}

export interface Frame {
  shop_name: string
  write_key: string
  user: string | null
  nav: { name: string; url: string; current: boolean }[]
  page: string
  title: string
}

/** The layout's data: the top-level categories for the navigation, the signed-in user, the SDK key. */
export function frame(categories: readonly Category[], writeKey: string, user: string | null, page: string, title: string, currentTop: string | null = null): Frame {
  const nav = categories
    .filter((c) => !c.path.includes(' > ') && c.itemCount > 0)
    .map((c) => ({ name: c.path, url: categoryUrl(c.path), current: c.path === currentTop }))
  return { shop_name: SHOP_NAME, write_key: writeKey, user, nav, page, title }
}

/** What a product page hands the SDK for "Product Viewed" and "Product Added" (Segment's e-commerce spec). */
export function productProperties(item: Item): Record<string, unknown> {
  return { product_id: item.id, name: item.title, price: item.price, currency: item.currency, category: item.categories[0] ?? null, brand: item.brand }
}
