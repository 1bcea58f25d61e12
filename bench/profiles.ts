/**
 * Profiles benchmark, in one run on loopback (about 2–3 minutes, stops by itself):
 *   (a) `/v1/batch` ingestion of identity traffic (bench/identity-bodies.ts: guests, customers logging in on
 *       one or two browsers, views, carts, orders of a posted 1,000-item catalogue) with profile updating
 *       OFF (ATTUNE_EMBEDDED_WORKER=0: ingestion alone) and ON (`attune serve` as shipped: the embedded
 *       worker runs the ProfileProjector in the same process), each on a fresh data dir;
 *   (b) the projector's lag: events applied per second during the load (`person_events` rows, polled on a
 *       read-only SQLite connection) and, after the load stops, the time until every stored event is applied;
 *       and its capacity alone: `attune worker` on the OFF run's log, with no load;
 *   (c) `GET /v1/people/{userId}` (secret key) over existing customers at 10 connections, next to the bare
 *       node:http server of bench/bare-server.mjs.
 * Writes the section "profiles" of bench/RESULTS.md (unless --dry).
 *
 * Usage: npx tsx bench/profiles.ts [--duration 15] [--warmup 3] [--connections 10] [--read-duration 10]
 *          [--read-connections 10] [--catch-up-limit 90] [--replay-limit 40] [--dry]
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import { createIdentityBodies, type IdentityBodies } from './identity-bodies.ts'
import { cpuSeconds, type Ledger, readMetrics, runLoad, runRequests, SECRET_KEY, type Server, settle, startBare, startServe, startWorker } from './harness.ts'
import { diskProbe, f0, f2, type LoadResult, machine, percentile, writeResults } from './ingest-report.ts'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    'read-duration': { type: 'string', default: '10' },
    'read-connections': { type: 'string', default: '10' },
    'catch-up-limit': { type: 'string', default: '90' },
    'replay-limit': { type: 'string', default: '40' },
    dry: { type: 'boolean', default: false },
  },
})
const DURATION = Number(args.duration)
const WARMUP = Number(args.warmup)
const CONNECTIONS = Number(args.connections)
const READ_DURATION = Number(args['read-duration'])
const READ_CONNECTIONS = Number(args['read-connections'])
const CATCH_UP_LIMIT = Number(args['catch-up-limit'])
const REPLAY_LIMIT = Number(args['replay-limit'])
const READ_WARMUP = 2
const READ_PEOPLE = 1000
const secretHeaders = { authorization: `Bearer ${SECRET_KEY}` }

// Whatever happens, the run ends: a watchdog kills the servers it started and exits.
const started = new Set<Server>()
const watchdog = setTimeout(() => {
  process.stderr.write('\nprofiles bench: watchdog fired (run took too long); killing its servers\n')
  for (const s of started) {
    s.child.kill('SIGKILL')
    if (s.dataDir) fs.rmSync(s.dataDir, { recursive: true, force: true })
  }
  process.exit(2)
}, (2 * (WARMUP + DURATION) + CATCH_UP_LIMIT + REPLAY_LIMIT + 2 * (READ_WARMUP + READ_DURATION) + 150) * 1000)
watchdog.unref()

const newLedger = (): Ledger => ({ built: 0, first: 0, acked: new Set(), failed: new Set() })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const seconds = (t0: number) => (performance.now() - t0) / 1000
const rps = (l: LoadResult) => l.ok / l.seconds
const rssMiB = (pid: number | undefined) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024

/** Runs `use` on a started server, then stops it and removes its data dir (unless `keepData`). */
async function track<T>(server: Server, use: (server: Server) => Promise<T>, keepData = false): Promise<T> {
  started.add(server)
  try {
    return await use(server)
  } finally {
    await server.stop()
    if (server.dataDir && !keepData) fs.rmSync(server.dataDir, { recursive: true, force: true })
    started.delete(server)
  }
}

/** Counts in the server's SQLite file, read on a read-only connection while it runs. */
function openCounts(dataDir: string) {
  const db = new BetterSqlite3(path.join(dataDir, 'attune.db'), { readonly: true, fileMustExist: true })
  const stored = db.prepare('select count(*) as n from events').pluck()
  const applied = db.prepare('select count(*) as n from person_events').pluck()
  return {
    db,
    now: () => ({ stored: stored.get() as number, applied: applied.get() as number }),
    graph: () => ({
      people: db.prepare('select count(*) from people where merged_into is null').pluck().get() as number,
      merged: db.prepare('select count(*) from people where merged_into is not null').pluck().get() as number,
      profiles: db.prepare('select count(*) from profiles').pluck().get() as number,
      identities: Object.fromEntries((db.prepare('select type, count(*) as n from identities group by type').all() as { type: string; n: number }[]).map((r) => [r.type, r.n])),
    }),
    userIds: (limit: number) => db.prepare("select value from identities where type = 'user_id' order by random() limit ?").pluck().all(limit) as string[],
  }
}

