/**
 * Compressed bodies sent without a key: `attune serve` must answer them 401 without inflating them. Sends
 * `--requests` gzip bodies (each `--mb` MB of JSON once inflated, a few KB on the wire) to POST /v1/items at
 * once, first with no key, then the same bodies with the secret key (which the server must inflate and parse),
 * and reports the server's peak resident memory, the slowest /healthz meanwhile and the time to the last answer.
 *
 *   npx tsx bench/unauthenticated-bodies.ts [--requests 40] [--mb 15]
 *
 * Rate limits are off (as in every bench), so what is measured is the key check alone.
 */
import fs from 'node:fs'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { SECRET_KEY, startServe } from './harness.ts'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '40' }, mb: { type: 'string', default: '15' } } })
const requests = Number(values.requests)
const mb = Number(values.mb)
// Whitespace is valid JSON padding: the inflated body is a real JSON document of the given size.
const body = gzipSync(Buffer.from(`{"items":${' '.repeat(mb * 1024 * 1024)}[]}`))

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

function post(port: number, authorization: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/items',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length, ...(authorization && { authorization }) },
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    // A server that answers before reading the whole body may close the connection under the upload.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(0) : reject(error)))
    req.end(body)
  })
}

async function healthzMs(port: number): Promise<number> {
  const started = performance.now()
  await fetch(`http://127.0.0.1:${port}/healthz`)
  return performance.now() - started
}

async function round(port: number, pid: number, authorization: string | null) {
  const before = rssMb(pid)
  let peak = before
  let slowest = 0
  let done = false
  const watch = (async () => {
    while (!done) {
      peak = Math.max(peak, rssMb(pid))
      slowest = Math.max(slowest, await healthzMs(port))
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const started = performance.now()
  const statuses = await Promise.all(Array.from({ length: requests }, () => post(port, authorization)))
  const seconds = (performance.now() - started) / 1000
  done = true
  await watch
  const counts = Object.entries(statuses.reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {}))
  return { before, peak, slowest, seconds, statuses: counts.map(([s, n]) => `${n} × ${s === '0' ? 'closed' : s}`).join(', ') }
}

const server = await startServe()
try {
  const pid = server.child.pid!
  console.log(`${requests} gzip bodies of ${mb} MB inflated, ${(body.length / 1024).toFixed(0)} KB each on the wire, to POST /v1/items\n`)
  console.log('| key | answers | RSS before → peak (MB) | slowest /healthz (ms) | all answered after (s) |')
  console.log('|---|---|---|---|---|')
  for (const [name, authorization] of [['none', null], ['secret key', `Bearer ${SECRET_KEY}`]] as const) {
    const r = await round(server.port, pid, authorization)
    console.log(`| ${name} | ${r.statuses} | ${r.before.toFixed(0)} → ${r.peak.toFixed(0)} | ${r.slowest.toFixed(0)} | ${r.seconds.toFixed(2)} |`)
  }
} finally {
  await server.stop()
}
