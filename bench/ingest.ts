/**
 * Ingestion benchmark: `/v1/batch` (100 events a request) under autocannon on loopback, against
 *   - a bare node:http server that only reads and JSON.parses the body (the ceiling), and
 *   - the real Attune server (`attune serve`), with ATTUNE_SQLITE_SYNC=full (default) and =normal.
 * Servers run as child processes; the load generator runs here, on the same cores.
 *
 * For Attune it then proves "acknowledged means durable": after a graceful stop it opens the SQLite
 * file read-only and checks that every event of every 2xx-answered request is stored.
 *
 * Usage: npx tsx bench/ingest.ts [--duration 15] [--warmup 3] [--connections 10,50]
 *          [--targets bare,attune-full,attune-normal,attune-full-ingest,attune-pg-nats] [--label latest] [--dry] [--profile]
 *   targets    attune-full: `attune serve` as shipped (ATTUNE_SQLITE_SYNC=full, embedded worker on);
 *              attune-normal: ATTUNE_SQLITE_SYNC=normal; attune-full-ingest: full, ATTUNE_EMBEDDED_WORKER=0
 *              (ingestion alone; the derived-data consumers would run in `attune worker`)
 *              attune-pg-nats: ingestion on PostgreSQL + NATS JetStream (fresh database and stream; opt-in)
 *   --dry      do not update bench/RESULTS.md
 *   --profile  run Attune children with --cpu-prof (profiles in bench/out/profiles/, git-ignored)
 *   --repeat N run every row N times (interleaved) and show the run with the median events/s, with the range
 *   --compare DIR  also run every Attune target from another checkout (e.g. the last commit, exported
 *              with `git archive HEAD | tar -x -C DIR` plus a node_modules symlink), interleaved with this
 *              tree's runs so both see the same disk: shared cloud disks vary a lot from minute to minute
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect as natsConnect } from '@nats-io/transport-node'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { testDatabase } from '../src/storage/postgres/test-database.ts'
import { type BodyFactory, createBodyFactory, requestOfMessageId } from './batch-bodies.ts'
import { cpuSeconds, type Ledger, ROOT, runLoad, type Server, scrapeMetrics, settle, startBare, startServe } from './harness.ts'
import { type Row, type Verification, diskProbe, f0, f2, machine, percentile, table, writeResults } from './ingest-report.ts'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,50' },
    targets: { type: 'string', default: 'bare,attune-full,attune-normal,attune-full-ingest' },
    label: { type: 'string', default: 'latest' },
    dry: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    compare: { type: 'string' },
    repeat: { type: 'string', default: '1' },
  },
})
const REPEAT = Math.max(1, Number(args.repeat))
const DURATION = Number(args.duration)
const WARMUP = Number(args.warmup)
const CONNECTIONS = args.connections.split(',').map(Number)
const TARGETS = args.targets.split(',') as TargetName[]
type TargetName = 'bare' | 'attune-full' | 'attune-normal' | 'attune-full-ingest' | 'attune-pg-nats'
interface AttuneTarget {
  sync: 'full' | 'normal'
  embeddedWorker: boolean
  /** Production backends: a fresh PostgreSQL database and a fresh NATS JetStream stream on loopback. */
  pgNats?: boolean
}
const ATTUNE_TARGETS: Record<Exclude<TargetName, 'bare'>, AttuneTarget> = {
  'attune-full': { sync: 'full', embeddedWorker: true },
  'attune-normal': { sync: 'normal', embeddedWorker: true },
  'attune-full-ingest': { sync: 'full', embeddedWorker: false },
  'attune-pg-nats': { sync: 'full', embeddedWorker: false, pgNats: true },
}
for (const t of TARGETS) if (t !== 'bare' && !(t in ATTUNE_TARGETS)) throw new Error(`unknown target ${t}`)

// ---- child servers ----
async function startAttune(options: AttuneTarget, root: string, profileDir: string | null): Promise<Server> {
  const database = options.pgNats ? await testDatabase('bench') : undefined
  const natsStream = options.pgNats ? `BENCH_${process.pid}_${Date.now().toString(36)}` : undefined
  const backends: Record<string, string> = database
    ? { ATTUNE_DATABASE_URL: database.url, ATTUNE_NATS_URL: 'nats://127.0.0.1:4222', ATTUNE_NATS_STREAM: natsStream!, ATTUNE_NATS_SUBJECT: `${natsStream!.toLowerCase()}.events` }
    : {}
  const server = await startServe({
    root,
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    env: { ATTUNE_SQLITE_SYNC: options.sync, ATTUNE_EMBEDDED_WORKER: options.embeddedWorker ? '1' : '0', ...backends },
  })
  return { ...server, ...(database && { database, natsStream }) }
}