async function postCatalogue(port: number, bodies: IdentityBodies): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...secretHeaders },
    body: JSON.stringify({ items: bodies.catalogue }),
  })
  const reply = (await res.json()) as { upserted?: number }
  if (res.status !== 200 || reply.upserted !== bodies.catalogue.length) throw new Error(`catalogue post failed: ${res.status} ${JSON.stringify(reply).slice(0, 500)}`)
}

interface Sample {
  t: number
  stored: number
  applied: number
}
interface Lag {
  start: Sample
  stop: Sample
  /** Events stored once the requests in flight at the stop were committed. */
  final: number
  /** Seconds from the end of the load until every stored event was applied (null: not within the limit). */
  catchUp: number | null
  /** Events still unapplied when the limit ran out. */
  left: number
  /** Once a second from the start of the measured load until everything was applied. */
  samples: Sample[]
}
interface Replay {
  events: number
  applied: number
  seconds: number
  done: boolean
  cpu: number
}
interface Reads {
  load: LoadResult
  serverCpu: number
  people: number
  bytes: number
}
interface IngestRun {
  label: string
  load: LoadResult
  ackedEvents: number
  stored: number
  rss: number
  lag: Lag | null
  identity: Record<string, number>
  graph: ReturnType<ReturnType<typeof openCounts>['graph']> | null
  reads: Reads | null
}

async function measureReads(server: Server, paths: string[]): Promise<Reads> {
  const prepare = (n: number) => ({ path: paths[n % paths.length]! })
  const base = { method: 'GET', headers: secretHeaders }
  const first = await fetch(`http://127.0.0.1:${server.port}${paths[0]}`, { headers: secretHeaders })
  const bytes = (await first.text()).length
  if (first.status !== 200) throw new Error(`GET ${paths[0]} answered ${first.status}`)
  await runRequests(server.port, READ_CONNECTIONS, READ_WARMUP, base, prepare, newLedger())
  const cpu0 = cpuSeconds(server.child.pid)
  const load = await runRequests(server.port, READ_CONNECTIONS, READ_DURATION, base, prepare, newLedger())
  return { load, serverCpu: (cpuSeconds(server.child.pid) - cpu0) / load.seconds, people: paths.length, bytes }
}

