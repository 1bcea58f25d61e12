/**
 * The threads of one training run. `startPool(threads)` starts the workers once; models allocate their
 * big arrays through the pool (shared memory when there are workers), then run named tasks from
 * `tasks.ts` on disjoint ranges and await them. With threads = 1 the tasks run in this thread and
 * nothing is shared or copied, which is what tests and small data use (a worker costs 0.2–0.5 s to boot:
 * it loads tsx's loader, see worker-boot.mjs). Close a pool when done: its workers keep the process alive.
 */
import { Worker } from 'node:worker_threads'
import type { Csr, TrainContext } from '../types.ts'
import type { SparseRows } from './sparse.ts'
import { TASKS, type TaskArgs, type TaskName, type TaskResult } from './tasks.ts'

export interface Pool {
  readonly threads: number
  f64(length: number): Float64Array
  f32(length: number): Float32Array
  i32(length: number): Int32Array
  /** Runs `name` once per element of `args`, spread over the threads; results come back in order. */
  run<N extends TaskName>(name: N, args: TaskArgs<N>[]): Promise<TaskResult<N>[]>
  close(): Promise<void>
}

export async function startPool(threads: number): Promise<Pool> {
  return threads > 1 ? WorkerPool.start(Math.floor(threads)) : new InlinePool()
}

/** Runs `fn` with a pool of `threads`, closing it whatever happens. */
export async function withPool<T>(threads: number, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = await startPool(threads)
  try {
    return await fn(pool)
  } finally {
    await pool.close()
  }
}

/**
 * Starting workers costs ~0.2–0.5 s (each loads the TypeScript loader), so a model whose training would
 * take less than this many seconds in one thread stays in this thread.
 */
export const WORKER_MIN_SECONDS = 1

/**
 * The pool a training run uses: the caller's (ctx.pool; kept open), else new workers when there are
 * threads to use and enough work (estimated single-thread seconds) to pay for them, else this thread.
 * Call `done()` when finished.
 */
export async function poolFor(ctx: TrainContext, seconds: number): Promise<{ pool: Pool; done: () => Promise<void> }> {
  if (ctx.pool) return { pool: ctx.pool, done: async () => {} }
  const pool = await startPool(ctx.threads > 1 && seconds >= WORKER_MIN_SECONDS ? ctx.threads : 1)
  return { pool, done: () => pool.close() }
}

/** The CSR structure (and values) in the pool's memory, so workers read it without a copy per task. */
export function shareCsr(pool: Pool, x: Csr): Csr {
  if (pool.threads === 1) return x
  const indptr = pool.i32(x.indptr.length)
  const indices = pool.i32(x.indices.length)
  const values = pool.f32(x.values.length)
  indptr.set(x.indptr)
  indices.set(x.indices)
  values.set(x.values)
  return { rows: x.rows, cols: x.cols, indptr, indices, values }
}

/** Just the structure, for the kernels that read a binary matrix. */
export function structure(x: Csr): SparseRows {
  return { rows: x.rows, cols: x.cols, indptr: x.indptr, indices: x.indices }
}

class InlinePool implements Pool {
  readonly threads = 1
  f64(length: number) {
    return new Float64Array(length)
  }
  f32(length: number) {
    return new Float32Array(length)
  }
  i32(length: number) {
    return new Int32Array(length)
  }
  async run<N extends TaskName>(name: N, args: TaskArgs<N>[]): Promise<TaskResult<N>[]> {
    const task = TASKS[name] as (a: TaskArgs<N>) => TaskResult<N>
    return args.map((a) => task(a))
  }
  async close() {}
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

class WorkerPool implements Pool {
  private nextId = 0
  private readonly pending = new Map<number, Pending>()
  private failure: Error | undefined
  private closed = false

  private constructor(private readonly workers: Worker[]) {}

  get threads() {
    return this.workers.length
  }

  static async start(threads: number): Promise<WorkerPool> {
    const boot = new URL('./worker-boot.mjs', import.meta.url)
    const entry = new URL('./worker-entry.ts', import.meta.url).href
    const workers = Array.from({ length: threads }, () => new Worker(boot, { workerData: { entry } }))
    const pool = new WorkerPool(workers)
    try {
      await Promise.all(workers.map((w) => pool.listen(w)))
    } catch (err) {
      await pool.close()
      throw err
    }
    return pool
  }

  /** Resolves when the worker says it is ready; afterwards routes its answers to the waiting calls. */
  private listen(w: Worker): Promise<void> {
    return new Promise((ready, failed) => {
      w.on('message', (msg: { ready?: true; id: number; result?: unknown; error?: string }) => {
        if (msg.ready) return ready()
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        if (msg.error !== undefined) p.reject(new Error(`worker task failed: ${msg.error}`))
        else p.resolve(msg.result)
      })
      w.on('error', (err) => {
        this.fail(err)
        failed(err)
      })
      w.on('exit', (code) => {
        const err = new Error(`worker exited with code ${code}`)
        if (!this.closed) this.fail(err)
        failed(err) // no effect once ready
      })
    })
  }

  private fail(err: Error) {
    this.failure ??= err
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  f64(length: number) {
    return new Float64Array(new SharedArrayBuffer(length * 8))
  }
  f32(length: number) {
    return new Float32Array(new SharedArrayBuffer(length * 4))
  }
  i32(length: number) {
    return new Int32Array(new SharedArrayBuffer(length * 4))
  }

  /** Task t goes to worker t mod threads; each worker answers its queue in order. */
  run<N extends TaskName>(name: N, args: TaskArgs<N>[]): Promise<TaskResult<N>[]> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'))
    if (this.failure) return Promise.reject(this.failure)
    return Promise.all(
      args.map(
        (a, t) =>
          new Promise<TaskResult<N>>((resolve, reject) => {
            const id = this.nextId++
            this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
            this.workers[t % this.workers.length]!.postMessage({ id, name, args: a })
          }),
      ),
    )
  }

  async close() {
    this.closed = true
    this.fail(new Error('the worker pool is closed'))
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
