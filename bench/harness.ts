/**
 * What the benchmarks share: child servers on ephemeral loopback ports (`attune serve` with a fresh data
 * dir, or the bare node:http baseline), process CPU from /proc, /metrics scraping, and the autocannon
 * load loop that records every request's latency and outcome by request number.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { LoadResult } from './ingest-report.ts'

// ---- autocannon (no bundled types; only what is used here) ----
export interface AutocannonRequest {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Buffer
  setupRequest?: (req: AutocannonRequest, context: LoadContext) => AutocannonRequest
  onResponse?: (status: number, body: string, context: LoadContext) => void
}
export interface AutocannonResult {
  duration: number
  errors: number
  timeouts: number
  non2xx: number
  resets: number
  '2xx': number
  latency: { p50: number; p99: number; p99_9: number; average: number; max: number }
  requests: { average: number; total: number }
}
interface AutocannonInstance {
  on(event: 'done', listener: (result: AutocannonResult) => void): void
  stop(): void
}
type Autocannon = (
  opts: { url: string; connections: number; duration: number; pipelining?: number; timeout?: number; requests: AutocannonRequest[] },
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

interface LoadContext {
  n?: number
  t0?: number
}

export const ROOT = path.resolve(import.meta.dirname, '..')
export const WRITE_KEY = 'wk_bench_write_key_0123456789'
export const SECRET_KEY = 'sk_bench_secret_key_0123456789'

// ---- child servers ----
export interface Server {
  port: number
  child: ChildProcess
  output: string[]
  dataDir: string | null
  /** The PostgreSQL database of a pg-nats target (dropped after the run). */
  database?: { url: string; drop(): Promise<void> }
  natsStream?: string
  stop(): Promise<number | null>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

function watch(child: ChildProcess): { output: string[]; exited: Promise<number | null> } {
  const output: string[] = []
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()))
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { output, exited }
}

async function waitFor(url: string, child: ChildProcess, output: string[], ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output.join('')}`)
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server did not become ready at ${url}:\n${output.join('')}`)
}