/** One ingestion run on a fresh server; with `projector`, also the lag and the profile reads. `keepData` leaves the data dir for a replay. */
async function ingest(label: string, projector: boolean, bodies: IdentityBodies, keepData = false): Promise<{ run: IngestRun; paths: string[]; dataDir: string }> {
  return track(await startServe({ env: { ATTUNE_SQLITE_SYNC: 'full', ATTUNE_EMBEDDED_WORKER: projector ? '1' : '0' } }), async (server) => {
    await postCatalogue(server.port, bodies)
    const counts = openCounts(server.dataDir!)
    try {
      const ledger = newLedger()
      process.stderr.write(`  ${label}: warm-up ${WARMUP}s`)
      if (WARMUP > 0) await runLoad(server.port, CONNECTIONS, WARMUP, bodies, ledger)
      process.stderr.write(`, measuring ${DURATION}s`)
      const t0 = performance.now()
      const samples: Sample[] = [{ t: 0, ...counts.now() }]
      const sampler = setInterval(() => samples.push({ t: seconds(t0), ...counts.now() }), 1000)
      const cpu0 = cpuSeconds(server.child.pid)
      const load = await runLoad(server.port, CONNECTIONS, DURATION, bodies, ledger)
      load.serverCpu = cpuSeconds(server.child.pid) - cpu0
      clearInterval(sampler)
      const tStop = performance.now()
      const stop: Sample = { t: seconds(t0), ...counts.now() }
      // From the stop on, count every 50 ms: requests in flight are still committed while the projector catches up.
      const tail: Sample[] = [stop]
      const fine = setInterval(() => tail.push({ t: seconds(t0), ...counts.now() }), 50)
      const settled = await settle(server.port)
      const final = counts.now().stored
      if (final !== settled.accepted || final < ledger.acked.size * bodies.eventsPerBody) {
        clearInterval(fine)
        throw new Error(`stored ${final} events, but metrics say ${settled.accepted} accepted and ${ledger.acked.size * bodies.eventsPerBody} were acknowledged`)
      }
      process.stderr.write(` done: ${f0(rps(load) * bodies.eventsPerBody)} events/s, p50/p99 ${f2(percentile(load.latencies, 50))}/${f2(percentile(load.latencies, 99))} ms`)
      let lag: Lag | null = null
      let paths: string[] = []
      if (projector) {
        while (tail.at(-1)!.applied < final && seconds(tStop) < CATCH_UP_LIMIT) await sleep(50)
        clearInterval(fine)
        tail.push({ t: seconds(t0), ...counts.now() })
        const done = tail.find((x) => x.applied >= final)
        const catchUp = done ? done.t - stop.t : null
        samples.push(stop)
        for (const x of tail.slice(1)) if (x.t >= samples.at(-1)!.t + 1 || x === done) samples.push(x)
        lag = { start: samples[0]!, stop, final, catchUp, left: final - tail.at(-1)!.applied, samples }
        process.stderr.write(catchUp !== null ? `; all ${f0(final)} events applied ${f2(catchUp)} s after the load stopped\n` : `; ${f0(lag.left)} events still unapplied after ${CATCH_UP_LIMIT} s\n`)
        paths = counts.userIds(READ_PEOPLE).map((id) => `/v1/people/${encodeURIComponent(id)}`)
      } else {
        clearInterval(fine)
        process.stderr.write('\n')
      }
      const metrics = await readMetrics(server.port)
      const identity = Object.fromEntries(
        ['profile_events_applied', 'identity_merges', 'identity_merges_refused', 'identity_reassigned', 'identity_links_refused', 'profiles_recomputed'].map((m) => [m, metrics(`attune_${m}_total`)]),
      )
      const graph = projector ? counts.graph() : null
      let reads: Reads | null = null
      if (projector && paths.length > 0) {
        process.stderr.write(`  GET /v1/people/{userId} over ${paths.length} customers: warm-up ${READ_WARMUP}s, measuring ${READ_DURATION}s`)
        reads = await measureReads(server, paths)
        process.stderr.write(` done: ${f0(rps(reads.load))} req/s, p50/p99 ${f2(percentile(reads.load.latencies, 50))}/${f2(percentile(reads.load.latencies, 99))} ms\n`)
      }
      const rss = rssMiB(server.child.pid)
      const code = await server.stop()
      if (code !== 0) throw new Error(`attune exited with ${code}:\n${server.output.join('')}`)
      return { run: { label, load, ackedEvents: ledger.acked.size * bodies.eventsPerBody, stored: final, rss, lag, identity, graph, reads }, paths, dataDir: server.dataDir! }
    } finally {
      counts.db.close()
    }
  }, keepData)
}

/**
 * The projector alone: `attune worker` (same ProfileProjector, log-tail stream, no HTTP) on the OFF run's
 * log, measured from its first applied delivery for at most REPLAY_LIMIT s. Killed at the end: while it has
 * a backlog its event loop does not run, so it would not see a SIGTERM (see RESULTS).
 */
async function replay(dataDir: string): Promise<Replay> {
  process.stderr.write(`  projector alone: \`attune worker\` on the OFF run's log (at most ${REPLAY_LIMIT}s)`)
  return track(startWorker({ dataDir, env: { ATTUNE_SQLITE_SYNC: 'full' } }), async (server) => {
    const counts = openCounts(dataDir)
    try {
      const total = counts.now().stored
      const spawned = performance.now()
      let first = counts.now()
      while (first.applied === 0 && seconds(spawned) < 30) {
        if (server.child.exitCode !== null) throw new Error(`attune worker exited with ${server.child.exitCode}:\n${server.output.join('')}`)
        await sleep(20)
        first = counts.now()
      }
      const t0 = performance.now()
      const cpu0 = cpuSeconds(server.child.pid)
      let now = first
      while (now.applied < total && seconds(t0) < REPLAY_LIMIT) {
        await sleep(50)
        now = counts.now()
      }
      const r = { events: total, applied: now.applied - first.applied, seconds: seconds(t0), done: now.applied >= total, cpu: (cpuSeconds(server.child.pid) - cpu0) / seconds(t0) }
      server.child.kill('SIGKILL')
      process.stderr.write(` done: ${f0(r.applied / r.seconds)} events/s${r.done ? '' : ` (${f0(total - now.applied)} of ${f0(total)} left)`}\n`)
      return r
    } finally {
      counts.db.close()
    }
  })
}

