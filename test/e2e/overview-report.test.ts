/**
 * GET /v1/reports/overview and GET /v1/reports/recommendations?by=day on a small hand-made history:
 * events sent through /v1/batch with their times, impressions written to the impression store as the
 * recorder writes them (a test cannot serve a recommendation in the past), every expected number
 * worked out by hand below, in Asia/Kolkata (UTC+05:30: a local day starts at 18:30 UTC the day before).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { waitForValue } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { uniqueId } from '../builders/events.ts'

const KOLKATA_FROM = '2026-03-09T18:30:00.000Z' // 2026-03-10 00:00 in Kolkata
const KOLKATA_TO = '2026-03-12T18:30:00.000Z' // 2026-03-13 00:00 in Kolkata

describe('overview report', () => {
  let server: TestServer
  const a1 = uniqueId('anon-a1')
  const a2 = uniqueId('anon-a2')
  const u1 = uniqueId('user-u1')
  const r1 = uniqueId('recomm-1')
  const r2 = uniqueId('recomm-2')
  const orderId = uniqueId('order')
  const secret = () => bearer(server.secretKey)
  const overview = (query: string) => request(`${server.url}/v1/reports/overview${query}`, { auth: secret() })
  const recommendations = (query: string) => request(`${server.url}/v1/reports/recommendations${query}`, { auth: secret() })
  const kolkata = `?from=${KOLKATA_FROM}&to=${KOLKATA_TO}&tz=Asia/Kolkata`

  before(async () => {
    server = await startServer()
    server.engine.startWorkers() // the profile projector, which people are counted from
    const view = (anonymousId: string, item: string, timestamp: string) => ({ type: 'track', event: 'Product Viewed', anonymousId, timestamp, properties: { product_id: item } })
    const click = (anonymousId: string, item: string, timestamp: string, extra: Record<string, unknown> = {}) => ({
      type: 'track',
      event: 'Product Clicked',
      anonymousId,
      timestamp,
      properties: { product_id: item, ...extra },
    })
    const order = (timestamp: string) => ({
      type: 'track',
      event: 'Order Completed',
      anonymousId: a1,
      timestamp,
      properties: { order_id: orderId, products: [{ product_id: 'i2', price: 15, quantity: 2 }, { product_id: 'i9', price: 5, quantity: 1 }] },
    })
    const batch = [
      view(a1, 'i1', '2026-03-09T18:29:59.999Z'), // Kolkata 03-09 23:59:59.999: before the range
      view(a1, 'i1', '2026-03-09T18:30:00.000Z'), // 03-10 00:00 (from is inclusive)
      view(a2, 'i3', '2026-03-10T10:00:00.000Z'), // 03-10 15:30
      view(a1, 'i2', '2026-03-10T18:29:00.000Z'), // 03-10 23:59
      view(a1, 'i4', '2026-03-10T20:00:00.000Z'), // 03-11 01:30 (still 03-10 in UTC)
      click(a1, 'i2', '2026-03-10T18:45:00.000Z', { recommId: r1 }), // 03-11 00:15: r1 (trending) showed i2
      click(a2, 'i5', '2026-03-11T05:10:00.000Z'), // 03-11 10:40: shown to a2 by r2 (also-bought) ten minutes before
      click(a2, 'i7', '2026-03-11T05:20:00.000Z'), // never shown: not credited
      { type: 'identify', userId: u1, anonymousId: a1, timestamp: '2026-03-11T06:00:00.000Z', traits: { plan: 'gold' } }, // 03-11 11:30: a1 is u1
      order('2026-03-11T18:40:00.000Z'), // 03-12 00:10: i2 clicked from trending 23 h 55 min before
      order('2026-03-11T18:41:00.000Z'), // the same order sent again (another message id): counted once
      { type: 'track', event: 'Product Viewed', userId: u1, timestamp: '2026-03-12T01:00:00.000Z', properties: { product_id: 'i8' } }, // 03-12 06:30, u1 = a1
      view(a2, 'i1', KOLKATA_TO), // 03-13 00:00: to is exclusive
      // Europe/Berlin moves to summer time at 01:00 UTC on 2026-03-29: that day has 23 hours.
      view(a2, 'i1', '2026-03-29T21:30:00.000Z'), // 23:30 CEST on the 29th
      view(a2, 'i1', '2026-03-29T22:30:00.000Z'), // 00:30 CEST on the 30th (23:30 on the 29th in winter time)
    ]
    const sent = await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), json: { batch } })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    await server.engine.store.impressions.insert([
      { recommId: r1, placement: 0, strategy: 'trending', personId: null, ref: a1, itemIds: ['i1', 'i2', 'i3'], servedAt: Date.parse('2026-03-10T18:00:00Z') }, // 03-10 23:30
      { recommId: r2, placement: 0, strategy: 'also-bought', personId: null, ref: a2, itemIds: ['i4', 'i5'], servedAt: Date.parse('2026-03-11T05:00:00Z') }, // 03-11 10:30
      { recommId: r2, placement: 1, strategy: 'similar', personId: null, ref: a2, itemIds: ['i6'], servedAt: Date.parse('2026-03-11T05:00:00Z') },
      { recommId: uniqueId('r'), placement: 0, strategy: 'trending', personId: null, ref: a2, itemIds: ['i1'], servedAt: Date.parse(KOLKATA_TO) }, // after the range
    ])
    // People are counted from what the projector applied.
    await waitForValue('the projector', async () => ((await server.engine.store.overview.people(0, Date.now())) === 2 ? true : undefined))
    await waitForValue('u1 merged with a1', async () => {
      const body = (await overview(`${kolkata}&bucket=day`)).body
      return body.buckets?.[2]?.people === 1 && body.totals.people === 2 ? true : undefined
    })
  })
  after(async () => server?.close())

  const strategy = (name: string, n: Partial<Record<string, number>>) => ({
    strategy: name,
    placements: 0,
    impressions: 0,
    clicks: 0,
    ctr: 0,
    orders: 0,
    conversionRate: 0,
    revenue: 0,
    ...n,
  })

  it('counts per local day of Asia/Kolkata, with totals', async () => {
    const got = await overview(`${kolkata}&bucket=day`)
    assert.equal(got.status, 200, JSON.stringify(got.body))
    assert.equal(got.body.tz, 'Asia/Kolkata')
    assert.equal(got.body.bucket, 'day')
    assert.deepEqual(got.body.buckets, [
      {
        start: '2026-03-09T18:30:00.000Z',
        end: '2026-03-10T18:30:00.000Z',
        label: '2026-03-10',
        events: 3,
        people: 2,
        orders: 0,
        revenue: 0,
        placements: 1,
        impressions: 3,
        clicks: 0,
        ctr: 0,
        attributedRevenue: 0,
        strategies: [strategy('trending', { placements: 1, impressions: 3 })],
      },
      {
        start: '2026-03-10T18:30:00.000Z',
        end: '2026-03-11T18:30:00.000Z',
        label: '2026-03-11',
        events: 5,
        people: 2,
        orders: 0,
        revenue: 0,
        placements: 2,
        impressions: 3,
        clicks: 2,
        ctr: 0.6667,
        attributedRevenue: 0,
        strategies: [
          strategy('also-bought', { placements: 1, impressions: 2, clicks: 1, ctr: 0.5 }),
          strategy('similar', { placements: 1, impressions: 1 }),
          // The click on the 11th came from the 10th's impression: a click, no impressions that day.
          strategy('trending', { clicks: 1 }),
        ],
      },
      {
        start: '2026-03-11T18:30:00.000Z',
        end: '2026-03-12T18:30:00.000Z',
        label: '2026-03-12',
        events: 3,
        people: 1, // a1's order and u1's view: one stitched person
        orders: 1,
        revenue: 35,
        placements: 0,
        impressions: 0,
        clicks: 0,
        ctr: 0,
        attributedRevenue: 30,
        strategies: [strategy('trending', { orders: 1, revenue: 30 })],
      },
    ])
    assert.deepEqual(got.body.totals, {
      events: 11,
      people: 2,
      orders: 1,
      revenue: 35,
      placements: 3,
      impressions: 6,
      clicks: 2,
      ctr: 0.3333,
      attributedRevenue: 30,
      strategies: [
        strategy('also-bought', { placements: 1, impressions: 2, clicks: 1, ctr: 0.5 }),
        strategy('similar', { placements: 1, impressions: 1 }),
        strategy('trending', { placements: 1, impressions: 3, clicks: 1, ctr: 0.3333, orders: 1, conversionRate: 0.3333, revenue: 30 }),
      ],
    })
  })

  it('gives other days in UTC, and hours with their local labels', async () => {
    const utc = await overview(`?from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z&bucket=day`)
    assert.equal(utc.status, 200)
    assert.equal(utc.body.tz, 'UTC')
    // UTC 03-10: the views at 10:00, 18:29, 20:00 and the click at 18:45; 03-11: two clicks, identify, two order events.
    assert.deepEqual(utc.body.buckets.map((b: { label: string; events: number }) => [b.label, b.events]), [['2026-03-10', 4], ['2026-03-11', 5]])
    const hours = await overview(`?from=2026-03-11T05:00:00Z&to=2026-03-11T07:00:00Z&bucket=hour&tz=Asia/Kolkata`)
    assert.equal(hours.status, 200)
    // Kolkata hours start at half past in UTC: 05:00-05:30 is the end of 10:00 local, then 10:30 on is 11:00 local.
    assert.deepEqual(
      hours.body.buckets.map((b: { label: string; start: string; events: number; clicks: number }) => [b.label, b.start, b.events, b.clicks]),
      [
        ['2026-03-11T10:00', '2026-03-11T05:00:00.000Z', 2, 1],
        ['2026-03-11T11:00', '2026-03-11T05:30:00.000Z', 1, 0],
        ['2026-03-11T12:00', '2026-03-11T06:30:00.000Z', 0, 0],
      ],
    )
  })

  it('gives a day of 23 hours when Berlin moves its clocks', async () => {
    const got = await overview('?from=2026-03-28T23:00:00Z&to=2026-03-30T22:00:00Z&bucket=day&tz=Europe/Berlin')
    assert.equal(got.status, 200)
    assert.deepEqual(
      got.body.buckets.map((b: { label: string; start: string; end: string; events: number }) => [b.label, b.start, b.end, b.events]),
      [
        ['2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 1],
        ['2026-03-30', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z', 1],
      ],
    )
  })

  it('answers the attribution report per day, and the days add up to its totals', async () => {
    const totals = await recommendations(`?from=${KOLKATA_FROM}&to=${KOLKATA_TO}`)
    const days = await recommendations(`${kolkata}&by=day`)
    assert.equal(days.status, 200, JSON.stringify(days.body))
    assert.deepEqual(days.body.strategies, totals.body.strategies, 'the same totals as without by=day')
    assert.equal(days.body.tz, 'Asia/Kolkata')
    const row = (name: string, n: Partial<Record<string, number>>) => {
      const { placements: _, ...rest } = strategy(name, n)
      return rest
    }
    assert.deepEqual(days.body.days, [
      { day: '2026-03-10', start: KOLKATA_FROM, end: '2026-03-10T18:30:00.000Z', strategies: [row('trending', { impressions: 3 })] },
      {
        day: '2026-03-11',
        start: '2026-03-10T18:30:00.000Z',
        end: '2026-03-11T18:30:00.000Z',
        strategies: [row('also-bought', { impressions: 2, clicks: 1, ctr: 0.5 }), row('similar', { impressions: 1 }), row('trending', { clicks: 1 })],
      },
      { day: '2026-03-12', start: '2026-03-11T18:30:00.000Z', end: KOLKATA_TO, strategies: [row('trending', { orders: 1, revenue: 30 })] },
    ])
    // Every count of every strategy: the sum over the days is the total.
    for (const total of totals.body.strategies as Record<string, number | string>[]) {
      for (const key of ['impressions', 'clicks', 'orders', 'revenue']) {
        const sum = (days.body.days as { strategies: Record<string, number | string>[] }[])
          .flatMap((d) => d.strategies.filter((s) => s.strategy === total.strategy))
          .reduce((acc, s) => acc + (s[key] as number), 0)
        assert.equal(Math.round(sum * 100) / 100, total[key], `${total.strategy} ${key}`)
      }
    }
  })

  it('counts events live, per minute', async () => {
    const anon = uniqueId('live')
    const now = Date.now()
    const before = await overview('?bucket=minute')
    assert.equal(before.status, 200)
    assert.equal(before.body.buckets.length >= 60 && before.body.buckets.length <= 61, true, `${before.body.buckets.length} buckets in the default hour`)
    const sent = await request(`${server.url}/v1/batch`, {
      auth: basicAuth(server.writeKey),
      json: { batch: [1, 2, 3].map((n) => ({ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: `live-${n}` } })) },
    })
    assert.equal(sent.status, 200)
    const got = await overview(`?bucket=minute&from=${new Date(now - 60_000).toISOString()}&to=${new Date(Date.now() + 1000).toISOString()}`)
    assert.equal(got.body.totals.events, 3)
    const last = got.body.buckets.at(-1)
    assert.ok(last.events >= 1 && new Date(last.end).getTime() > now)
  })

  it('refuses bad input with the field named', async () => {
    const field = async (query: string, name: string) => {
      const got = await overview(query)
      assert.equal(got.status, 400, `${query}: ${JSON.stringify(got.body)}`)
      assert.equal(got.body.error.code, 'invalid_field')
      assert.equal(got.body.error.field, name, query)
      return got.body.error.message as string
    }
    await field('?tz=Mars/Olympus_Mons', 'tz')
    await field('?bucket=week', 'bucket')
    await field('?from=yesterday', 'from')
    await field('?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'from')
    assert.match(await field('?bucket=minute&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z', 'bucket'), /at most 2000/)
    assert.match(await field('?bucket=day&from=1970-01-01T00:00:00Z', 'from'), /1970-01-02/)
    const byWeek = await recommendations('?by=week')
    assert.equal(byWeek.status, 400)
    assert.equal(byWeek.body.error.field, 'by')
    const badZone = await recommendations('?by=day&tz=Nowhere')
    assert.equal(badZone.body.error.field, 'tz')
    assert.equal((await request(`${server.url}/v1/reports/overview`, { auth: basicAuth(server.writeKey) })).status, 403, 'not with the write key')
  })
})
