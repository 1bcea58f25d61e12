import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { drawItemSvg, initials, type ImageItem } from './item-image.ts'

const shoe: ImageItem = { id: 'sku-0001', title: 'Stride Nova Cushioned Running Shoe', categories: ['Shoes > Running'], attributes: { colour: 'red' } }

/** Every opened element is closed in order (self-closing ones count as both): well-formed enough for an SVG viewer. */
function balanced(svg: string): boolean {
  const open: string[] = []
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue
    if (!closing) open.push(name!)
    else if (open.pop() !== name) return false
  }
  return open.length === 0
}

describe('drawItemSvg', () => {
  it('draws the same bytes for the same item, and a well-formed SVG', () => {
    const svg = drawItemSvg(shoe)
    assert.equal(drawItemSvg({ ...shoe, attributes: { colour: 'red' } }), svg)
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 400 400"/)
    assert.ok(svg.endsWith('</svg>'))
    assert.ok(balanced(svg), svg)
    assert.ok(!balanced('<svg><g></svg>'), 'the balance check itself can fail')
  })

  it("uses the item's colour, its category's shape and its initials", () => {
    const svg = drawItemSvg(shoe)
    assert.match(svg, /<g fill="#c8323b"/)
    assert.match(svg, />SN<\/text>/)
    const blue = drawItemSvg({ ...shoe, attributes: { colour: 'blue' } })
    assert.notEqual(blue, svg)
    assert.match(blue, /<g fill="#2f6fd1"/)
    const toy = drawItemSvg({ ...shoe, categories: ['Toys > Plush'] })
    const [shoeShape, toyShape] = [svg, toy].map((s) => s.match(/<g [^>]*>(.*?)<\/g>/)![1])
    assert.notEqual(toyShape, shoeShape)
  })

  it('gives items without a colour a stable colour of their own', () => {
    const cream = { id: 'sku-0100', title: 'Lumiere Zen Gentle Face Cream', categories: ['Beauty > Skin care'], attributes: {} }
    const fill = drawItemSvg(cream).match(/<g fill="([^"]+)"/)![1]
    assert.match(fill!, /^hsl\(\d+ 55% 45%\)$/)
    assert.equal(drawItemSvg(cream).match(/<g fill="([^"]+)"/)![1], fill)
    assert.notEqual(drawItemSvg({ ...cream, id: 'sku-0101' }).match(/<g fill="([^"]+)"/)![1], fill)
  })

  it('escapes the title, so a product name can never become markup', () => {
    const svg = drawItemSvg({ ...shoe, title: `<script>alert("x")</script> & 'Co'` })
    assert.ok(!svg.includes('<script'), svg)
    assert.match(svg, /<title>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &apos;Co&apos;<\/title>/)
    assert.ok(balanced(svg))
  })

  it('takes initials from the first two words that start with a letter', () => {
    assert.equal(initials('Stride Nova Running Shoe'), 'SN')
    assert.equal(initials('éclair 3000 box'), 'ÉB')
    assert.equal(initials('<b> & >'), '?')
    assert.equal(drawItemSvg({ ...shoe, title: null }).includes('<title>sku-0001</title>'), true)
  })
})