async function bareReads(paths: string[]): Promise<Reads> {
  return track(await startBare(), async (server) => {
    process.stderr.write(`  bare node:http GET: warm-up ${READ_WARMUP}s, measuring ${READ_DURATION}s`)
    const reads = await measureReads(server, paths)
    process.stderr.write(` done: ${f0(rps(reads.load))} req/s\n`)
    return reads
  })
}

// ---- report ----
function report(off: IngestRun, on: IngestRun, alone: Replay, bare: Reads, bodies: IdentityBodies): string {
  const ev = (r: IngestRun) => rps(r.load) * bodies.eventsPerBody
  const lat = (l: LoadResult) => `${f2(percentile(l.latencies, 50))} | ${f2(percentile(l.latencies, 99))} | ${f2(percentile(l.latencies, 99.9))}`
  const fails = (l: LoadResult) => `${l.non2xx} / ${l.errors} / ${l.timeouts}`
  const row = (r: IngestRun) =>
    `| ${r.label} | ${f0(rps(r.load))} | ${f0(ev(r))} | ${lat(r.load)} | ${fails(r.load)} | ${f0((100 * r.load.serverCpu) / r.load.seconds)} % | ${f0((100 * r.load.loadCpu) / r.load.seconds)} % | ${f0(r.stored)} | ${f0(r.rss)} MiB |`
  const ingestion = [
    '| profile updating | req/s | events/s | p50 ms | p99 ms | p99.9 ms | non-2xx / errors / timeouts | server CPU | load-gen CPU | events stored | server RSS at end |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    row(off),
    row(on),
    `| ON / OFF | | **${f0((100 * ev(on)) / ev(off))} %** | | | | | | | | |`,
  ].join('\n')

  const lag = on.lag!
  const during = lag.stop.t - lag.start.t
  const storedRate = (lag.stop.stored - lag.start.stored) / during
  const appliedRate = (lag.stop.applied - lag.start.applied) / during
  const catchUp = lag.catchUp !== null ? `**${f2(lag.catchUp)} s**` : `**not within ${CATCH_UP_LIMIT} s**: ${f0(lag.left)} events left`
  const projector = [
    '| projector (profile updating ON) | value |',
    '|---|---:|',
    `| events stored per second during the measured load | ${f0(storedRate)} |`,
    `| events applied per second during the measured load (sustained rate) | **${f0(appliedRate)}** (${f0((100 * appliedRate) / storedRate)} % of ingestion) |`,
    `| backlog (stored − applied) at the start / the end of the measured load | ${f0(lag.start.stored - lag.start.applied)} / ${f0(lag.stop.stored - lag.stop.applied)} events |`,
    `| backlog at the end of the load, in seconds of ingestion | ${f2((lag.stop.stored - lag.stop.applied) / storedRate)} s |`,
    `| time after the load stopped until every stored event (${f0(lag.final)}) was applied | ${catchUp} |`,
    `| projector alone (\`attune worker\` on the OFF run's log, no requests), events/s | **${f0(alone.applied / alone.seconds)}** (${alone.done ? `all ${f0(alone.events)} events applied` : `stopped at the limit`}; ${f0(alone.applied)} events after its first delivery in ${f2(alone.seconds)} s; worker CPU ${f0(100 * alone.cpu)} %) |`,
    `| projector alone vs ingestion alone (OFF) | ${f0((100 * alone.applied) / alone.seconds / ev(off))} % |`,
  ].join('\n')

  const readRow = (name: string, r: Reads) =>
    `| ${name} | ${f0(rps(r.load))} | ${lat(r.load)} | ${fails(r.load)} | ${f0(100 * r.serverCpu)} % | ${f0((100 * r.load.loadCpu) / r.load.seconds)} % | ${f0(r.bytes)} B | ${f1((100 * rps(r.load)) / rps(bare.load))} % |`
  const reads = [
    '| GET, 10 connections | req/s | p50 ms | p99 ms | p99.9 ms | non-2xx / errors / timeouts | server CPU | load-gen CPU | response | vs bare (req/s) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    readRow(`\`/v1/people/{userId}\` (${on.reads!.people} customers)`, on.reads!),
    readRow('bare node:http', bare),
  ].join('\n')
  return [ingestion, projector, reads].join('\n\n')
}
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
const mixText = (bodies: IdentityBodies) =>
  Object.entries(bodies.mix)
    .sort(([, a], [, b]) => b - a)
    .map(([name, share]) => `${name} ${f0(100 * share)} %`)
    .join(', ')

