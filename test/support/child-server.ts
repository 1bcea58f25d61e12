/** Spawns `attune serve` / `attune worker` child processes for multi-process tests, on loopback only. */
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const BIN = path.resolve(import.meta.dirname, '../../bin/attune.mjs')

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface Child {
  process: ChildProcess
  output: () => string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

export function spawnAttune(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    // Tests send bursts from one address: the request limits are off unless a test sets them.
    env: { ...process.env, ATTUNE_LOG_LEVEL: 'warn', ATTUNE_RATE_LIMIT: '0', ATTUNE_SECRET_RATE_LIMIT: '0', ATTUNE_AUTH_FAILURE_LIMIT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return { process: child, output: () => out, exited }
}

/** Starts `attune serve` on a free port and waits until /readyz answers 200. */
export async function startServe(env: Record<string, string>): Promise<Child & { url: string }> {
  const port = await freePort()
  const child = spawnAttune(['serve', '--port', String(port), '--host', '127.0.0.1'], env)
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok === true, 30_000, () => child.output())
  return { ...child, url }
}

/** Polls until `check` returns true, or fails after `timeoutMs` with `context()` in the message. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, context: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`condition not met within ${timeoutMs} ms\n${context()}`)
}

export function kill(child: Child | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<unknown> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve()
  child.process.kill(signal)
  return child.exited
}
