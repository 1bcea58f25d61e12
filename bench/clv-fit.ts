/**
 * CLV fit time at training-run sizes: customers simulated from BG/NBD + Gamma-Gamma (Online Retail's
 * fitted parameters, a year of orders), then the customer summary, both fits and every prediction, timed.
 * Usage: npx tsx bench/clv-fit.ts [customers...]   (default 10000 100000)
 */
import os from 'node:os'
import { customerSummaries, DAY_MS, fitClv, predictClv, simulateClv } from '../src/models/index.ts'

const sizes = process.argv.slice(2).map(Number)
const start = Date.UTC(2024, 0, 1)
console.log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`)
for (const customers of sizes.length > 0 ? sizes : [10_000, 100_000]) {
  const { orders } = simulateClv({ r: 0.74, alpha: 67, a: 0.03, b: 8 }, { customers, days: 365, acquisitionDays: 300, seed: 5, spend: { p: 2.3, q: 3.3, v: 430 }, start })
  let t = performance.now()
  const summaries = customerSummaries(orders, start + 365 * DAY_MS)
  const summarySeconds = (performance.now() - t) / 1000
  const fit = fitClv(summaries)
  t = performance.now()
  predictClv(fit, summaries)
  const predictSeconds = (performance.now() - t) / 1000
  const b = fit.bgnbd!
  console.log(
    `${customers} customers, ${orders.length} orders, ${fit.repeatBuyers} repeat buyers: summary ${summarySeconds.toFixed(2)} s, fit ${fit.seconds.toFixed(2)} s ` +
      `(r ${b.r.toPrecision(3)}, α ${b.alpha.toPrecision(3)}, a ${b.a.toPrecision(3)}, b ${b.b.toPrecision(3)}, ${b.evaluations} evaluations), predictions ${predictSeconds.toFixed(2)} s`,
  )
}