function stopper(child: ChildProcess, exited: Promise<number | null>) {
  return async () => {
    if (child.exitCode !== null) return child.exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
}

/** Benchmarks run with the request rate limits off (see startServe). */
export const LIMITS_OFF = { ATTUNE_RATE_LIMIT: '0', ATTUNE_SECRET_RATE_LIMIT: '0', ATTUNE_AUTH_FAILURE_LIMIT: '0' }

/** The bench's environment without ATTUNE_* and PORT settings of the shell, so every run is configured alike. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ATTUNE_') && k !== 'PORT') env[k] = v
  return env
}

/** The bare node:http baseline; `replyFile` makes it answer that file's JSON instead of `{"success":true}`. */
export async function startBare(replyFile?: string): Promise<Server> {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/bare-server.mjs')], {
    env: { ...cleanEnv(), PORT: String(port), ...(replyFile && { BARE_REPLY_FILE: replyFile }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { output, exited } = watch(child)
  const until = Date.now() + 10_000
  while (!output.join('').includes('listening')) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`bare server did not start:\n${output.join('')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { port, child, output, dataDir: null, stop: stopper(child, exited) }
}

/**
 * `attune serve` of the checkout at `root` on a free loopback port with a fresh temp data dir (or `dataDir`),
 * the bench's keys, warn-level logs, the request rate limits off and `env` on top; resolves once /readyz answers.
 * The limits are off because a load generator is one client address sending thousands of requests a second:
 * with the shipped defaults (see docs/config.md) it would measure 429s, not the server.
 */
export async function startServe(options: { root?: string; env?: Record<string, string>; nodeArgs?: string[]; dataDir?: string } = {}): Promise<Server> {
  const root = options.root ?? ROOT
  const port = await freePort()
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'attune-bench-'))
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(root, 'bin/attune.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...cleanEnv(), ATTUNE_DATA_DIR: dataDir, ATTUNE_WRITE_KEY: WRITE_KEY, ATTUNE_SECRET_KEY: SECRET_KEY, ATTUNE_LOG_LEVEL: 'warn', ...LIMITS_OFF, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { output, exited } = watch(child)
  const stop = stopper(child, exited)
  try {
    await waitFor(`http://127.0.0.1:${port}/readyz`, child, output)
  } catch (error) {
    await stop()
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  return { port, child, output, dataDir, stop }
}

/** `attune worker` (the consumers alone, no HTTP) on an existing data dir, with the bench's env and `env` on top. */
export function startWorker(options: { dataDir: string; env?: Record<string, string> }): Server {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/attune.mjs'), 'worker'], {
    cwd: ROOT,
    env: { ...cleanEnv(), ATTUNE_DATA_DIR: options.dataDir, ATTUNE_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { output, exited } = watch(child)
  return { port: 0, child, output, dataDir: options.dataDir, stop: stopper(child, exited) }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (CLK_TCK 100)
  } catch {
    return Number.NaN
  }
}

// ---- /metrics ----
/** One scrape of /metrics: `value(name)` is the sample named exactly so (with its labels), 0 when absent. */
export async function readMetrics(port: number): Promise<(name: string) => number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${SECRET_KEY}` } })).text()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return (name) => samples.get(name) ?? 0
}

export interface ServerStats {
  accepted: number
  pending: number
  commits: number
  commitEvents: number
  commitSeconds: number
}

export async function scrapeMetrics(port: number): Promise<ServerStats> {
  const value = await readMetrics(port)
  return {
    accepted: value('attune_events_total{outcome="accepted"}'),
    pending: value('attune_event_writer_pending'),
    commits: value('attune_event_commit_events_count'),
    commitEvents: value('attune_event_commit_events_sum'),
    commitSeconds: value('attune_event_commit_duration_seconds_sum'),
  }
}

/** Waits until the accepted count stops moving and nothing waits for a group commit (requests in flight at stop). */
export async function settle(port: number): Promise<ServerStats> {
  let after = await scrapeMetrics(port)
  for (let stable = 0; stable < 3; ) {
    await new Promise((r) => setTimeout(r, 250))
    const next = await scrapeMetrics(port)
    stable = next.accepted === after.accepted && next.pending === 0 ? stable + 1 : 0
    after = next
  }
  return after
}

// ---- load ----
export interface Ledger {
  /** The next request number; requests [first, built) were handed to autocannon, i.e. sent (pipelining 1). */
  built: number
  first: number
  acked: Set<number>
  failed: Set<number>
}

export const batchHeaders = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
}

/**
 * Autocannon on loopback for `seconds`: request number n (from `ledger.built` on) gets what `prepare(n)`
 * returns on top of `base`. Latency is measured per 2xx request (request written → response complete).
 */
export async function runRequests(
  port: number,
  connections: number,
  seconds: number,
  base: AutocannonRequest,
  prepare: (n: number) => Pick<AutocannonRequest, 'path' | 'body'>,
  ledger: Ledger,
): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16)
  let count = 0
  const cpu0 = process.cpuUsage()
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 30,
        requests: [
          {
            ...base,
            setupRequest(req, context) {
              const n = ledger.built++
              context.n = n
              context.t0 = performance.now()
              return { ...req, ...prepare(n) }
            },
            onResponse(status, _body, context) {
              if (status >= 200 && status < 300) {
                ledger.acked.add(context.n!)
                if (count === latencies.length) {
                  const bigger = new Float64Array(latencies.length * 2)
                  bigger.set(latencies)
                  latencies = bigger
                }
                latencies[count++] = performance.now() - context.t0!
              } else ledger.failed.add(context.n!)
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error)
        const cpu = process.cpuUsage(cpu0)
        resolve({
          connections,
          seconds: result.duration,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          latencies: latencies.slice(0, count).sort(),
          autocannon: result,
          serverCpu: Number.NaN,
          loadCpu: (cpu.user + cpu.system) / 1e6,
        })
      },
    )
  })
}

/** `/v1/batch` load: request n posts `bodies.body(n)` with the write key. */
export function runLoad(port: number, connections: number, seconds: number, bodies: { body(n: number): string }, ledger: Ledger): Promise<LoadResult> {
  return runRequests(port, connections, seconds, { method: 'POST', path: '/v1/batch', headers: batchHeaders }, (n) => ({ body: bodies.body(n) }), ledger)
}
