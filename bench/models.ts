/**
 * Training time and peak memory of the collaborative models (src/models) on the three rating / order
 * datasets of ../shared/data, next to the reference times of each BASELINES.md (numpy + OpenBLAS on this
 * machine). Every (dataset, model) fit runs in its own child process, so its peak RSS is its own.
 * The training matrices follow each BASELINES.md protocol (simple loaders, not the evaluation harness);
 * NDCG@10 on the same split is printed as a sanity check only: bench/RESULTS.md figures come from the
 * harness.
 *
 * Usage: npx tsx bench/models.ts [--data ../shared/data] [--threads 2] [--datasets a,b] [--models a,b]
 *          [--repeat 1]
 * Each (dataset, model, cold|warm) fit runs in a fresh child process (`--child dataset:model:mode`).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { csrFromTriples, MODELS, startPool, type Csr } from '../src/models/index.ts'

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/data') },
    threads: { type: 'string', default: '2' },
    datasets: { type: 'string', default: 'movielens-latest-small,movielens-100k,online-retail' },
    models: { type: 'string', default: 'popularity,item-knn,ease,ials' },
    repeat: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
})

/** Reference settings and train seconds from each BASELINES.md. */
const REFERENCE: Record<string, Record<string, { params: Record<string, number>; seconds: number; ndcg: number }>> = {
  'movielens-latest-small': {
    popularity: { params: {}, seconds: 0.04, ndcg: 0.0644 },
    'item-knn': { params: { k: 100 }, seconds: 2.05, ndcg: 0.0907 },
    ease: { params: { lambda: 50 }, seconds: 6.41, ndcg: 0.1012 },
    ials: { params: { factors: 64, reg: 1, alpha: 1, iterations: 15 }, seconds: 7.13, ndcg: 0.0881 },
  },
  'movielens-100k': {
    popularity: { params: {}, seconds: 0.02, ndcg: 0.1517 },
    'item-knn': { params: { k: 100 }, seconds: 0.15, ndcg: 0.2843 },
    ease: { params: { lambda: 500 }, seconds: 0.21, ndcg: 0.3175 },
    ials: { params: { factors: 64, reg: 30, alpha: 5, iterations: 15 }, seconds: 3.15, ndcg: 0.3072 },
  },
  'online-retail': {
    popularity: { params: {}, seconds: 0.22, ndcg: 0.0471 },
    'item-knn': { params: { k: 100 }, seconds: 1.73, ndcg: 0.1034 },
    ease: { params: { lambda: 1000 }, seconds: 3.27, ndcg: 0.1104 },
    ials: { params: { factors: 64, reg: 30, alpha: 1, iterations: 15 }, seconds: 11.35, ndcg: 0.1107 },
  },
}

interface Split {
  train: Csr
  /** Test items per training row (only rows with some). */
  test: Map<number, number[]>
}

/** Pairs (person, item) with string ids, turned into a split on dense indices of training people/items. */
function toSplit(train: [string, string][], test: [string, string][]): Split {
  const people = new Map<string, number>()
  const items = new Map<string, number>()
  const r: number[] = []
  const c: number[] = []
  for (const [u, i] of train) {
    if (!people.has(u)) people.set(u, people.size)
    if (!items.has(i)) items.set(i, items.size)
    r.push(people.get(u)!)
    c.push(items.get(i)!)
  }
  const x = csrFromTriples(people.size, items.size, r, c)
  // Repeated pairs (re-purchases) count once: the models read the binary matrix.
  x.values.fill(1)
  const test_ = new Map<number, number[]>()
  for (const [u, i] of test) {
    const row = people.get(u)
    const col = items.get(i)
    if (row === undefined || col === undefined) continue
    if (x.indices.subarray(x.indptr[row], x.indptr[row + 1]).includes(col)) continue
    const list = test_.get(row) ?? []
    if (!list.includes(col)) list.push(col)
    test_.set(row, list)
  }
  return { train: x, test: test_ }
}

