/**
 * The demo's recommendation traffic: loading the demo also answers a week of recommendation requests
 * with the trained model (impressions at the visits' times), with clicks carrying the recommId and
 * orders of clicked items, so the overview and attribution reports show numbers on a fresh `npm start`.
 * Two loads with the same seed and clock give the same traffic.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DemoLoad, loadDemo } from '../../src/demo/index.ts'
import { bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'

const DAY = 86_400_000
const NOW = Date.parse('2026-06-15T12:34:00Z')
const OPTIONS = { people: 150, items: 40, days: 14, now: NOW }

interface Row {
  strategy: string
  impressions: number
  clicks: number
  orders: number
  revenue: number
}

describe('demo recommendation traffic', () => {
  const servers: TestServer[] = []
  const loads: DemoLoad[] = []

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const server = await startServer()
      servers.push(server)
      loads.push(await loadDemo(server.engine, OPTIONS))
    }
  })
  after(async () => {
    for (const s of servers) await s.close()
  })

  it('records a week of impressions for several strategies, with credited clicks and orders', async () => {
    const [server] = servers as [TestServer]
    const [demo] = loads as [DemoLoad]
    assert.ok(demo.traffic.requests > 100, `${demo.traffic.requests} requests`)
    assert.ok(demo.traffic.clicks > 10 && demo.traffic.orders > 2, JSON.stringify(demo.traffic))
    const from = new Date(NOW - 8 * DAY).toISOString()
    const to = new Date(NOW).toISOString()
    const report = await request(`${server.url}/v1/reports/recommendations?from=${from}&to=${to}`, { auth: bearer(server.secretKey) })
    assert.equal(report.status, 200)
    const rows = report.body.strategies as Row[]
    assert.ok(rows.length >= 5, rows.map((r) => r.strategy).join())
    const sum = (f: (r: Row) => number) => rows.reduce((a, r) => a + f(r), 0)
    // Every click carries its answer's recommId and every order buys one clicked item: all are credited.
    assert.equal(sum((r) => r.impressions), demo.traffic.impressions)
    assert.equal(sum((r) => r.clicks), demo.traffic.clicks)
    assert.equal(sum((r) => r.orders), demo.traffic.orders)
    assert.ok(sum((r) => r.revenue) > 0)
    // Nothing before the week, nothing after the clock of the load.
    const earlier = await request(`${server.url}/v1/reports/recommendations?from=${new Date(NOW - 30 * DAY).toISOString()}&to=${new Date(NOW - 7 * DAY - 2 * 3_600_000).toISOString()}`, {
      auth: bearer(server.secretKey),
    })
    assert.deepEqual(earlier.body.strategies, [])

    // The overview shows the traffic on each of the seven days before the load.
    const overview = await request(`${server.url}/v1/reports/overview?bucket=day&tz=Europe/Berlin&from=${new Date(NOW - 7 * DAY).toISOString()}&to=${to}`, {
      auth: bearer(server.secretKey),
    })
    assert.equal(overview.status, 200)
    const days = overview.body.buckets as { label: string; impressions: number; events: number }[]
    assert.equal(days.length, 8)
    assert.ok(days.slice(1, 7).every((d) => d.impressions > 0 && d.events > 0), JSON.stringify(days.map((d) => [d.label, d.impressions, d.events])))
    assert.equal(overview.body.totals.clicks, demo.traffic.clicks)
  })

  it('is the same traffic for the same seed and clock', () => {
    assert.deepEqual(loads[0]!.traffic, loads[1]!.traffic)
    assert.equal(loads[0]!.events, loads[1]!.events)
  })
})
