/**
 * Product pictures for the demo, drawn locally so the demo needs no downloads: a shape per top-level
 * category, filled with the item's colour attribute, on a background tinted per category, with the
 * title's initials. The same item always gives the same bytes (browsers and caches may keep it).
 */

export interface ImageItem {
  id: string
  title: string | null
  categories: readonly string[]
  attributes: Readonly<Record<string, unknown>>
}

// Maps, not object literals: colours and categories are catalogue data, and "__proto__" or "constructor"
// must find nothing rather than Object.prototype.
const COLOURS = new Map(Object.entries({
  black: '#222222', white: '#f4f4f4', navy: '#1f2f5c', grey: '#8a8f98', red: '#c8323b', green: '#2e8b57',
  blue: '#2f6fd1', beige: '#d9c7a3', olive: '#708238', pink: '#e48bb0', orange: '#ec8a2f', yellow: '#e9c93b',
}))

/** Shapes on a 400 × 400 canvas, roughly centred above the initials badge. */
const SHAPES = new Map(Object.entries({
  Shoes: '<path d="M70 250 L110 170 L170 185 L215 235 L320 250 Q345 256 345 285 L345 300 L70 300 Z"/>',
  Apparel: '<path d="M150 90 L250 90 L330 140 L300 190 L270 172 L270 310 L130 310 L130 172 L100 190 L70 140 Z"/>',
  Outdoor: '<path d="M200 80 L340 310 L60 310 Z"/>',
  Home: '<path d="M200 80 L330 190 L300 190 L300 310 L100 310 L100 190 L70 190 Z"/>',
  Beauty: '<rect x="170" y="70" width="60" height="45" rx="8"/><rect x="135" y="115" width="130" height="195" rx="28"/>',
  Health: '<path d="M165 80 H235 V160 H315 V230 H235 V310 H165 V230 H85 V160 H165 Z"/>',
  Electronics: '<rect x="80" y="95" width="240" height="160" rx="18"/><rect x="170" y="265" width="60" height="40" rx="6"/>',
  Toys: '<path d="M200 70 L234 158 L328 162 L255 220 L280 310 L200 258 L120 310 L145 220 L72 162 L166 158 Z"/>',
}))
const DEFAULT_SHAPE = '<circle cx="200" cy="190" r="120"/>'

/** FNV-1a: a stable number per string, for colours of items without a colour attribute. */
function hash(text: string): number {
  let h = 2166136261
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619)
  return h >>> 0
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** Up to two letters: the first letters of the title's first two words ("Stride Nova ..." → "SN"). */
export function initials(title: string): string {
  const words = title.split(/\s+/).filter((w) => /^\p{L}/u.test(w))
  return words.slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?'
}

export function itemColour(item: ImageItem): string {
  const named = item.attributes.colour
  const colour = typeof named === 'string' ? COLOURS.get(named.toLowerCase()) : undefined
  if (colour) return colour
  return `hsl(${hash(item.id) % 360} 55% 45%)`
}

export function drawItemSvg(item: ImageItem): string {
  const top = item.categories[0]?.split(' > ')[0] ?? ''
  const title = item.title ?? item.id
  const hue = hash(top) % 360
  const fill = itemColour(item)
  // White and beige items need an outline to stand out on the light background.
  const stroke = ['white', 'beige', 'yellow'].some((light) => fill === COLOURS.get(light)) ? ' stroke="#555" stroke-width="4"' : ''
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img">',
    `<title>${escapeXml(title)}</title>`,
    `<rect width="400" height="400" fill="hsl(${hue} 40% 92%)"/>`,
    `<g fill="${fill}"${stroke}>${SHAPES.get(top) ?? DEFAULT_SHAPE}</g>`,
    '<circle cx="200" cy="345" r="34" fill="#ffffff" stroke="#333" stroke-width="2"/>',
    `<text x="200" y="357" text-anchor="middle" font-family="system-ui, sans-serif" font-size="32" font-weight="700" fill="#222">${escapeXml(initials(title))}</text>`,
    '</svg>',
  ].join('')
}