function movielens100k(dir: string): Split {
  const byUser = new Map<string, string[]>()
  for (const line of fs.readFileSync(path.join(dir, 'u.data'), 'utf8').split('\n')) {
    const [u, i, rating] = line.split('\t')
    if (!u || Number(rating) < 4) continue
    byUser.set(u, [...(byUser.get(u) ?? []), i!])
  }
  const train: [string, string][] = []
  const test: [string, string][] = []
  const hash = (u: string, i: string) => createHash('sha256').update(`42:${u}:${i}`).digest('hex')
  for (const [u, list] of byUser) {
    const order = list.map((i) => ({ i, h: hash(u, i) })).sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    const nTest = order.length >= 5 ? Math.floor(0.2 * order.length + 0.5) : 0
    order.forEach(({ i }, k) => (k >= order.length - nTest ? test : train).push([u, i]))
  }
  return toSplit(train, test)
}

function movielensSmall(dir: string): Split {
  const rows = parse(fs.readFileSync(path.join(dir, 'ratings.csv')), { columns: true }) as Record<string, string>[]
  const byUser = new Map<string, { i: string; t: number }[]>()
  for (const row of rows) {
    if (Number(row.rating) < 4) continue
    byUser.set(row.userId!, [...(byUser.get(row.userId!) ?? []), { i: row.movieId!, t: Number(row.timestamp) }])
  }
  const train: [string, string][] = []
  const test: [string, string][] = []
  for (const [u, list] of byUser) {
    if (list.length < 5) continue
    list.sort((a, b) => a.t - b.t)
    const nTest = Math.max(1, Math.round(0.2 * list.length))
    list.forEach(({ i }, k) => (k >= list.length - nTest ? test : train).push([u, i]))
  }
  return toSplit(train, test)
}

function onlineRetail(dir: string): Split {
  const text = gunzipSync(fs.readFileSync(path.join(dir, 'online_retail.csv.gz')))
  const rows = parse(text, { columns: true }) as Record<string, string>[]
  const cutoff = '2011-09-25 21:33:12'
  const train: [string, string][] = []
  const test: [string, string][] = []
  for (const r of rows) {
    if (!r.CustomerID || r.InvoiceNo!.startsWith('C') || !(Number(r.Quantity) > 0) || !(Number(r.UnitPrice) > 0)) continue
    if (!/^[0-9]/.test(r.StockCode!)) continue
    ;(r.InvoiceDate! < cutoff ? train : test).push([r.CustomerID, r.StockCode!])
  }
  return toSplit(train, test)
}

const LOADERS: Record<string, (dir: string) => Split> = {
  'movielens-latest-small': movielensSmall,
  'movielens-100k': movielens100k,
  'online-retail': onlineRetail,
}

/** NDCG@10 over test people, training items excluded (binary gains, ideal over min(10, |test|)). */
function ndcgAt10(split: Split, score: (row: number, out: Float32Array) => void): number {
  const { train, test } = split
  const out = new Float32Array(train.cols)
  let total = 0
  for (const [row, truth] of test) {
    score(row, out)
    for (let p = train.indptr[row]!; p < train.indptr[row + 1]!; p++) out[train.indices[p]!] = -Infinity
    const top: number[] = []
    for (let j = 0; j < out.length; j++) {
      if (top.length < 10 || out[j]! > out[top[top.length - 1]!]!) {
        let at = Math.min(top.length, 9)
        while (at > 0 && out[j]! > out[top[at - 1]!]!) at--
        top.splice(at, 0, j)
        if (top.length > 10) top.pop()
      }
    }
    const set = new Set(truth)
    let dcg = 0
    let idcg = 0
    top.forEach((j, k) => (dcg += set.has(j) ? 1 / Math.log2(k + 2) : 0))
    for (let k = 0; k < Math.min(10, truth.length); k++) idcg += 1 / Math.log2(k + 2)
    total += dcg / idcg
  }
  return total / test.size
}

