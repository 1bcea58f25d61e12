import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { categoryFromUrl, categoryUrl, itemImage, money, readCookie } from './shop-views.ts'

describe('demo page helpers', () => {
  it('turns category paths into URLs and back', () => {
    for (const path of ['Shoes', 'Beauty > Skin care', 'Home > Bed & Bath > Pillows?']) {
      const url = categoryUrl(path)
      assert.ok(!/[ ?&>]/.test(url), url)
      assert.equal(categoryFromUrl(url), path)
      assert.equal(categoryFromUrl(`${url}?after=abc`), path)
    }
    assert.equal(categoryUrl('Beauty > Skin care'), '/demo/c/Beauty/Skin%20care')
    assert.equal(categoryFromUrl('/demo/c/Shoes/'), 'Shoes')
    assert.equal(categoryFromUrl('/demo/c/'), null)
    assert.equal(categoryFromUrl('/demo/c/%E0%A4%A'), null)
  })

  it('reads cookies, unquoting analytics.js ids', () => {
    const header = 'a=1; ajs_anonymous_id=%22abc-1%22; demo_user=ann%40example.com; empty='
    assert.equal(readCookie(header, 'ajs_anonymous_id'), 'abc-1')
    assert.equal(readCookie(header, 'demo_user'), 'ann@example.com')
    assert.equal(readCookie(header, 'empty'), null)
    assert.equal(readCookie(header, 'user'), null)
    assert.equal(readCookie(undefined, 'a'), null)
    assert.equal(readCookie('a=%E0%A4%A', 'a'), null)
  })

  it('formats prices in their currency', () => {
    assert.equal(money(63.99, 'EUR'), '€63.99')
    assert.equal(money(5, 'USD'), '$5.00')
    assert.equal(money(null, 'EUR'), '')
    assert.equal(money(5, 'not a currency'), '5.00')
  })

  it("shows an item's own https or same-site picture, and the drawn one for anything else", () => {
    const image = (imageUrl: string | null) => itemImage({ id: 'a b/c', imageUrl })
    assert.equal(image('https://cdn.example/a.jpg'), 'https://cdn.example/a.jpg')
    assert.equal(image('/demo/img/x.svg'), '/demo/img/x.svg')
    for (const other of [null, '', 'http://cdn.example/a.jpg', '//cdn.example/a.jpg', '/\\cdn.example/a.jpg', 'javascript:alert(1)', 'data:image/png;base64,AA', 'img/a.jpg', 'https://']) {
      assert.equal(image(other), '/demo/img/a%20b%2Fc.svg', String(other))
    }
  })
})
