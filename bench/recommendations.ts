/**
 * Recommendations benchmark: serving latency and throughput of `POST /v1/recommendations` with a large shop
 * loaded (default 10,000 items and 100,000 people of the synthetic shop), in one run on loopback:
 *   (1) load: the synthetic shop's catalogue and events go straight into a fresh data dir's SQLite store from
 *       this process (openStore, upsertItems, appendEvents of toEventRecord records, ProfileProjector.apply in
 *       batches, the profile consumer's offset set to the end of the log), then one training run
 *       (`Trainer.run`, the settings of `attune serve`) that leaves its model active in the store;
 *   (2) `bin/attune.mjs serve` on that data dir (it loads the active model at start); its RSS once ready;
 *   (3) per main strategy: the maximum request rate (autocannon, fixed connections, pipelining 1), then a
 *       paced open-loop run at a fixed rate (default 1,000 requests/s: request i is due at t0 + i/rate, its
 *       latency counted from that due time, so a stalled server is not hidden); client latency on loopback
 *       and the server's own `attune_http_request_duration_seconds` histogram for the route (from /metrics,
 *       the difference over each run);
 *   (4) the bare node:http server of bench/bare-server.mjs at its maximum rate on the same request bodies.
 * Writes the section "recommendations" of bench/RESULTS.md (unless --dry).
 *
 * Usage: npx tsx bench/recommendations.ts [--people 100000] [--items 10000] [--days 30] [--duration 10]
 *          [--warmup 2] [--connections 10] [--rate 1000] [--rate-duration 10] [--data-dir DIR (reuse a loaded one)]
 *          [--keep] [--cpu-prof DIR] [--only for-you-known,trending] [--dry]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import { hashKey, loadConfig } from '../src/core/index.ts'
import { generateShop, type SyntheticShop } from '../src/evaluation/index.ts'
import { MemoryHotState } from '../src/hot-state/index.ts'
import { toEventRecord } from '../src/ingest/index.ts'
import { PROFILE_CONSUMER, ProfileProjector } from '../src/profiles/index.ts'
import { profileSettings, signUserId } from '../src/server/index.ts'
import { openStore } from '../src/storage/index.ts'
import { Trainer } from '../src/training/index.ts'
import type { EventRecord } from '../src/core/index.ts'
import { batchHeaders, cleanEnv, SECRET_KEY, cpuSeconds, type Ledger, readMetrics, runRequests, type Server, startBare, startServe } from './harness.ts'
import { f0, f2, type LoadResult, machine, percentile, writeResults } from './ingest-report.ts'
import { GRACE_MS, type Paced, pacedClient } from './paced-client.ts'

const { values: args } = parseArgs({
  options: {
    people: { type: 'string', default: '100000' },
    items: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '11' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'rate-duration': { type: 'string', default: '10' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    dry: { type: 'boolean', default: false },
  },
})
const PEOPLE = Number(args.people)
const ITEMS = Number(args.items)
const DAYS = Number(args.days)
const DURATION = Number(args.duration)
const WARMUP = Number(args.warmup)
const CONNECTIONS = Number(args.connections)
const RATE = Number(args.rate)
const RATE_DURATION = Number(args['rate-duration'])
const DAY = 24 * 3600 * 1000
const ROUTE = '/v1/recommendations'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const seconds = (t0: number) => (performance.now() - t0) / 1000
const log = (s: string) => process.stderr.write(s)
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')

function rssMiB(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)![1]) / 1024
  } catch {
    return Number.NaN
  }
}

// ---- (1) load ----
interface LoadFacts {
  dataDir: string
  events: number
  applied: number
  people: number
  profiles: number
  seconds: { generate: number; append: number; project: number; train: number }
  model: { id: string; people: number; items: number; interactions: number; bytes: number } | null
  dbMiB: number
}

function dbFacts(dataDir: string) {
  const db = new BetterSqlite3(path.join(dataDir, 'attune.db'), { readonly: true, fileMustExist: true })
  try {
    const one = (sql: string) => Number(Object.values(db.prepare(sql).get() as Record<string, unknown>)[0] ?? 0)
    const active = db.prepare("SELECT id, summary FROM model_versions WHERE active = 1 AND status = 'ready'").get() as { id: string; summary: string } | undefined
    const summary = active ? (JSON.parse(active.summary) as { people: number; items: number; interactions: number; bytes: number }) : null
    return {
      events: one('SELECT count(*) FROM events'),
      maxSeq: one('SELECT coalesce(max(seq), 0) FROM events'),
      applied: one('SELECT count(*) FROM person_events'),
      people: one('SELECT count(*) FROM people WHERE merged_into IS NULL'),
      profiles: one('SELECT count(*) FROM profiles'),
      model: active && summary ? { id: active.id, people: summary.people, items: summary.items, interactions: summary.interactions, bytes: summary.bytes } : null,
    }
  } finally {
    db.close()
  }
}

function dirMiB(dir: string): number {
  return fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0) / 2 ** 20
}

async function load(shop: SyntheticShop, generateSeconds: number): Promise<LoadFacts> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-bench-recs-'))
  const config = loadConfig({ dataDir }, { ...cleanEnv(), ATTUNE_SQLITE_SYNC: 'normal' })
  const settings = profileSettings(config)
  const store = await openStore(config.databaseUrl, { sqliteSync: 'normal' })
  try {
    await store.setCategorySensitivity(shop.categories)
    for (let i = 0; i < shop.items.length; i += 1000) await store.upsertItems(shop.items.slice(i, i + 1000), new Date())
    log(`  appending ${f0(shop.events.length)} events`)
    let t = performance.now()
    const receivedAt = Date.now()
    const ctx = { receivedAt, batchSentAt: null, maxEventBytes: config.maxEventBytes }
    const records: EventRecord[] = []
    for (const msg of shop.events) {
      const r = toEventRecord(msg, null, ctx)
      if (!r.ok) throw new Error(`synthetic event refused: ${r.message}`)
      records.push(r.value)
    }
    for (let i = 0; i < records.length; i += 5000) await store.appendEvents(records.slice(i, i + 5000))
    const append = seconds(t)
    log(` ${f1(append)} s; applying them with the ProfileProjector`)
    t = performance.now()
    const projector = new ProfileProjector(store, new MemoryHotState(), settings)
    let nextLog = 30
    for (let i = 0; i < records.length; i += 2000) {
      await projector.apply(records.slice(i, i + 2000))
      if (seconds(t) > nextLog) {
        log(` [${f0(i + 2000)} at ${f0(seconds(t))} s]`)
        nextLog += 30
      }
    }
    const project = seconds(t)
    records.length = 0
    const { maxSeq } = dbFacts(dataDir)
    await store.setConsumerOffset(PROFILE_CONSUMER, maxSeq) // the server's embedded worker starts after the loaded log
    log(` ${f1(project)} s; training`)
    t = performance.now()
    const version = await new Trainer(store, config, settings, { threads: config.trainThreads }).run('bench')
    if (version?.status !== 'ready') throw new Error(`training failed: ${version?.error ?? 'no run'}`)
    const train = seconds(t)
    log(` ${f1(train)} s (${version.id})\n`)
    const facts = dbFacts(dataDir)
    return { dataDir, ...facts, seconds: { generate: generateSeconds, append, project, train }, dbMiB: 0 }
  } finally {
    await store.close()
  }
}

// ---- requests ----
interface Scenario {
  name: string
  description: string
  bodies: string[]
}

function pick<T>(list: readonly T[], n: number, seed: number): T[] {
  let s = seed >>> 0
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  return Array.from({ length: n }, () => list[Math.floor(rnd() * list.length)]!)
}

function scenarios(shop: SyntheticShop): Scenario[] {
  const N = 2000
  const known = shop.people.filter((p) => p.userId !== null && p.kind === 'regular').map((p) => p.userId!)
  const items = shop.items.filter((it) => it.available !== false).map((it) => it.id)
  const leaves = [...new Set(shop.items.map((it) => it.categories?.[0]).filter((c): c is string => c !== undefined))]
  const body = (x: unknown) => JSON.stringify(x)
  const count = 10
  return [
    // With the write key a userId counts only with its identity token, as the SDK sends it.
    { name: 'for-you (known people)', description: `userId (with its userToken) of ${f0(known.length)} registered people, cycled at random`, bodies: pick(known, N, 1).map((userId) => body({ strategy: 'for-you', userId, userToken: signUserId(hashKey(SECRET_KEY), userId), count })) },
    { name: 'for-you (anonymous)', description: 'no person', bodies: [body({ strategy: 'for-you', count })] },
    { name: 'also-bought', description: 'itemId of available items at random', bodies: pick(items, N, 2).map((itemId) => body({ strategy: 'also-bought', itemId, count })) },
    { name: 'similar', description: 'itemId at random', bodies: pick(items, N, 3).map((itemId) => body({ strategy: 'similar', itemId, count })) },
    { name: 'complete-the-look', description: 'itemId at random', bodies: pick(items, N, 4).map((itemId) => body({ strategy: 'complete-the-look', itemId, count })) },
    { name: 'cart', description: 'itemIds: 3 items at random, anonymous', bodies: Array.from({ length: N }, (_, i) => body({ strategy: 'cart', itemIds: pick(items, 3, 100 + i), count })) },
    { name: 'trending', description: 'no person', bodies: [body({ strategy: 'trending', count })] },
    { name: 'bestsellers', description: `category: one of the ${leaves.length} leaf categories at random`, bodies: pick(leaves, N, 5).map((category) => body({ strategy: 'bestsellers', category, count })) },
  ]
}

// ---- server-side histogram ----
type Histogram = { buckets: [number, number][]; count: number; sum: number }

/** The answer cache's counters (non-personalized answers reused / computed). */
async function cacheCounts(port: number): Promise<{ hits: number; misses: number }> {
  const value = await readMetrics(port)
  return { hits: value('attune_recommendation_cache_hits_total'), misses: value('attune_recommendation_cache_misses_total') }
}