interface ChildResult {
  seconds: number
  boot: number
  cpu: number
  peak: number
  baseRss: number
  modelBytes: number
  ndcg: number
  people: number
  items: number
  pairs: number
}

/**
 * One fit in this process; prints a JSON line (ChildResult). `cold`: the model starts (or skips) its own
 * workers inside train(), as a one-off fit would. `warm`: workers are started first (timed as `boot`)
 * and passed in ctx.pool, as a trainer that keeps its pool between fits does.
 */
async function child(dataset: string, model: string, mode: string): Promise<void> {
  const split = LOADERS[dataset]!(path.join(args.data!, dataset))
  const baseRss = process.memoryUsage().rss
  const ref = REFERENCE[dataset]![model]!
  const spec = MODELS[model]!
  const threads = Number(args.threads)
  const tb = performance.now()
  const pool = mode === 'warm' ? await startPool(threads) : undefined
  const boot = (performance.now() - tb) / 1000
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const trained = await spec.train(split.train, { ...spec.defaults, ...ref.params }, { threads, seed: 42, pool })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await pool?.close()
  const peak = process.resourceUsage().maxRSS * 1024
  const ndcg = ndcgAt10(split, (r, o) => trained.scoreRow(r, o))
  const shape = { people: split.train.rows, items: split.train.cols, pairs: split.train.indptr[split.train.rows]! }
  const result: ChildResult = { seconds, boot, cpu: (cpu.user + cpu.system) / 1e6, peak, baseRss, modelBytes: trained.bytes, ndcg, ...shape }
  console.log(JSON.stringify(result))
}

function runChild(dataset: string, model: string, mode: string): ChildResult {
  const argv = ['--import', 'tsx', import.meta.filename, '--child', `${dataset}:${model}:${mode}`, '--data', args.data!, '--threads', args.threads!]
  const out = execFileSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 20 })
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult
}

async function main(): Promise<void> {
  if (args.child) {
    const [dataset, model, mode] = args.child.split(':')
    return child(dataset!, model!, mode!)
  }
  const mb = (b: number) => (b / 2 ** 20).toFixed(0)
  const s2 = (x: number) => x.toFixed(2)
  console.log(`models bench: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}, threads ${args.threads}, load average ${os.loadavg().map(s2).join(' ')}`)
  console.log('train s: the fit alone, best of --repeat; cold = the model starts its own workers (if the data is big enough to pay for them), warm = workers started beforehand (boot s) and passed in ctx.pool; cpu s = all threads of the cold fit.')
  console.log('| dataset | people × items (pairs) | model | params | train s cold | train s warm (boot) | ref s | cold / ref | cpu s | peak RSS MB (before fit) | model MB | NDCG@10 (ref) |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const dataset of args.datasets!.split(',')) {
    for (const model of args.models!.split(',')) {
      const ref = REFERENCE[dataset]![model]!
      const best = (mode: string) => {
        const runs = Array.from({ length: Number(args.repeat) }, () => runChild(dataset, model, mode))
        return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
      }
      const cold = best('cold')
      const warm = best('warm')
      const params = Object.entries(ref.params).map(([k, v]) => `${k}=${v}`).join(' ')
      console.log(
        `| ${dataset} | ${cold.people} × ${cold.items} (${cold.pairs}) | ${model} | ${params} | ${s2(cold.seconds)} | ${s2(warm.seconds)} (${s2(warm.boot)}) | ${ref.seconds} | ${s2(cold.seconds / ref.seconds)} | ${s2(cold.cpu)} | ${mb(cold.peak)} (${mb(cold.baseRss)}) | ${mb(cold.modelBytes)} | ${cold.ndcg.toFixed(4)} (${ref.ndcg}) |`,
      )
    }
  }
}

await main()