async function main(): Promise<void> {
  const t0 = performance.now()
  const bodies = createIdentityBodies({ runTag: `p${Date.now().toString(36)}` })
  const m = machine()
  process.stderr.write(
    `profiles bench: ${bodies.eventsPerBody} events/request (avg ${bodies.averageBodyBytes} B/request), ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s per ingestion run; ` +
      `${m.nproc} CPUs, ${m.cpu}, Node ${m.node}\n`,
  )
  const probes = [diskProbe()]
  const { run: off, dataDir } = await ingest('OFF (ATTUNE_EMBEDDED_WORKER=0, ingestion alone)', false, bodies, true)
  let alone: Replay
  try {
    alone = await replay(dataDir)
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  const { run: on, paths } = await ingest('ON (embedded worker, as shipped)', true, bodies)
  const bare = await bareReads(paths)
  probes.push(diskProbe())
  const tables = report(off, on, alone, bare, bodies)
  process.stdout.write(`\n${tables}\n`)

  const lag = on.lag!
  const g = on.graph!
  const id = on.identity
  const command = `npx tsx bench/profiles.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const section = [
    '## Profiles: ingestion with profile updating, and profile reads',
    '',
    `- Command: \`${command}\` (\`npm run bench:profiles\`); the whole run took ${f0(seconds(t0))} s.`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}. Servers and load generator share the cores.`,
    `- Disk (temp dir, before / after): 4 KiB write + fdatasync median ${probes.map((p) => `${f2(p.fsyncMs)} ms`).join(' / ')}; 64 KiB writes each synced ${probes.map((p) => `${f0(p.syncMBps)} MB/s`).join(' / ')}.`,
    `- Servers: \`bin/attune.mjs serve\` as child processes on 127.0.0.1 with a fresh temp data dir each, ATTUNE_SQLITE_SYNC=full, the request rate limits off (one load generator is one client address); a catalogue of ${bodies.catalogue.length} items posted first. ` +
      'OFF = ATTUNE_EMBEDDED_WORKER=0 (ingestion alone, the foundation\'s figure); ON = the embedded worker runs the ProfileProjector (identity graph + profiles) in the serve process, the shipped default without NATS.',
    `- Load: autocannon, ${CONNECTIONS} connections, pipelining 1, ${WARMUP} s warm-up + ${DURATION} s measured; /v1/batch with ${bodies.eventsPerBody} events per request (avg ${f0(bodies.averageBodyBytes)} B), the same request sequence for OFF and ON. ` +
      `Traffic (bench/identity-bodies.ts): sessions of guests (new anonymous ids; some newsletter identifies with an email) and of ${f0(bodies.customers)} customers (popularity skewed; a third on two browsers) ` +
      `who browse anonymously, log in (identify with userId, email and name) and buy, or are logged in from the start; events: ${mixText(bodies)}. Latency per 2xx request.`,
    '- Lag: `person_events` (one row per applied event) and `events` counted on a read-only SQLite connection, once a second during the load and every 50 ms after it; ' +
      `the backlog (stored − applied) each second of the ON run from the start of the measured load: ${lag.samples.map((s) => f0(s.stored - s.applied)).join(', ')}. ` +
      `"Projector alone": \`attune worker\` (the same projector on the log tail, no HTTP) started on the OFF run's data dir, timed from its first applied delivery for at most ${REPLAY_LIMIT} s.`,
    `- Identity work in the ON run (warm-up, load and catch-up; from /metrics and the database): ${f0(id.profile_events_applied ?? 0)} events applied, ${f0(id.identity_merges ?? 0)} merges, ` +
      `${f0(id.profiles_recomputed ?? 0)} profiles recomputed from the log, ${f0(id.identity_merges_refused ?? 0)} merges refused, ${f0(id.identity_reassigned ?? 0)} identifiers reassigned; ` +
      `${f0(g.people)} people (${f0(g.merged)} more merged into them), ${f0(g.profiles)} profiles, identities ${Object.entries(g.identities).map(([k, v]) => `${k} ${f0(v)}`).join(', ')}.`,
    `- Reads: after the catch-up (projector idle), autocannon ${READ_CONNECTIONS} connections, ${READ_WARMUP} s warm-up + ${READ_DURATION} s, \`GET /v1/people/{userId}\` with the secret key, cycling over ${on.reads!.people} customers picked at random from the identities; ` +
      'the bare node:http server (bench/bare-server.mjs) answers the same GETs with `{"success":true}` and nothing else.',
    '',
    tables,
  ].join('\n')
  if (!args.dry) {
    writeResults(section, 'profiles')
    process.stderr.write('updated bench/RESULTS.md\n')
  }
}

await main()