async function routeHistogram(port: number): Promise<Histogram> {
  const value = await readMetrics(port)
  const labels = `method="POST",route="${ROUTE}"`
  const les = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
  const buckets: [number, number][] = les.map((le) => [le, value(`attune_http_request_duration_seconds_bucket{le="${le}",${labels}}`)])
  buckets.push([Infinity, value(`attune_http_request_duration_seconds_bucket{le="+Inf",${labels}}`)])
  return { buckets, count: value(`attune_http_request_duration_seconds_count{${labels}}`), sum: value(`attune_http_request_duration_seconds_sum{${labels}}`) }
}

function diff(a: Histogram, b: Histogram): Histogram {
  return { buckets: b.buckets.map(([le, c], i) => [le, c - a.buckets[i]![1]]), count: b.count - a.count, sum: b.sum - a.sum }
}

/** Quantile by linear interpolation inside the bucket (ms), and the share at or under 10 ms. */
function serverSide(h: Histogram) {
  const q = (p: number) => {
    if (h.count === 0) return Number.NaN
    const rank = (p / 100) * h.count
    let prevLe = 0
    let prevC = 0
    for (const [le, c] of h.buckets) {
      if (c >= rank) return le === Infinity ? Infinity : 1000 * (prevLe + ((le - prevLe) * (rank - prevC)) / Math.max(1, c - prevC))
      prevLe = le
      prevC = c
    }
    return Infinity
  }
  const under10 = h.buckets.find(([le]) => le === 0.01)![1]
  return { p50: q(50), p99: q(99), mean: h.count ? (1000 * h.sum) / h.count : Number.NaN, under10: h.count ? under10 / h.count : Number.NaN, count: h.count }
}
type ServerSide = ReturnType<typeof serverSide>