/** Every stored message id: from the SQLite file read-only, or from the run's PostgreSQL database. */
async function storedMessageIds(server: Server): Promise<string[]> {
  if (server.database) {
    const client = new pg.Client({ connectionString: server.database.url })
    await client.connect()
    const { rows } = await client.query<{ message_id: string }>('select message_id from events')
    await client.end()
    return rows.map((r) => r.message_id)
  }
  const db = new BetterSqlite3(path.join(server.dataDir!, 'attune.db'), { readonly: true, fileMustExist: true })
  const ids = (db.prepare('select message_id from events').all() as { message_id: string }[]).map((r) => r.message_id)
  db.close()
  return ids
}

/** The next request number: every row continues the numbering, so messageIds never repeat within a run. */
let nextRequest = 0

// ---- verification ----

function verify(storedIds: readonly string[], ledger: Ledger, bodies: BodyFactory, metricsAccepted: number): Verification {
  const perRequest = new Map<number, number>()
  let stored = 0
  let unknown = 0
  for (const id of storedIds) {
    stored++
    const n = requestOfMessageId(id, bodies.runTag)
    if (n === null) unknown++
    else perRequest.set(n, (perRequest.get(n) ?? 0) + 1)
  }
  const per = bodies.eventsPerBody
  let missingAcked = 0
  for (const n of ledger.acked) missingAcked += per - (perRequest.get(n) ?? 0)
  let inFlightStored = 0
  let unexpected = unknown
  let partial = 0
  for (const [n, count] of perRequest) {
    if (count !== per) partial++
    if (ledger.acked.has(n)) continue
    if (ledger.failed.has(n) || n < ledger.first || n >= ledger.built) unexpected += count
    else inFlightStored += count
  }
  const ackedEvents = ledger.acked.size * per
  return {
    ackedEvents,
    storedEvents: stored,
    missingAcked,
    inFlightStored,
    unexpected,
    partial,
    metricsAccepted,
    ok: missingAcked === 0 && unexpected === 0 && partial === 0 && stored === ackedEvents + inFlightStored && metricsAccepted === stored,
  }
}

// ---- one target at one connection count ----
/** Which checkout an Attune row ran: this tree, or the one given with --compare. */
interface Variant {
  root: string
  suffix: string
}


async function runTarget(target: TargetName, connections: number, bodies: BodyFactory, profileDir: string | null, variant: Variant): Promise<Row> {
  const server = target === 'bare' ? await startBare() : await startAttune(ATTUNE_TARGETS[target], variant.root, profileDir)
  const ledger: Ledger = { built: nextRequest, first: nextRequest, acked: new Set(), failed: new Set() }
  try {
    process.stderr.write(`  ${target}${variant.suffix} c=${connections}: warm-up ${WARMUP}s`)
    if (WARMUP > 0) await runLoad(server.port, connections, WARMUP, bodies, ledger)
    process.stderr.write(`, measuring ${DURATION}s`)
    const before = server.dataDir ? await scrapeMetrics(server.port) : null
    const cpu0 = cpuSeconds(server.child.pid)
    const load = await runLoad(server.port, connections, DURATION, bodies, ledger)
    load.serverCpu = cpuSeconds(server.child.pid) - cpu0
    let verification: Verification | null = null
    let commits: Row['commits'] = null
    if (server.dataDir && before) {
      // Requests still queued in the server when autocannon closed its sockets are still answered and
      // committed: wait until the accepted count stops moving, then count and stop.
      const after = await settle(server.port)
      const n = after.commits - before.commits
      commits = { count: n, avgEvents: (after.commitEvents - before.commitEvents) / n, avgMs: (1000 * (after.commitSeconds - before.commitSeconds)) / n }
      const code = await server.stop()
      if (code !== 0) throw new Error(`attune exited with ${code}:\n${server.output.join('')}`)
      verification = verify(await storedMessageIds(server), ledger, bodies, after.accepted)
    }
    process.stderr.write(
      ` done: ${f0(load.ok / load.seconds)} req/s, p50/p99 ${f2(percentile(load.latencies, 50))}/${f2(percentile(load.latencies, 99))} ms (autocannon ${load.autocannon.latency.p50}/${load.autocannon.latency.p99})` + (commits ? `, ${commits.count} commits, avg ${f0(commits.avgEvents)} events, ${f2(commits.avgMs)} ms each` : '') + '\n',
    )
    return { target, variant: variant.suffix, fsyncMs: Number.NaN, connections, load, verification, commits }
  } finally {
    await server.stop()
    nextRequest = ledger.built
    if (server.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true })
    await server.database?.drop()
    if (server.natsStream) await deleteStream(server.natsStream)
  }
}

