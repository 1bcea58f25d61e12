/**
 * Segments benchmark (in process, SQLite file in the temp dir): a synthetic shop of --people people (default
 * 100,000) with 1 to 6 events each over 60 days (views, carts, orders of a 500-item catalogue), applied by the
 * real projector; then the 20 segments of bench/segment-definitions.ts:
 *   (a) `recompute` of the 20 segments over everyone, from no memberships (every entry stored and announced),
 *       then again (nothing changes: the cost of checking);
 *   (b) `preview` latency of unsaved rules over everyone (median of --repeats runs each).
 * Writes the section "segments" of bench/RESULTS.md (unless --dry).
 *
 * Usage: npx tsx bench/segments.ts [--people 100000] [--repeats 5] [--dry]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { EventRecord } from '../src/core/index.ts'
import { MemoryHotState } from '../src/hot-state/index.ts'
import { DEFAULT_LIMITS } from '../src/identity/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector } from '../src/profiles/index.ts'
import { SegmentEngine } from '../src/segments/index.ts'
import { SqliteStore } from '../src/storage/index.ts'
import { f0, f2, machine, writeResults } from './ingest-report.ts'
import { TWENTY_SEGMENTS } from './segment-definitions.ts'

const { values: args } = parseArgs({ options: { people: { type: 'string', default: '100000' }, repeats: { type: 'string', default: '5' }, dry: { type: 'boolean', default: false } } })
const PEOPLE = Number(args.people)
const REPEATS = Number(args.repeats)
const DAY = 86_400_000
const NOW = Date.UTC(2026, 1, 15)

function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rnd = prng(42)
const CATEGORIES = ['Shoes > Running', 'Shoes > Trail', 'Books > Fiction', 'Books > Cooking', 'Garden', 'Kitchen > Knives', 'Toys']
const ITEMS = Array.from({ length: 500 }, (_, i) => ({ id: `sku-${i}`, categories: [CATEGORIES[i % CATEGORIES.length]!], brand: ['Fleet', 'Acme', 'Nordic', 'Vita'][i % 4]!, price: 5 + ((i * 37) % 150) }))

function eventsOf(i: number): EventRecord[] {
  const out: EventRecord[] = []
  const n = 1 + Math.floor(rnd() * 6)
  let t = NOW - Math.floor(rnd() * 60 * DAY)
  for (let k = 0; k < n; k++) {
    t = Math.min(NOW - 1000, t + Math.floor(rnd() * 5 * DAY))
    const item = ITEMS[Math.floor(rnd() * ITEMS.length)]!
    const r = rnd()
    const [event, kind] = r < 0.6 ? (['Product Viewed', 'product_viewed'] as const) : r < 0.85 ? (['Product Added', 'product_added'] as const) : (['Order Completed', 'order_completed'] as const)
    const messageId = `b-${i}-${k}`
    const line = { itemId: item.id, quantity: 1, price: item.price, category: null, name: null }
    const properties = kind === 'order_completed' ? { order_id: messageId, revenue: item.price, products: [{ product_id: item.id, price: item.price, quantity: 1 }] } : { product_id: item.id, price: item.price }
    out.push({
      messageId,
      type: 'track',
      event,
      kind,
      userId: `u${i}`,
      anonymousId: null,
      itemId: item.id,
      timestamp: t,
      receivedAt: t,
      message: { type: 'track', event, userId: `u${i}`, messageId, properties, timestamp: new Date(t).toISOString() },
      data: kind === 'order_completed' ? { orderId: messageId, revenue: item.price, products: [line] } : { products: [line] },
    })
  }
  return out
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-bench-segments-'))
const store = new SqliteStore(path.join(dir, 'attune.db'), { synchronous: 'normal' })
try {
  await store.migrate()
  await store.upsertItems(ITEMS, new Date(NOW))
  const projector = new ProfileProjector(store, new MemoryHotState(), { halfLifeMs: 30 * DAY, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, limits: DEFAULT_LIMITS })
  let events = 0
  const t0 = performance.now()
  for (let i = 0; i < PEOPLE; ) {
    const batch: EventRecord[] = []
    for (; i < PEOPLE && batch.length < 4000; i++) batch.push(...eventsOf(i))
    batch.sort((a, b) => a.timestamp - b.timestamp)
    await store.appendEvents(batch)
    await projector.apply(batch)
    events += batch.length
    if (i % 20_000 < 1000) process.stderr.write(`\r  shop: ${f0(i)} people, ${f0(events)} events`)
  }
  const built = (performance.now() - t0) / 1000
  process.stderr.write(` in ${f2(built)} s\n`)

  for (const [key, definition] of Object.entries(TWENTY_SEGMENTS)) {
    await store.segmentDefinitions.create({ id: `seg_${key}`, kind: 'segment', key, name: key, description: '', definition, builtIn: false, enabled: true, updatedBy: 'bench' }, NOW)
  }
  let announced = 0
  const engine = new SegmentEngine(store, {
    now: () => NOW,
    consentDefaults: () => ({ personalization: true }),
    append: async (records) => {
      announced += records.length
      await store.appendEvents(records)
    },
    onError: (e) => process.stderr.write(`  ${(e as Error).message}\n`),
  })
  const cpu = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1e6
  }
  let c0 = cpu()
  const first = await engine.recompute({ now: NOW })
  const firstCpu = cpu() - c0
  c0 = cpu()
  process.stderr.write(`  recompute from nothing: ${f0(first.people)} people, ${f0(first.changes)} entries in ${f2(first.seconds)} s\n`)
  const second = await engine.recompute({ now: NOW })
  const secondCpu = cpu() - c0
  process.stderr.write(`  recompute again: ${f0(second.changes)} changes in ${f2(second.seconds)} s\n`)
  const sizes = await store.segmentMembers.counts()

  const rules: [string, unknown][] = [
    ['profile only: revenue ≥ 100', { profile: { revenue: { gte: 100 } } }],
    ['event: ordered in the last 30 days', { event: { kind: 'order_completed', within: '30d' } }],
    ['viewed Shoes in 14 days, no order', { all: [{ event: { kind: 'product_viewed', item: { category: 'Shoes' }, within: '14d' } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] }],
    ['top category Books (inferred)', { profile: { topCategory: { category: 'Books' } } }],
    ['member of vip or winback (stored)', { any: [{ segment: { key: 'vip' } }, { segment: { key: 'winback' } }] }],
  ]
  const previews: { label: string; size: number; population: number; ms: number[]; cpus: number[] }[] = []
  for (const [label, rule] of rules) {
    const ms: number[] = []
    const cpus: number[] = []
    let last = { size: 0, population: 0 }
    for (let r = 0; r < REPEATS; r++) {
      const c = cpu()
      const p = await engine.preview(rule, { sample: 20, now: NOW })
      cpus.push(Math.round((cpu() - c) * 1000))
      ms.push(p.ms)
      last = p
    }
    ms.sort((a, b) => a - b)
    cpus.sort((a, b) => a - b)
    previews.push({ label, size: last.size, population: last.population, ms, cpus })
    process.stderr.write(`  preview ${label}: ${f0(last.size)} of ${f0(last.population)}, median ${ms[Math.floor(ms.length / 2)]} ms\n`)
  }

  const m = machine()
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!
  const section = [
    '## Segments: recompute and preview',
    '',
    `Command: \`npx tsx bench/segments.ts --people ${PEOPLE} --repeats ${REPEATS}\` (in process, SQLite \`synchronous=NORMAL\` in the temp dir). Machine: ${m.cpu}, ${m.nproc} CPUs, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.kernel}.`,
    '',
    `Shop: ${f0(PEOPLE)} people, ${f0(events)} events (views 60 %, carts 25 %, orders 15 %) over 60 days, 500 items, applied by the projector in ${f2(built)} s. Segments: the 20 of \`bench/segment-definitions.ts\` (windows, counts, abandonment, profile dates, top category, item category / brand / price, segments of segments, absolute dates).`,
    '',
    `Load average when it ended: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min; other work on the machine shares its ${m.nproc} CPUs, so the process's own CPU seconds are shown next to the wall time).`,
    '',
    '| run | people | membership changes | audience events | wall s | CPU s of this process | people/s (wall) |',
    '|---|---|---|---|---|---|---|',
    `| recompute from no memberships | ${f0(first.people)} | ${f0(first.changes)} | ${f0(announced)} | ${f2(first.seconds)} | ${f2(firstCpu)} | ${f0(first.people / first.seconds)} |`,
    `| recompute again (nothing changes) | ${f0(second.people)} | ${f0(second.changes)} | 0 | ${f2(second.seconds)} | ${f2(secondCpu)} | ${f0(second.people / second.seconds)} |`,
    '',
    `Sizes after: ${[...sizes].map(([id, n]) => `${id.slice(4)} ${f0(n)}`).join(', ')}.`,
    '',
    `Preview of an unsaved rule over all ${f0(PEOPLE)} people (POST /v1/segments/preview's work, without HTTP): ${REPEATS} runs each.`,
    '',
    '| rule | size | median ms (wall) | min ms | max ms | median CPU ms of this process |',
    '|---|---|---|---|---|---|',
    ...previews.map((p) => `| ${p.label} | ${f0(p.size)} | ${median(p.ms)} | ${p.ms[0]} | ${p.ms.at(-1)} | ${median(p.cpus)} |`),
  ].join('\n')
  process.stdout.write(`${section}\n`)
  if (!args.dry) writeResults(section, 'segments')
} finally {
  await store.close()
  if (process.env.KEEP) process.stderr.write(`kept ${dir}\n`)
  else fs.rmSync(dir, { recursive: true, force: true })
}
