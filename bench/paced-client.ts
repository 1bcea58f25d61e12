/**
 * The paced open-loop client of bench/recommendations.ts, run as a process of its own: in the bench
 * process, whose heap still holds the generated shop, its own garbage-collection pauses delayed requests
 * and were counted as the server's latency. `pacedClient` spawns it; it reads its job as JSON on stdin and
 * writes the result as JSON on stdout.
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

export interface PacedJob {
  port: number
  path: string
  headers: Record<string, string>
  rate: number
  seconds: number
  bodies: string[]
}

export interface Paced {
  rate: number
  seconds: number
  sent: number
  ok: number
  failed: number
  /** From each request's due time (coordinated omission counted) and from its actual write. */
  latencies: Float64Array
  serviceLatencies: Float64Array
  lateStarts: number
  /** Requests still unanswered GRACE_MS after the last was due (counted as infinitely slow, then dropped). */
  unanswered: number
  elapsed: number
}
export const GRACE_MS = 3000

/**
 * Open loop: request i is due at t0 + i / rate; a 1 ms timer sends every due request (keep-alive agent, up
 * to 64 sockets), so the rate holds even when responses are slow. Autocannon's `overallRate` is not used:
 * it lets each connection send its share of a second back to back and then idle until the next second,
 * which measures bursts at full concurrency rather than a steady 1,000 requests/s.
 */
async function pacedHere(port: number, path: string, headers: Record<string, string>, rate: number, secs: number, bodies: string[]): Promise<Paced> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const total = Math.round(rate * secs)
  const latencies = new Float64Array(total)
  const service = new Float64Array(total)
  let ok = 0
  let failed = 0
  let done = 0
  let sent = 0
  let lateStarts = 0
  const live = new Set<http.ClientRequest>()
  const t0 = performance.now() + 20
  await new Promise<void>((resolve) => {
    setTimeout(resolve, 20 + secs * 1000 + GRACE_MS).unref()
    const send = (i: number) => {
      const due = t0 + (i * 1000) / rate
      const start = performance.now()
      if (start - due > 1) lateStarts++
      const payload = bodies[i % bodies.length]!
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } },
        (res) => {
          res.resume()
          res.on('end', () => {
            const end = performance.now()
            if (res.statusCode === 200) {
              latencies[ok] = end - due
              service[ok] = end - start
              ok++
            } else failed++
            if (++done === total) resolve()
          })
        },
      )
      live.add(req)
      req.on('close', () => live.delete(req))
      req.on('error', () => {
        if (performance.now() > t0 + secs * 1000 + GRACE_MS) return // dropped at the end, counted as unanswered
        failed++
        if (++done === total) resolve()
      })
      req.end(payload)
    }
    const tick = () => {
      const now = performance.now()
      while (sent < total && t0 + (sent * 1000) / rate <= now) send(sent++)
      if (sent < total) setTimeout(tick, 1)
    }
    setTimeout(tick, 20)
  })
  const elapsed = (performance.now() - t0) / 1000
  const unanswered = total - done
  // Abort every request still queued in the agent or in flight: after agent.destroy() alone the agent would
  // go on opening sockets for its queue and load the server during the next runs.
  for (const req of live) req.destroy()
  agent.destroy()
  const all = new Float64Array(ok + unanswered).fill(Infinity)
  all.set(latencies.slice(0, ok))
  return { rate, seconds: secs, sent, ok, failed, latencies: all.sort(), serviceLatencies: service.slice(0, ok).sort(), lateStarts, unanswered, elapsed }
}


/** Runs the paced client in a child process and returns its result. */
export async function pacedClient(job: PacedJob): Promise<Paced> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stdin.end(JSON.stringify(job))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`the paced client exited with ${code}`)
  const r = JSON.parse(out) as Omit<Paced, 'latencies' | 'serviceLatencies'> & { latencies: (number | null)[]; serviceLatencies: number[] }
  // JSON has no Infinity: unanswered requests come back as null.
  return { ...r, latencies: Float64Array.from(r.latencies, (x) => x ?? Infinity), serviceLatencies: Float64Array.from(r.serviceLatencies) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let input = ''
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => (input += chunk))
  process.stdin.on('end', async () => {
    const job = JSON.parse(input) as PacedJob
    const r = await pacedHere(job.port, job.path, job.headers, job.rate, job.seconds, job.bodies)
    process.stdout.write(JSON.stringify({ ...r, latencies: Array.from(r.latencies), serviceLatencies: Array.from(r.serviceLatencies) }))
  })
}