// ---- paced fixed-rate load ----

// ---- runs ----
interface MaxRun {
  load: LoadResult
  serverCpu: number
  server: ServerSide | null
  bytes: number
  /** Answer-cache counters over the measured run (attune only). */
  cacheHits?: { hits: number; misses: number } | null
}
interface Row {
  scenario: Scenario
  max: MaxRun
  /** Max rate with the answer cache off (strategies whose answers can be reused). */
  uncached?: MaxRun
  fixed: { load: Paced; server: ServerSide; serverCpu: number }
  servedBy: string
}

const newLedger = (): Ledger => ({ built: 0, first: 0, acked: new Set(), failed: new Set() })
const rps = (l: LoadResult) => l.ok / l.seconds

async function maxRate(server: Server, bodies: string[], histogram: boolean): Promise<MaxRun> {
  const base = { method: 'POST', path: ROUTE, headers: batchHeaders }
  const prepare = (n: number) => ({ body: bodies[n % bodies.length]! })
  const first = await fetch(`http://127.0.0.1:${server.port}${ROUTE}`, { method: 'POST', headers: batchHeaders, body: bodies[0] })
  const text = await first.text()
  if (first.status !== 200) throw new Error(`POST ${ROUTE} ${bodies[0]} answered ${first.status}: ${text}`)
  if (WARMUP > 0) await runRequests(server.port, CONNECTIONS, WARMUP, base, prepare, newLedger())
  const h0 = histogram ? await routeHistogram(server.port) : null
  const c0 = histogram ? await cacheCounts(server.port) : null
  const cpu0 = cpuSeconds(server.child.pid)
  const load = await runRequests(server.port, CONNECTIONS, DURATION, base, prepare, newLedger())
  const serverCpu = (cpuSeconds(server.child.pid) - cpu0) / load.seconds
  const s = h0 ? serverSide(diff(h0, await routeHistogram(server.port))) : null
  const c1 = c0 ? await cacheCounts(server.port) : null
  const cacheHits = c0 && c1 ? { hits: c1.hits - c0.hits, misses: c1.misses - c0.misses } : null
  return { load, serverCpu, server: s, bytes: text.length, cacheHits }
}