async function deleteStream(name: string): Promise<void> {
  const nc = await natsConnect({ servers: '127.0.0.1:4222' })
  await (await jetstreamManager(nc)).streams.delete(name).catch(() => {})
  await nc.close()
}

async function main(): Promise<void> {
  const bodies = createBodyFactory({ runTag: `r${Date.now().toString(36)}` })
  const profileDir = args.profile ? path.join(ROOT, 'bench/out/profiles') : null
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true })
  const m = machine()
  process.stderr.write(
    `ingest bench: ${bodies.eventsPerBody} events/request (avg ${bodies.averageEventBytes} B/event, ${bodies.averageBodyBytes} B/request), ` +
      `${WARMUP}s warm-up + ${DURATION}s per run, connections ${CONNECTIONS.join(', ')}; ${m.nproc} CPUs, ${m.cpu}, Node ${m.node}\n`,
  )
  const variants: Variant[] = [{ root: ROOT, suffix: '' }]
  if (args.compare) variants.push({ root: path.resolve(args.compare), suffix: ' (compare)' })
  const probes = [diskProbe()]
  const rows: Row[] = []
  for (let run = 0; run < REPEAT; run++) {
    for (const connections of CONNECTIONS) {
      for (const target of TARGETS) {
        for (const variant of target === 'bare' ? variants.slice(0, 1) : variants) {
          const fsyncMs = diskProbe().fsyncMs
          rows.push({ ...(await runTarget(target, connections, bodies, profileDir, variant)), fsyncMs })
        }
      }
    }
  }
  probes.push(diskProbe())
  const result = table(rows, bodies, REPEAT)
  process.stdout.write(`\n${result}\n`)

  const command = `npx tsx bench/ingest.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const section = [
    `## /v1/batch ingestion — ${args.label} (${new Date().toISOString().slice(0, 10)})`,
    '',
    `- Command: \`${command}\` (\`npm run bench:ingest\`)`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}`,
    `- Disk (temp dir, before / after the runs): 4 KiB write + fdatasync median ${probes.map((p) => `${f2(p.fsyncMs)} ms`).join(' / ')}; ` +
      `64 KiB writes each synced ${probes.map((p) => `${f0(p.syncMBps)} MB/s`).join(' / ')}. A shared cloud disk: these vary several-fold between runs, and so do the \`attune-full\` rows.`,
    ...(args.compare ? [`- Rows marked "(compare)" ran \`${path.resolve(args.compare)}\` (another checkout), interleaved with this tree's rows.`] : []),
    ...(REPEAT > 1 ? [`- Every row ran ${REPEAT} times, interleaved; the table shows the run with the median events/s (its latency, CPU and commit figures) and the range over all runs.`] : []),
    `- Load: autocannon ${WARMUP} s warm-up + ${DURATION} s measured per row (new connections for each), pipelining 1, on 127.0.0.1; ` +
      `${bodies.eventsPerBody} events per request (avg ${bodies.averageEventBytes} B per event, ${bodies.averageBodyBytes} B per body), unique messageIds. ` +
      'The load generator runs on the same cores as the server; "server CPU" and "load-gen CPU" are each process\'s CPU time over the run (200 % = both cores).',
    '- Targets: `bare` = node:http that reads and JSON.parses the body; `attune-full` = `attune serve` as shipped (but with the request rate limits off, as in every bench: one load generator is one client address): ATTUNE_SQLITE_SYNC=full (fsync per group commit) ' +
      'and the embedded worker (person-activity projection in the same process and SQLite file); `attune-normal` = the same with ATTUNE_SQLITE_SYNC=normal; ' +
      '`attune-full-ingest` = full with ATTUNE_EMBEDDED_WORKER=0, i.e. ingestion alone (the projection would run in `attune worker`); ' +
      '`attune-pg-nats` = ingestion on the production backends: a fresh PostgreSQL 15 database (loopback, synchronous_commit on) and a fresh NATS JetStream stream, each request acknowledged after the PostgreSQL commit and the JetStream ack, no worker running. Each Attune row uses a fresh data dir or database.',
    '- "disk fsync ms": median 4 KiB write + fdatasync in the temp dir just before the row. ' +
      'Latency is measured per 2xx request (request written → response complete). "stored = acked" reads every stored message id (SQLite file read-only, or the PostgreSQL database) after a graceful stop: every event of every ' +
      '2xx request must be stored; the rest are requests still in flight when the load stopped (committed, but autocannon had closed the socket).',
    '',
    result,
  ].join('\n')
  if (!args.dry) {
    writeResults(section, `ingest:${args.label}`)
    process.stderr.write('updated bench/RESULTS.md\n')
  }
  if (rows.some((r) => r.verification && !r.verification.ok)) {
    process.stderr.write('VERIFICATION FAILED: stored events do not match acknowledged events\n')
    process.exitCode = 1
  }
}

await main()
