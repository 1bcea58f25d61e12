/**
 * What `attune serve` does out of the box, as a child process: it binds to 127.0.0.1 (HOST or ATTUNE_HOST
 * say otherwise), `/metrics` needs the secret key (or is keyless on ATTUNE_METRICS_PORT, on the same host),
 * rate limiting is on, the data dir and its files are the owner's only, a taken port is one line and exit
 * code 1, and shutdown says when it finished. Loopback only: 127.0.0.2 is a second loopback address, so
 * "bound to 127.0.0.1 only" shows as a refused connection there.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { anEvent, uniqueId } from '../builders/events.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { type Child, freePort, kill, spawnAttune, waitFor } from '../support/child-server.ts'

const WRITE = 'wk_serve_defaults_0123456789'
const SECRET = 'sk_serve_defaults_0123456789'
const dirs: string[] = []
const children: Child[] = []

function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-defaults-'))
  dirs.push(dir)
  return dir
}

/** The serve environment with nothing of the surrounding shell's choosing: defaults unless `env` sets them. */
function serveEnv(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    ATTUNE_DATA_DIR: dataDir,
    ATTUNE_WRITE_KEY: WRITE,
    ATTUNE_SECRET_KEY: SECRET,
    ATTUNE_DATABASE_URL: '',
    ATTUNE_REDIS_URL: '',
    ATTUNE_NATS_URL: '',
    ATTUNE_HOST: '',
    HOST: '',
    ATTUNE_METRICS_PORT: '',
    ATTUNE_LOG_LEVEL: 'info',
    ...env,
  }
}

function serve(port: number, env: Record<string, string>): Child {
  const child = spawnAttune(['serve', '--port', String(port)], env)
  children.push(child)
  return child
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

after(async () => {
  await Promise.all(children.map((c) => kill(c)))
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

describe('attune serve defaults', () => {
  // One server with the shipped defaults (ATTUNE_RATE_LIMIT and friends empty: the test helper turns them off
  // otherwise), in a data dir it creates, with a metrics port of its own.
  const dataDir = path.join(tempRoot(), 'not-yet-there')
  let child: Child
  let port: number
  let metricsPort: number
  let url: string
  before(async () => {
    ;[port, metricsPort] = [await freePort(), await freePort()]
    child = serve(port, serveEnv(dataDir, { ATTUNE_METRICS_PORT: String(metricsPort), ATTUNE_RATE_LIMIT: '', ATTUNE_SECRET_RATE_LIMIT: '', ATTUNE_AUTH_FAILURE_LIMIT: '' }))
    url = `http://127.0.0.1:${port}`
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 30_000, () => child.output())
  })

  it('binds the API and the metrics port to 127.0.0.1 only', async () => {
    assert.equal(await accepts('127.0.0.1', port), true)
    assert.equal(await accepts('127.0.0.2', port), false, 'the API is not reachable on another address')
    assert.equal(await accepts('127.0.0.2', metricsPort), false, 'nor are the metrics')
  })

  it('serves /metrics with the secret key on the API port, and without a key on ATTUNE_METRICS_PORT', async () => {
    assert.equal((await request(`${url}/metrics`)).status, 401)
    assert.equal((await request(`${url}/metrics`, { auth: bearer(WRITE) })).status, 403)
    const withKey = await request(`${url}/metrics`, { auth: bearer(SECRET) })
    assert.equal(withKey.status, 200)
    assert.match(withKey.body, /^attune_http_requests_total/m)
    const keyless = await request(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.equal(keyless.status, 200)
    assert.match(keyless.body, /^attune_http_requests_total/m)
  })

  it('limits requests per write key and client address by default: a burst past 100 a second gets 429 with Retry-After', async () => {
    const burst = await Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(`${url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE) }, body: JSON.stringify(anEvent({ userId: uniqueId('burst') })) }),
      ),
    )
    const limited = burst.filter((r) => r.status === 429)
    await Promise.all(burst.map((r) => r.arrayBuffer()))
    assert.ok(limited.length > 0, `no 429 among ${burst.length} requests: ${[...new Set(burst.map((r) => r.status))].join(',')}`)
    assert.equal(limited[0]!.headers.get('retry-after'), '1')
    assert.ok(burst.some((r) => r.status === 200), 'requests within the limit pass')
  })

  it('creates its data dir owner-only (0700), with the SQLite database, WAL and shared-memory files 0600', () => {
    assert.equal(mode(dataDir), '700')
    for (const file of ['attune.db', 'attune.db-wal', 'attune.db-shm']) assert.equal(mode(path.join(dataDir, file)), '600', file)
  })

  it('logs when shutdown finished, and exits 0', async () => {
    child.process.kill('SIGTERM')
    assert.equal(await child.exited, 0, child.output())
    assert.match(child.output(), /"msg":"shutdown finished[^"]*"/)
  })
})

describe('attune serve settings', () => {
  it('binds to HOST (or ATTUNE_HOST) when set', async () => {
    for (const variable of ['HOST', 'ATTUNE_HOST']) {
      const port = await freePort()
      const child = serve(port, serveEnv(path.join(tempRoot(), 'data'), { [variable]: '127.0.0.2' }))
      await waitFor(async () => (await fetch(`http://127.0.0.2:${port}/healthz`)).ok, 30_000, () => child.output())
      assert.equal(await accepts('127.0.0.1', port), false, `${variable}=127.0.0.2 binds only there`)
      await kill(child, 'SIGTERM')
    }
  })

  it('says in one line on stderr that a port is taken, and exits with 1', async () => {
    const squatter = net.createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const taken = (squatter.address() as net.AddressInfo).port
    try {
      const cases: [Record<string, string>, number, RegExp][] = [
        [{}, taken, /PORT or --port/],
        [{ ATTUNE_METRICS_PORT: String(taken) }, await freePort(), /ATTUNE_METRICS_PORT/],
      ]
      for (const [env, port, setting] of cases) {
        const child = serve(port, serveEnv(path.join(tempRoot(), 'data'), { ...env, ATTUNE_LOG_LEVEL: 'warn' }))
        assert.equal(await child.exited, 1, child.output())
        const lines = child.output().trim().split('\n')
        assert.deepEqual(lines.length, 1, child.output())
        assert.match(lines[0]!, new RegExp(`^attune: port ${taken} on 127\\.0\\.0\\.1 is already in use; choose another with `))
        assert.match(lines[0]!, setting)
      }
    } finally {
      squatter.close()
    }
  })

  it('writes demo.json owner-only in an owner-only data dir', async () => {
    const dataDir = path.join(tempRoot(), 'demo-data')
    const child = spawnAttune(['demo', '--people', '20', '--items', '28', '--days', '2'], serveEnv(dataDir))
    children.push(child)
    assert.equal(await child.exited, 0, child.output())
    assert.equal(mode(dataDir), '700')
    assert.equal(mode(path.join(dataDir, 'demo.json')), '600')
    assert.equal(mode(path.join(dataDir, 'attune.db')), '600')
  })
})
