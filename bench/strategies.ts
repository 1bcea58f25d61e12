/**
 * Relevance per strategy on the synthetic shop, next to bestsellers: the engine is trained on the events
 * before the shop's split time (80% of the span) and asked, through the real recommender, about what
 * happened after it.
 *
 * - complete-the-look: for each line of a later order, the order's lines of other leaf categories.
 * - also-bought: for each line of a later order, the order's other lines.
 * - similar: for the first view of a later session, the other items viewed in that session.
 * - for-you (newer than the model): people with no event before the split; the first half of their later
 *   product events goes into the store (profiles update), the items of the second half are the truth.
 * - similar / also-bought (item added after training): every 20th item joins the catalogue only after
 *   training (its earlier events are left out of training as unknown items); the same questions for them.
 * Bestsellers are asked the same question (for-you's with the same person, so bought items are left out
 * alike). Metrics: NDCG@10 and precision@10 (binary relevance), averaged over cases.
 *
 * Usage: npx tsx bench/strategies.ts [--seed 1] [--people 2000] [--items 500] [--days 90]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { type EventRecord, loadConfig } from '../src/core/index.ts'
import { generateShop, type SegmentMessage } from '../src/evaluation/index.ts'
import { toEventRecord } from '../src/ingest/index.ts'
import { createEngine } from '../src/server/index.ts'

const { values: args } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, people: { type: 'string', default: '2000' }, items: { type: 'string', default: '500' }, days: { type: 'string', default: '90' } },
})
const shop = generateShop({ seed: Number(args.seed), people: Number(args.people), items: Number(args.items), days: Number(args.days) })
const split = shop.truth.splitAt
const leafOf = new Map(shop.items.map((it) => [it.id, it.categories?.[0] ?? '']))
const time = (e: SegmentMessage) => Date.parse(e.timestamp)
const products = (e: SegmentMessage): string[] => {
  const p = (e.properties ?? {}) as { products?: { product_id: string }[]; product_id?: string }
  return p.products ? p.products.map((l) => l.product_id) : p.product_id ? [p.product_id] : []
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-strategies-'))
const engine = await createEngine(loadConfig({ dataDir, port: 0, host: '127.0.0.1' }, { ATTUNE_LOG_LEVEL: 'silent', ATTUNE_SECRET_KEY: 'sk_bench_strategies_0000000000000000', ATTUNE_WRITE_KEY: 'wk_bench_strategies_0000000000000000' }), 'serve')
const records = (messages: readonly SegmentMessage[]): EventRecord[] =>
  messages.map((m) => {
    const r = toEventRecord(m, null, { receivedAt: time(m), batchSentAt: null, maxEventBytes: 32 * 1024 })
    if (!r.ok) throw new Error(r.message)
    return r.value
  })
async function append(messages: readonly SegmentMessage[]): Promise<void> {
  const rs = records(messages)
  for (let i = 0; i < rs.length; i += 5000) await engine.store.appendEvents(rs.slice(i, i + 5000))
  for (let i = 0; i < rs.length; i += 2000) await engine.projector.apply(rs.slice(i, i + 2000))
}

const started = performance.now()
await engine.store.setCategorySensitivity(shop.categories)
const addedLater = new Set(shop.items.filter((_, i) => i % 20 === 7).map((it) => it.id))
await engine.store.upsertItems(shop.items.filter((it) => !addedLater.has(it.id)), new Date(split - 30 * 864e5))
await append(shop.events.filter((e) => time(e) < split))
const trained = await engine.trainer.run('bench')
if (trained?.status !== 'ready') throw new Error(`training failed: ${trained?.error}`)
await engine.models.refresh()
await engine.store.upsertItems(shop.items.filter((it) => addedLater.has(it.id)), new Date(split))
const known = new Set(engine.models.current!.artifact.items)
const setupSeconds = (performance.now() - started) / 1000

interface Case {
  body: Record<string, unknown>
  relevant: Set<string>
}
const NEW_SIMILAR = 'similar (item added after training)'
const NEW_ALSO = 'also-bought (item added after training)'
const cases: Record<string, Case[]> = { 'complete-the-look': [], 'also-bought': [], similar: [], 'for-you (newer than the model)': [], [NEW_SIMILAR]: [], [NEW_ALSO]: [] }
const later = shop.events.filter((e) => time(e) >= split)
for (const e of later) {
  if (e.event !== 'Order Completed' || (e.properties as { gift?: boolean }).gift) continue
  const ids = [...new Set(products(e))]
  for (const id of ids) {
    if (addedLater.has(id) && ids.length > 1) cases[NEW_ALSO]!.push({ body: { strategy: 'also-bought', itemId: id }, relevant: new Set(ids.filter((x) => x !== id)) })
    if (!known.has(id)) continue
    const others = new Set(ids.filter((x) => leafOf.get(x) !== leafOf.get(id)))
    if (others.size > 0) cases['complete-the-look']!.push({ body: { strategy: 'complete-the-look', itemId: id }, relevant: others })
    if (ids.length > 1) cases['also-bought']!.push({ body: { strategy: 'also-bought', itemId: id }, relevant: new Set(ids.filter((x) => x !== id)) })
  }
}
// Sessions: a device's views with gaps under 30 minutes; every fourth session keeps the bench short.
const sessions = new Map<string, { last: number; views: string[][] }>()
for (const e of later) {
  if (e.event !== 'Product Viewed' || !e.anonymousId) continue
  const s = sessions.get(e.anonymousId) ?? { last: -Infinity, views: [] }
  if (time(e) - s.last > 30 * 60_000) s.views.push([])
  s.views.at(-1)!.push(...products(e))
  s.last = time(e)
  sessions.set(e.anonymousId, s)
}
let n = 0
for (const s of sessions.values()) {
  for (const views of s.views) {
    const [first, ...rest] = views
    const relevant = new Set(rest.filter((x) => x !== first))
    if (first && addedLater.has(first) && relevant.size > 0) cases[NEW_SIMILAR]!.push({ body: { strategy: 'similar', itemId: first }, relevant })
    if (first && known.has(first) && relevant.size > 0 && n++ % 4 === 0) cases.similar!.push({ body: { strategy: 'similar', itemId: first }, relevant })
  }
}
// People newer than the model: the first half of their later product events is applied after training.
const owner = new Map<string, string>()
for (const p of shop.people) for (const id of [...p.devices.map((d) => d.anonymousId), ...(p.userId ? [p.userId] : [])]) owner.set(id, p.id)
const byPerson = new Map<string, SegmentMessage[]>()
for (const e of shop.events) {
  const who = owner.get(e.userId ?? e.anonymousId ?? '')
  if (who) byPerson.set(who, [...(byPerson.get(who) ?? []), e])
}
const newer: { history: SegmentMessage[]; ref: Record<string, string>; relevant: Set<string> }[] = []
for (const events of byPerson.values()) {
  if (events.some((e) => time(e) < split)) continue
  const withItems = events.filter((e) => products(e).length > 0)
  const cut = Math.ceil(withItems.length / 2)
  if (withItems.length < 2) continue
  const history = events.filter((e) => time(e) <= time(withItems[cut - 1]!))
  const seen = new Set(history.flatMap(products))
  const relevant = new Set(withItems.slice(cut).flatMap(products).filter((x) => !seen.has(x)))
  const last = history.at(-1)!
  if (relevant.size > 0) newer.push({ history, ref: last.userId ? { userId: last.userId } : { anonymousId: last.anonymousId! }, relevant })
}
await append(newer.flatMap((p) => p.history).sort((a, b) => time(a) - time(b)))
for (const p of newer) cases['for-you (newer than the model)']!.push({ body: { ...p.ref, strategy: 'for-you' }, relevant: p.relevant })

function metrics(ranked: readonly string[], relevant: ReadonlySet<string>, k = 10): { ndcg: number; precision: number } {
  let dcg = 0
  let hits = 0
  ranked.slice(0, k).forEach((id, r) => {
    if (!relevant.has(id)) return
    hits++
    dcg += 1 / Math.log2(r + 2)
  })
  let ideal = 0
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2)
  return { ndcg: ideal > 0 ? dcg / ideal : 0, precision: hits / k }
}

const ask = async (placement: Record<string, unknown>, who: Record<string, unknown>) => {
  const { answer } = await engine.recommender.recommend({ ...who, placements: [{ count: 10, ...placement }] } as never)
  return answer.placements[0]!
}
const rows: string[] = []
for (const [name, list] of Object.entries(cases)) {
  const sum = { ndcg: 0, precision: 0, baseNdcg: 0, basePrecision: 0, own: 0, empty: 0, ms: 0 }
  for (const c of list) {
    const { strategy, itemId, ...who } = c.body as { strategy: string; itemId?: string }
    const askedAt = performance.now()
    const got = await ask({ strategy, ...(itemId ? { itemId } : {}) }, who)
    sum.ms += performance.now() - askedAt
    const base = await ask({ strategy: 'bestsellers', ...(itemId ? { filters: { exclude: [itemId] } } : {}) }, who)
    const m = metrics(got.items.map((i) => i.id), c.relevant)
    const b = metrics(base.items.map((i) => i.id), c.relevant)
    sum.ndcg += m.ndcg
    sum.precision += m.precision
    sum.baseNdcg += b.ndcg
    sum.basePrecision += b.precision
    if (got.servedBy[0] === (strategy === 'for-you' ? 'personal' : strategy)) sum.own++
    if (got.items.length === 0) sum.empty++
  }
  const avg = (x: number) => (list.length > 0 ? x / list.length : 0).toFixed(4)
  rows.push(`| ${name} | ${list.length} | ${avg(sum.ndcg)} | ${avg(sum.precision)} | ${avg(sum.baseNdcg)} | ${avg(sum.basePrecision)} | ${((100 * sum.own) / Math.max(1, list.length)).toFixed(0)}% | ${sum.empty} | ${(sum.ms / Math.max(1, list.length)).toFixed(2)} |`)
}
console.log(`synthetic shop seed ${args.seed}: ${args.people} people, ${args.items} items (${addedLater.size} added after training), ${args.days} days; trained on ${shop.events.filter((e) => time(e) < split).length} events before ${new Date(split).toISOString().slice(0, 10)} (setup ${setupSeconds.toFixed(1)} s)\n`)
console.log('| strategy | cases | NDCG@10 | P@10 | bestsellers NDCG@10 | bestsellers P@10 | first level is the strategy\'s own | empty answers | ms per answer (in process) |')
console.log('|---|---|---|---|---|---|---|---|---|')
for (const r of rows) console.log(r)
// The training run's own validation (the last tenth of the training span): each item-to-item strategy
// as a recommender from the person's history, next to bestsellers.
const version = await engine.store.modelVersions.active()
const validation = (version?.summary as { validation?: { metrics: Record<string, { ndcg: number; precision: number }> } }).validation
if (validation) {
  const m = validation.metrics
  const summary = version!.summary as { seconds: Record<string, number>; bytes: number }
  console.log(`\nmodel: ${summary.bytes} bytes; training seconds: ${Object.entries(summary.seconds).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  console.log(`training validation NDCG@10: ${['complete-the-look', 'also-bought', 'similar', 'bestsellers'].map((k) => `${k} ${m[k]?.ndcg.toFixed(4)}`).join(', ')}`)
}
await engine.close()
fs.rmSync(dataDir, { recursive: true, force: true })
