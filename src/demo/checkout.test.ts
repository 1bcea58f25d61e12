import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Item } from '../core/index.ts'
import { checkoutToken, fromThisSite, isOrderId, MAX_LINES, newOrderId, priceOrder, readLines, RecentOrders, tokenMatches } from './checkout.ts'

const item = (id: string, price: number | null, extra: Partial<Item> = {}): Item => ({
  id, title: `Item ${id}`, description: null, categories: ['Toys > Plush'], brand: null, price, currency: 'EUR', imageUrl: null, url: null,
  tags: [], available: true, inventory: null, attributes: {}, createdAt: '', updatedAt: '', ...extra,
})
const lines = (query: string) => readLines(new URLSearchParams(query))

describe('checkout lines', () => {
  it('pairs ids with quantities by position and adds up repeated ids', () => {
    assert.deepEqual(lines('id=a&q=2&id=b&q=1&id=a&q=3'), { ok: true, value: [{ id: 'a', quantity: 5 }, { id: 'b', quantity: 1 }] })
  })

  it('names the field of the first bad line', () => {
    const field = (query: string) => {
      const r = lines(query)
      return r.ok ? null : r.field
    }
    assert.equal(field(''), 'id')
    assert.equal(field('id=a'), 'q[0]')
    assert.equal(field('id=a&q=1&q=2'), 'id[1]')
    assert.equal(field('id=&q=1'), 'id[0]')
    for (const q of ['0', '100', '-1', '1.5', '1e1', ' 1', 'x']) assert.equal(field(`id=a&q=${encodeURIComponent(q)}`), 'q[0]', q)
    assert.equal(field('id=a&q=60&id=a&q=40'), 'q[1]', 'more than 99 of one product')
    assert.equal(field(Array.from({ length: MAX_LINES + 1 }, (_, i) => `id=p${i}&q=1`).join('&')), 'id')
  })

  it('prices from the catalogue and refuses unknown, unavailable, unpriced and mixed-currency lines', () => {
    const items = new Map([item('a', 10.1), item('b', 0.3), item('gone', 5, { available: false }), item('free', null), item('usd', 4, { currency: 'USD' })].map((it) => [it.id, it]))
    const priced = priceOrder([{ id: 'a', quantity: 3 }, { id: 'b', quantity: 1 }], items)
    assert.ok(priced.ok)
    assert.equal(priced.value.total, 30.6)
    assert.deepEqual(priced.value.lines.map((l) => [l.item.id, l.quantity, l.total]), [['a', 3, 30.3], ['b', 1, 0.3]])
    for (const [id, message] of [['nope', /no product "nope"/], ['gone', /out of stock/], ['free', /no price/], ['usd', /priced in USD/], ['__proto__', /no product/]] as const) {
      const r = priceOrder([{ id: 'a', quantity: 1 }, { id, quantity: 1 }], items)
      assert.ok(!r.ok && r.field === 'id[1]' && message.test(r.message), `${id}: ${JSON.stringify(r)}`)
    }
  })
})

describe('checkout form protection', () => {
  it('keeps a well-formed token and makes a fresh one otherwise', () => {
    const token = checkoutToken(null)
    assert.match(token, /^[\w-]{32}$/)
    assert.equal(checkoutToken(token), token)
    assert.notEqual(checkoutToken('short'), 'short')
    assert.notEqual(checkoutToken(null), token)
  })

  it('matches the form field to the cookie only when both are the same token', () => {
    const token = checkoutToken(null)
    assert.ok(tokenMatches(token, token))
    assert.ok(!tokenMatches(token, token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a')))
    assert.ok(!tokenMatches(null, token))
    assert.ok(!tokenMatches(token, null))
    assert.ok(!tokenMatches('', ''))
  })

  it('accepts a POST from its own origin, or one that says nothing about it', () => {
    assert.ok(fromThisSite({ origin: 'http://127.0.0.1:8787' }, '127.0.0.1:8787'))
    assert.ok(!fromThisSite({ origin: 'http://127.0.0.1:9999' }, '127.0.0.1:8787'), 'another port is another origin')
    assert.ok(!fromThisSite({ origin: 'https://evil.example' }, '127.0.0.1:8787'))
    assert.ok(!fromThisSite({ origin: 'null' }, '127.0.0.1:8787'))
    assert.ok(fromThisSite({ 'sec-fetch-site': 'same-origin' }, 'shop'))
    assert.ok(!fromThisSite({ 'sec-fetch-site': 'same-site' }, 'shop'))
    assert.ok(fromThisSite({}, 'shop'), 'curl: the token still decides')
  })

  it('makes order ids of one shape, and shows an order only to the browser that placed it', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newOrderId()))
    assert.equal(ids.size, 100)
    for (const id of ids) assert.ok(isOrderId(id), id)
    assert.ok(!isOrderId('demo-../../x') && !isOrderId(null) && !isOrderId('__proto__'))
    const orders = new RecentOrders(2)
    const order = { lines: [], total: 0, currency: 'EUR' }
    const [mine, other] = [checkoutToken(null), checkoutToken(null)]
    orders.add('demo-1', mine, order)
    assert.equal(orders.get('demo-1', mine), order)
    assert.equal(orders.get('demo-1', other), null)
    assert.equal(orders.get('demo-1', null), null)
    orders.add('demo-1', other, { ...order, total: 1 })
    assert.equal(orders.get('demo-1', mine), order, 'the first placing stands')
    orders.add('demo-2', mine, order)
    orders.add('demo-3', mine, order)
    assert.equal(orders.get('demo-1', mine), null, 'the oldest is forgotten past the limit')
    assert.equal(orders.get('demo-3', mine), order)
  })
})
