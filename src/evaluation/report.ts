/**
 * The evaluation's output: one JSON document for scripts (`--json`), a table for people. Metric keys
 * carry K (`ndcg@10`) so documents with different K cannot be mixed up by accident.
 */
import type { Protocol } from './protocols.ts'
import { BASELINE_MODEL, type RunReport, formatParams } from './runner.ts'

const round = (x: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export interface EvalDocument {
  protocol: Record<string, unknown>
  models: Record<string, Record<string, unknown>>
}

/** `{"protocol": {...}, "models": {"<name>": {"ndcg@10": n, ...}}}` */
export function toDocument(protocol: Protocol, run: RunReport, source: Record<string, unknown> = {}): EvalDocument {
  const { k } = run
  const models: EvalDocument['models'] = {}
  for (const [name, r] of Object.entries(run.models)) {
    const m = r.metrics
    models[name] = {
      [`ndcg@${k}`]: round(m.ndcg, 6),
      [`recall@${k}`]: round(m.recall, 6),
      [`precision@${k}`]: round(m.precision, 6),
      [`hitrate@${k}`]: round(m.hitrate, 6),
      [`map@${k}`]: round(m.map, 6),
      [`coverage@${k}`]: round(m.coverage, 6),
      [`novelty@${k}`]: round(m.novelty, 6),
      trainSeconds: round(r.trainSeconds, 3),
      tuningSeconds: round(r.tuningSeconds, 3),
      peakMB: round(r.peakMB, 1),
      peakHeapMB: round(r.peakHeapMB, 1),
      peakRssMB: round(r.peakRssMB, 1),
      modelMB: round(r.modelMB, 2),
      params: r.params,
      validation: r.trials.map((t) => ({ params: t.params, 'ndcg@10': round(t.ndcg, 6) })),
    }
  }
  const c = protocol.test.counts
  const v = protocol.validation.counts
  return {
    protocol: {
      name: protocol.name,
      description: protocol.description,
      ...source,
      ...protocol.settings,
      k,
      seed: run.seed,
      tuned: run.tuned,
      trainPeople: c.trainPeople,
      trainItems: c.trainItems,
      trainPairs: c.trainPairs,
      testPeople: c.testPeople,
      testPairs: c.testPairs,
      testPairsBeforeFilters: c.testPairsRaw,
      validation: { trainPeople: v.trainPeople, trainItems: v.trainItems, trainPairs: v.trainPairs, testPeople: v.testPeople, testPairs: v.testPairs },
    },
    models,
  }
}

const n = (x: number) => x.toLocaleString('en-US')

/** The terminal table: one row per model, bestsellers first, with NDCG relative to bestsellers. */
export function formatTable(protocol: Protocol, run: RunReport): string {
  const { k } = run
  const c = protocol.test.counts
  const base = run.models[BASELINE_MODEL]?.metrics.ndcg ?? 0
  const header = ['model', `recall@${k}`, `ndcg@${k}`, `precision@${k}`, `hitrate@${k}`, `map@${k}`, `coverage@${k}`, `novelty@${k}`, 'x best', 'train s', 'tuning s', 'peak MB', 'params']
  const rows = Object.entries(run.models).map(([name, r]) => {
    const m = r.metrics
    return [
      name,
      m.recall.toFixed(4),
      m.ndcg.toFixed(4),
      m.precision.toFixed(4),
      m.hitrate.toFixed(4),
      m.map.toFixed(4),
      m.coverage.toFixed(3),
      m.novelty.toFixed(2),
      base > 0 ? `${(m.ndcg / base).toFixed(2)}x` : '-',
      r.trainSeconds.toFixed(2),
      r.tuningSeconds.toFixed(1),
      r.peakMB.toFixed(1),
      formatParams(r.params),
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()
  return [
    `protocol: ${protocol.name} (${protocol.description})`,
    `training: ${n(c.trainPeople)} people, ${n(c.trainItems)} items, ${n(c.trainPairs)} pairs; test: ${n(c.testPeople)} people, ${n(c.testPairs)} pairs; K = ${k}${run.tuned ? ', tuned on validation NDCG@10' : ', defaults (no tuning)'}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n')
}
