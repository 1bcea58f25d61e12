/**
 * The ingestion benchmark's report: row types, machine and disk facts, the Markdown table, and the
 * section it writes into bench/RESULTS.md. Split from ingest.ts, which runs the servers and the load.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BodyFactory } from './batch-bodies.ts'

export interface LoadResult {
  connections: number
  seconds: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  latencies: Float64Array
  autocannon: { latency: { p50: number; p99: number } }
  serverCpu: number
  loadCpu: number
}

export interface Verification {
  ackedEvents: number
  storedEvents: number
  /** Acknowledged events that are not in the store (must be 0). */
  missingAcked: number
  /** Stored events from requests that were in flight when the load stopped (committed, never answered). */
  inFlightStored: number
  /** Stored events from requests answered non-2xx, or from unknown requests (must be 0). */
  unexpected: number
  /** Requests stored only partly (must be 0: a batch is one transaction). */
  partial: number
  metricsAccepted: number
  ok: boolean
}

export interface Row {
  target: string
  variant: string
  /** Median 4 KiB write + fdatasync latency measured just before this row. */
  fsyncMs: number
  connections: number
  load: LoadResult
  verification: Verification | null
  /** Group commits during the measured run (and the in-flight tail), from /metrics. */
  commits: { count: number; avgEvents: number; avgMs: number } | null
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  let nproc = String(os.availableParallelism())
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim()
  } catch {
    // keep Node's figure
  }
  return { nproc, node: process.version, cpu: model, ramGiB: (os.totalmem() / 2 ** 30).toFixed(1), kernel: `${os.type()} ${os.release()}` }
}

/** Median latency of a small write + fdatasync, and MB/s of 64 KiB writes each followed by fdatasync, in the temp dir the databases use. */
export function diskProbe(): { fsyncMs: number; syncMBps: number } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attune-bench-probe-')), 'probe')
  const fd = fs.openSync(file, 'w')
  const small = Buffer.alloc(4096, 1)
  const times: number[] = []
  for (let i = 0; i < 100; i++) {
    const t = performance.now()
    fs.writeSync(fd, small, 0, small.length, i * 4096)
    fs.fdatasyncSync(fd)
    times.push(performance.now() - t)
  }
  const big = Buffer.alloc(65536, 2)
  const t0 = performance.now()
  for (let i = 0; i < 200; i++) {
    fs.writeSync(fd, big, 0, big.length, i * 65536)
    fs.fdatasyncSync(fd)
  }
  const seconds = (performance.now() - t0) / 1000
  fs.closeSync(fd)
  fs.rmSync(path.dirname(file), { recursive: true, force: true })
  times.sort((a, b) => a - b)
  return { fsyncMs: times[50]!, syncMBps: (200 * 65536) / 1e6 / seconds }
}

export const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a')
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a')

const eventsPerSecond = (r: Row, bodies: BodyFactory) => (r.load.ok / r.load.seconds) * bodies.eventsPerBody

/** Rows of the same target, checkout and connection count; the run with the median events/s stands for them. */
function groups(rows: Row[], bodies: BodyFactory): { median: Row; runs: Row[] }[] {
  const byKey = new Map<string, Row[]>()
  for (const r of rows) {
    const key = `${r.target}${r.variant}|${r.connections}`
    byKey.set(key, [...(byKey.get(key) ?? []), r])
  }
  return [...byKey.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => eventsPerSecond(a, bodies) - eventsPerSecond(b, bodies))
    return { median: sorted[Math.floor((sorted.length - 1) / 2)]!, runs: sorted }
  })
}

export function table(rows: Row[], bodies: BodyFactory, repeat: number): string {
  const grouped = groups(rows, bodies)
  const bare = new Map(grouped.filter((g) => g.median.target === 'bare').map((g) => [g.median.connections, g.median]))
  const many = repeat > 1
  const head =
    `| target | conns | req/s | events/s |${many ? ` events/s over ${repeat} runs |` : ''} p50 ms | p99 ms | p99.9 ms | non-2xx / errors / timeouts | vs bare (req/s) | server CPU | load-gen CPU | group commits: avg events, avg ms | disk fsync ms | stored = acked? |\n` +
    `|---|---:|---:|---:|${many ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`
  const lines = grouped.map(({ median: r, runs }) => {
    const l = r.load
    const rps = l.ok / l.seconds
    const b = bare.get(r.connections)
    const ratio = b && r.target !== 'bare' ? `${f1((100 * rps) / (b.load.ok / b.load.seconds))} %` : r.target === 'bare' ? '100 %' : 'n/a'
    const v = r.verification
    const allOk = runs.every((run) => run.verification?.ok !== false)
    const check = v
      ? `${v.ok && allOk ? 'yes' : '**NO**'}${many ? ` (${runs.filter((run) => run.verification?.ok).length}/${runs.length} runs)` : ''}: ${f0(v.storedEvents)} stored = ${f0(v.ackedEvents)} acked + ${f0(v.inFlightStored)} in flight at stop` +
        (v.missingAcked || v.unexpected || v.partial ? ` (missing ${v.missingAcked}, unexpected ${v.unexpected}, partial ${v.partial})` : '') +
        (v.metricsAccepted !== v.storedEvents ? ` (metrics say ${v.metricsAccepted})` : '')
      : '-'
    const range = many ? ` ${f0(eventsPerSecond(runs[0]!, bodies))} – ${f0(eventsPerSecond(runs.at(-1)!, bodies))} |` : ''
    return `| ${r.target}${r.variant} | ${r.connections} | ${f0(rps)} | ${f0(rps * bodies.eventsPerBody)} |${range} ${f2(percentile(l.latencies, 50))} | ${f2(percentile(l.latencies, 99))} | ${f2(percentile(l.latencies, 99.9))} | ${l.non2xx} / ${l.errors} / ${l.timeouts} | ${ratio} | ${f0((100 * l.serverCpu) / l.seconds)} % | ${f0((100 * l.loadCpu) / l.seconds)} % | ${r.commits ? `${f0(r.commits.avgEvents)}, ${f2(r.commits.avgMs)} ms` : '-'} | ${f2(r.fsyncMs)} | ${check} |`
  })
  return [head, ...lines].join('\n')
}

/** Replaces the section between `<!-- bench:KEY -->` markers in bench/RESULTS.md, or appends it; the rest is kept. */
export function writeResults(section: string, key: string): void {
  const file = path.join(import.meta.dirname, 'RESULTS.md')
  const start = `<!-- bench:${key} -->`
  const end = `<!-- /bench:${key} -->`
  let text = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Benchmark results\n\nWritten by the benchmarks in this folder; each section records its command, machine and figures.\n'
  const block = `${start}\n${section}\n${end}`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length)
  else text = `${text.trimEnd()}\n\n${block}\n`
  fs.writeFileSync(file, text)
}

