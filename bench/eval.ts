/**
 * Runs `attune eval` on every dataset of the team's shared data with its published protocol, and writes
 * the table next to the reference results of its BASELINES.md into bench/RESULTS.md.
 *
 *   npx tsx bench/eval.ts [--data ../shared/data] [--only movielens-100k,...]
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { machine, writeResults } from './ingest-report.ts'

interface ModelFigures {
  'ndcg@10': number
  'recall@10': number
  'precision@10': number
  'hitrate@10': number
  'coverage@10': number
  trainSeconds: number
  tuningSeconds: number
  peakMB: number
  params: Record<string, unknown>
}

/** The references' best NDCG@10 / Recall@10 and their train times, from each dataset's BASELINES.md. */
const RUNS: { dataset: string; dir: string; reference: Record<string, { ndcg: number; recall: number; seconds: number }> }[] = [
  {
    dataset: 'movielens-100k',
    dir: 'movielens-100k',
    reference: { popularity: { ndcg: 0.1517, recall: 0.1525, seconds: 0.02 }, 'item-knn': { ndcg: 0.2843, recall: 0.2934, seconds: 0.15 }, ease: { ndcg: 0.3175, recall: 0.3214, seconds: 0.21 }, ials: { ndcg: 0.3072, recall: 0.3182, seconds: 3.15 } },
  },
  {
    dataset: 'movielens-latest-small',
    dir: 'movielens-latest-small',
    reference: { popularity: { ndcg: 0.0644, recall: 0.0679, seconds: 0.04 }, 'item-knn': { ndcg: 0.0907, recall: 0.1025, seconds: 2.05 }, ease: { ndcg: 0.1012, recall: 0.1111, seconds: 6.41 }, ials: { ndcg: 0.0881, recall: 0.0974, seconds: 7.13 } },
  },
  {
    dataset: 'online-retail',
    dir: 'online-retail',
    reference: { popularity: { ndcg: 0.0471, recall: 0.0472, seconds: 0.22 }, 'item-knn': { ndcg: 0.1034, recall: 0.1033, seconds: 1.73 }, ease: { ndcg: 0.1104, recall: 0.1112, seconds: 3.27 }, ials: { ndcg: 0.1107, recall: 0.1102, seconds: 11.35 } },
  },
  {
    dataset: 'online-retail-repurchase',
    dir: 'online-retail',
    reference: {
      popularity: { ndcg: 0.1049, recall: 0.1013, seconds: 0.22 },
      'buy-again': { ndcg: 0.3596, recall: 0.347, seconds: 0.03 },
      'item-knn': { ndcg: 0.211, recall: 0.2055, seconds: 1.57 },
      ease: { ndcg: 0.2853, recall: 0.2799, seconds: 4.44 },
      ials: { ndcg: 0.2971, recall: 0.2864, seconds: 11.01 },
    },
  },
]

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const dataRoot = arg('--data') ?? path.resolve(import.meta.dirname, '../../shared/data')
const only = arg('--only')?.split(',')
const bin = path.resolve(import.meta.dirname, '../bin/attune.mjs')
const f = (x: number) => x.toFixed(4)

const sections: string[] = []
const m = machine()
for (const run of RUNS.filter((r) => !only || only.includes(r.dataset))) {
  const dataDir = path.join(dataRoot, run.dir)
  const command = `node bin/attune.mjs eval --dataset ${run.dataset} --data ${path.relative(process.cwd(), dataDir)} --json`
  process.stderr.write(`${command}\n`)
  const started = Date.now()
  const doc = JSON.parse(execFileSync(process.execPath, [bin, 'eval', '--dataset', run.dataset, '--data', dataDir, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    protocol: Record<string, unknown>
    models: Record<string, ModelFigures>
  }
  const wall = ((Date.now() - started) / 1000).toFixed(0)
  const best = Object.values(run.reference).reduce((b, r) => ({ ndcg: Math.max(b.ndcg, r.ndcg), recall: Math.max(b.recall, r.recall) }), { ndcg: 0, recall: 0 })
  const pop = doc.models.popularity!['ndcg@10']
  const rows = Object.entries(doc.models).map(([name, x]) => {
    const ref = run.reference[name]
    // Compared at the four decimals the references are given with: equal is not better.
    const beats = f(x['ndcg@10']) > f(best.ndcg) && f(x['recall@10']) > f(best.recall) ? ' **beats best reference**' : ''
    return `| ${name} | ${f(x['recall@10'])} | ${f(x['ndcg@10'])}${beats} | ${f(x['precision@10'])} | ${f(x['hitrate@10'])} | ${x['coverage@10'].toFixed(3)} | ${(x['ndcg@10'] / pop).toFixed(2)}x | ${x.trainSeconds.toFixed(2)} | ${ref ? `${ref.seconds} (${(x.trainSeconds / ref.seconds).toFixed(2)}x)` : '—'} | ${x.tuningSeconds.toFixed(1)} | ${x.peakMB.toFixed(0)} | ${ref ? `${f(ref.recall)} / ${f(ref.ndcg)}` : '—'} | ${JSON.stringify(x.params)} |`
  })
  const p = doc.protocol
  sections.push(
    [
      `### ${run.dataset}: ${String(p.description)}`,
      '',
      `- Command: \`${command}\` (${wall} s with tuning).`,
      `- Split: ${p.trainPeople} people, ${p.trainItems} items, ${p.trainPairs} training pairs; ${p.testPeople} test people, ${p.testPairs} test pairs. Best reference: NDCG@10 ${f(best.ndcg)}, Recall@10 ${f(best.recall)}.`,
      '',
      '| model | Recall@10 | NDCG@10 | Precision@10 | HitRate@10 | Coverage@10 | NDCG vs bestsellers | train s | reference train s (ratio) | tuning s | peak MB | reference Recall / NDCG | chosen on validation |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  )
}

const section = [
  '## Recommendation models on public datasets (`attune eval`)',
  '',
  `- Command: \`npx tsx bench/eval.ts\` (runs the commands below, one at a time). Date: ${new Date().toISOString()}.`,
  `- Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}; training uses both cores.`,
  '- Protocols and reference rows (numpy + OpenBLAS on this machine) are those of each dataset\'s BASELINES.md in the shared data; hyper-parameters are chosen on the validation split the protocol defines, then refitted on all training data. "train s" is the final fit\'s wall time, worker start-up included.',
  '- `hybrid` blends EASE (ItemKNN where EASE does not fit), iALS, ItemKNN and popularity, each scaled per person, with the parts at the settings chosen for them in the same run; only the blend weights are tuned.',
  '- OTTO (the 20-session sample) is a format fixture: its sessions share almost no articles, so there is nothing to score.',
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n')
process.stdout.write(`${section}\n`)
writeResults(section.trimEnd(), 'eval')