async function track<T>(server: Server, use: (s: Server) => Promise<T>): Promise<T> {
  try {
    return await use(server)
  } finally {
    await server.stop()
  }
}

async function main(): Promise<void> {
  const tStart = performance.now()
  const m = machine()
  log(`recommendations bench: ${f0(PEOPLE)} people, ${f0(ITEMS)} items, ${DAYS} days; ${m.nproc} CPUs, ${m.cpu}, Node ${m.node}\n`)
  let t = performance.now()
  const shop = generateShop({ seed: Number(args.seed), people: PEOPLE, items: ITEMS, days: DAYS, startTime: Date.now() - DAYS * DAY - 3600_000 })
  const generate = seconds(t)
  log(`  generated the synthetic shop: ${f0(shop.events.length)} events in ${f1(generate)} s\n`)
  let facts: LoadFacts
  if (args['data-dir']) {
    const dataDir = path.resolve(args['data-dir'])
    facts = { dataDir, ...dbFacts(dataDir), seconds: { generate, append: Number.NaN, project: Number.NaN, train: Number.NaN }, dbMiB: 0 }
  } else facts = await load(shop, generate)
  facts.dbMiB = dirMiB(facts.dataDir)
  const loadSeconds = seconds(tStart)
  const all = scenarios(shop)
  const only = args.only?.split(',')
  const chosen = only ? all.filter((s) => only.some((o) => s.name.startsWith(o))) : all
  shop.events.length = 0

  const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])] : []
  const rows: Row[] = []
  let rss = { ready: Number.NaN, afterFirst: Number.NaN, end: Number.NaN }
  let bare: MaxRun
  let floor = null as MaxRun | null
  let bareLarge = null as MaxRun | null
  // One recommendation response, answered verbatim by a second bare server (same bytes on the wire).
  let sampleReply = null as string | null
  try {
    const tServe = performance.now()
    await track(await startServe({ dataDir: facts.dataDir, nodeArgs }), async (server) => {
      const ready = seconds(tServe)
      await sleep(1000)
      rss.ready = rssMiB(server.child.pid)
      log(`  attune serve ready in ${f1(ready)} s, RSS ${f0(rss.ready)} MiB\n`)
      for (const scenario of chosen) {
        log(`  ${scenario.name}: max rate (${CONNECTIONS} connections, ${WARMUP}+${DURATION} s)`)
        const max = await maxRate(server, scenario.bodies, true)
        if (Number.isNaN(rss.afterFirst)) rss.afterFirst = rssMiB(server.child.pid)
        log(` ${f0(rps(max.load))} req/s, p50/p99 ${f2(percentile(max.load.latencies, 50))}/${f2(percentile(max.load.latencies, 99))} ms; fixed ${RATE}/s for ${RATE_DURATION} s`)
        await sleep(500)
        const h0 = await routeHistogram(server.port)
        const cpu0 = cpuSeconds(server.child.pid)
        const fixed = await pacedClient({ port: server.port, path: ROUTE, headers: batchHeaders, rate: RATE, seconds: RATE_DURATION, bodies: scenario.bodies })
        const serverCpu = (cpuSeconds(server.child.pid) - cpu0) / fixed.elapsed
        await sleep(1000) // requests of dropped sockets still finish in the server
        const s = serverSide(diff(h0, await routeHistogram(server.port)))
        log(` p50/p99 ${f2(percentile(fixed.latencies, 50))}/${f2(percentile(fixed.latencies, 99))} ms, ${fixed.unanswered} unanswered (server ${f2(s.p50)}/${f2(s.p99)})\n`)
        const sample = (await (await fetch(`http://127.0.0.1:${server.port}${ROUTE}`, { method: 'POST', headers: batchHeaders, body: scenario.bodies[1 % scenario.bodies.length] })).json()) as {
          placements: { servedBy: string[]; items: unknown[] }[]
        }
        sampleReply ??= JSON.stringify(sample)
        rows.push({ scenario, max, fixed: { load: fixed, server: s, serverCpu }, servedBy: `${sample.placements[0]!.servedBy.join(' → ')} (${sample.placements[0]!.items.length} items)` })
        await sleep(500)
      }
      rss.end = rssMiB(server.child.pid)
      // The same server's cheapest route: what Fastify, Node's HTTP and the hooks cost without any work.
      log(`  attune GET /healthz: max rate (${CONNECTIONS} connections, ${WARMUP}+${DURATION} s)`)
      const base = { method: 'GET', path: '/healthz' }
      if (WARMUP > 0) await runRequests(server.port, CONNECTIONS, WARMUP, base, () => ({}), newLedger())
      const cpu0 = cpuSeconds(server.child.pid)
      const load = await runRequests(server.port, CONNECTIONS, DURATION, base, () => ({}), newLedger())
      floor = { load, serverCpu: (cpuSeconds(server.child.pid) - cpu0) / load.seconds, server: null, bytes: 0, cacheHits: null }
      log(` ${f0(rps(load))} req/s\n`)
    })
    // The same strategies computed every time: a server with the answer cache off.
    await track(await startServe({ dataDir: facts.dataDir, env: { ATTUNE_RECOMMENDATION_CACHE_MS: '0' } }), async (server) => {
      for (const row of rows) {
        if (!row.max.cacheHits || row.max.cacheHits.hits + row.max.cacheHits.misses === 0) continue
        log(`  ${row.scenario.name}, answer cache off: max rate`)
        row.uncached = await maxRate(server, row.scenario.bodies, true)
        log(` ${f0(rps(row.uncached.load))} req/s\n`)
      }
    })
    bare = await track(await startBare(), async (server) => {
      log(`  bare node:http: max rate (${CONNECTIONS} connections, ${WARMUP}+${DURATION} s)`)
      const r = await maxRate(server, all[0]!.bodies, false)
      log(` ${f0(rps(r.load))} req/s\n`)
      return r
    })
    if (sampleReply) {
      const file = path.join(os.tmpdir(), `attune-bench-reply-${process.pid}.json`)
      fs.writeFileSync(file, sampleReply)
      bareLarge = await track(await startBare(file), async (server) => {
        log(`  bare node:http answering a recommendation response (${f0(Buffer.byteLength(sampleReply!))} B): max rate`)
        const r = await maxRate(server, all[0]!.bodies, false)
        log(` ${f0(rps(r.load))} req/s\n`)
        return r
      })
      fs.rmSync(file, { force: true })
    }
  } finally {
    if (!args.keep && !args['data-dir']) fs.rmSync(facts.dataDir, { recursive: true, force: true })
    else log(`  data dir kept: ${facts.dataDir}\n`)
  }

  // ---- report ----
  const bareRps = rps(bare.load)
  const cl = (x: number) => (x === Infinity ? 'unanswered' : f2(x))
  const ms = (x: number) => (x === Infinity ? '> 2500' : f2(x))
  // Share of requests answered from the answer cache (personalized ones never are: "n/a" when none was cacheable).
  const reuse = (c: MaxRun['cacheHits']) => (!c || c.hits + c.misses === 0 ? 'never (personal)' : `${f1((100 * c.hits) / (c.hits + c.misses))} %`)
  const maxTable = [
    `| strategy (max rate, ${CONNECTIONS} connections) | req/s | vs bare | client p50 ms | client p99 ms | server p50 ms | server p99 ms | server mean ms | non-2xx / errors / timeouts | server CPU | load-gen CPU | response | answers reused | req/s, answer cache off (vs bare) | served by (one sample) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => {
      const { scenario, max, servedBy } = row
      const l = max.load
      return `| ${scenario.name} | ${f0(rps(l))} | **${f1((100 * rps(l)) / bareRps)} %** | ${f2(percentile(l.latencies, 50))} | ${f2(percentile(l.latencies, 99))} | ${ms(max.server!.p50)} | ${ms(max.server!.p99)} | ${f2(max.server!.mean)} | ${l.non2xx} / ${l.errors} / ${l.timeouts} | ${f0(100 * max.serverCpu)} % | ${f0((100 * l.loadCpu) / l.seconds)} % | ${f0(max.bytes)} B | ${reuse(max.cacheHits)} | ${row.uncached ? `${f0(rps(row.uncached.load))} (${f1((100 * rps(row.uncached.load)) / bareRps)} %)` : ''} | ${servedBy} |`
    }),
    ...(floor ? [`| attune GET /healthz (same server, no key, no body, no work) | ${f0(rps(floor.load))} | ${f1((100 * rps(floor.load)) / bareRps)} % | ${f2(percentile(floor.load.latencies, 50))} | ${f2(percentile(floor.load.latencies, 99))} | | | | ${floor.load.non2xx} / ${floor.load.errors} / ${floor.load.timeouts} | ${f0(100 * floor.serverCpu)} % | ${f0((100 * floor.load.loadCpu) / floor.load.seconds)} % | | | | |`] : []),
    ...(bareLarge ? [`| bare node:http answering a fixed recommendation response (same bodies) | ${f0(rps(bareLarge.load))} | ${f1((100 * rps(bareLarge.load)) / bareRps)} % | ${f2(percentile(bareLarge.load.latencies, 50))} | ${f2(percentile(bareLarge.load.latencies, 99))} | | | | ${bareLarge.load.non2xx} / ${bareLarge.load.errors} / ${bareLarge.load.timeouts} | ${f0(100 * bareLarge.serverCpu)} % | ${f0((100 * bareLarge.load.loadCpu) / bareLarge.load.seconds)} % | ${f0(bareLarge.bytes)} B | | | |`] : []),
    `| bare node:http (same bodies as for-you known) | ${f0(bareRps)} | 100 % | ${f2(percentile(bare.load.latencies, 50))} | ${f2(percentile(bare.load.latencies, 99))} | | | | ${bare.load.non2xx} / ${bare.load.errors} / ${bare.load.timeouts} | ${f0(100 * bare.serverCpu)} % | ${f0((100 * bare.load.loadCpu) / bare.load.seconds)} % | ${f0(bare.bytes)} B | | | |`,
  ].join('\n')
  const fixedTable = [
    `| strategy (paced ${f0(RATE)} requests/s, ${RATE_DURATION} s) | achieved req/s | client p50 ms | client p99 ms | client p99.9 ms | server p50 ms | server p99 ms | server ≤ 10 ms | failed / unanswered ${GRACE_MS / 1000} s after the end | server CPU | client p99 < 10 ms? |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(({ scenario, fixed }) => {
      const l = fixed.load
      const p99 = percentile(l.latencies, 99)
      return `| ${scenario.name} | ${f0(l.ok / l.elapsed)} | ${cl(percentile(l.latencies, 50))} | ${cl(p99)} | ${cl(percentile(l.latencies, 99.9))} | ${ms(fixed.server.p50)} | ${ms(fixed.server.p99)} | ${f1(100 * fixed.server.under10)} % | ${l.failed} / ${f0(l.unanswered)} | ${f0(100 * fixed.serverCpu)} % | ${p99 < 10 ? 'yes' : '**no**'} |`
    }),
  ].join('\n')
  const tables = `${maxTable}\n\n${fixedTable}`
  process.stdout.write(`\n${tables}\n`)

  const verdict = (ok: (r: Row) => boolean) => (rows.every(ok) ? 'met for every strategy' : `not met for ${rows.filter((r) => !ok(r)).map((r) => r.scenario.name).join(', ')}`)
  const command = `npx tsx bench/recommendations.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const s = facts.seconds
  const section = [
    '## Recommendations: serving latency and throughput',
    '',
    `- Command: \`${command}\` (\`npm run bench:recommendations\`); the whole run took ${f0(seconds(tStart))} s, of which ${f0(loadSeconds)} s generating and loading the data.`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}. Server and load generator share the cores.`,
    `- Data: the synthetic shop (src/evaluation/synthetic-shop.ts, seed ${args.seed}) with ${f0(PEOPLE)} people, ${f0(ITEMS)} items and ${DAYS} days ending now: ` +
      `${f0(facts.events)} events, ${f0(facts.people)} people in the identity graph, ${f0(facts.profiles)} profiles, ${f0(facts.applied)} events applied by the projector; data dir ${f0(facts.dbMiB)} MiB. ` +
      `Loaded in the bench process straight into the SQLite store (generate ${f1(s.generate)} s, toEventRecord + appendEvents ${f1(s.append)} s, ProfileProjector.apply in batches of 2,000 ${f1(s.project)} s), ` +
      `then one training run (\`Trainer.run\`, the settings of \`attune serve\`, ${f1(s.train)} s): model ${facts.model ? `${facts.model.id}, ${f0(facts.model.people)} people × ${f0(facts.model.items)} items, ${f0(facts.model.interactions)} interactions, artifact ${f0(facts.model.bytes / 2 ** 20)} MiB` : 'n/a'}.`,
    `- Server: \`bin/attune.mjs serve\` as shipped (embedded worker, ATTUNE_SQLITE_SYNC=full, warn-level logs) but with the request rate limits off (one load generator is one client address) on that data dir, on 127.0.0.1; it loads the active model at start. ` +
      `**Serving memory (RSS)**: ${f0(rss.ready)} MiB once ready with the model loaded, ${f0(rss.afterFirst)} MiB after the first load run, ${f0(rss.end)} MiB at the end.`,
    `- Requests: \`POST ${ROUTE}\` with the write key (Basic), one placement, count 10, default filters; per strategy: ${rows.map((r) => `${r.scenario.name}: ${r.scenario.description}`).join('; ')}.`,
    `- Max rate: autocannon, ${CONNECTIONS} connections, pipelining 1, ${WARMUP} s warm-up + ${DURATION} s measured; client latency per 2xx request on loopback. The bare node:http server (bench/bare-server.mjs: reads and JSON.parses the body, answers \`{"success":true}\`) gets the same load with the for-you bodies.`,
    `- Answer cache: a non-personalized answer (no person, or one unknown) is reused for an identical request for ATTUNE_RECOMMENDATION_CACHE_MS (default 2,000 ms), each reuse with its own recommId and impression; "answers reused" is the share of the measured requests it answered, from the server's /metrics. The same strategies were then measured on a second server with the cache off (ATTUNE_RECOMMENDATION_CACHE_MS=0), i.e. every answer computed. Personalized answers are never reused.`,
    `- Floor: the same attune server's \`GET /healthz\` (no key, no body, a few bytes back) at the same load shows what Node's HTTP, Fastify and the app's hooks cost before any work; the bare server's rate is bounded by the load generator, which takes a full core there.`,
    `- Fixed rate: a paced open-loop client in a process of its own (bench/paced-client.ts; request i due at t0 + i/${RATE} s, keep-alive, up to 64 sockets; latency from the due time, so queueing behind a slow request counts). ` +
      `Requests not answered ${GRACE_MS / 1000} s after the last was due count as infinitely slow ("unanswered") and are dropped. Autocannon's \`overallRate\` was not used: it sends each connection's share of a second back to back and then idles, i.e. bursts at full concurrency.`,
    `- Server-side latency: the difference of the server's \`attune_http_request_duration_seconds{route="${ROUTE}"}\` histogram over each measured run (buckets 1, 2.5, 5, 10, 25 ms, ...: p50/p99 interpolated inside the bucket, so coarse; "≤ 10 ms" is exact).`,
    `- Goals (issue 6): server-side p99 under 10 ms at 1,000 requests/s: **${verdict((r) => r.fixed.server.p99 < 10)}**; ` +
      `client-side p99 (loopback, the client sharing the two cores with the server) under 10 ms as well: **${verdict((r) => percentile(r.fixed.load.latencies, 99) < 10)}**; ` +
      `at least 40 % of the bare server's maximum rate: **${verdict((r) => rps(r.max.load) >= 0.4 * bareRps)}**` +
      (bareLarge ? `; at least 40 % of the bare server answering a response as large as ours (${f0(rps(bareLarge.load))} req/s): **${verdict((r) => rps(r.max.load) >= 0.4 * rps(bareLarge!.load))}**.` : '.'),
    '',
    tables,
  ].join('\n')
  if (!args.dry && !only) {
    writeResults(section, 'recommendations')
    log('updated bench/RESULTS.md\n')
  }
}

await main()
