/** `attune eval --clv`'s output: one JSON document (`--json`) or tables for people. */
import type { ClvEvalReport } from './clv-eval.ts'

const round = (x: number | null, digits = 4): number | null => (x === null || !Number.isFinite(x) ? x : Number(x.toFixed(digits)))
const cell = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits))

/** The report with numbers rounded for reading (parameters keep six significant digits). */
export function toClvDocument(report: ClvEvalReport, source: Record<string, unknown> = {}): Record<string, unknown> {
  const f = report.fit
  const sig = (x: number) => Number(x.toPrecision(6))
  const h = report.holdout
  return {
    protocol: { name: 'clv', ...source, cutoff: report.cutoff, end: report.end, holdoutDays: report.holdoutDays, calibration: report.calibration },
    fit: {
      method: f.method,
      note: f.note,
      unit: f.unit,
      bgnbd: f.bgnbd && { r: sig(f.bgnbd.r), alpha: sig(f.bgnbd.alpha), a: sig(f.bgnbd.a), b: sig(f.bgnbd.b), logLikelihood: sig(f.bgnbd.logLikelihood), converged: f.bgnbd.converged, evaluations: f.bgnbd.evaluations },
      gammaGamma: f.gammaGamma && { p: sig(f.gammaGamma.p), q: sig(f.gammaGamma.q), v: sig(f.gammaGamma.v), customers: f.gammaGamma.customers, converged: f.gammaGamma.converged },
      spendFrequencyCorrelation: f.spendFrequencyCorrelation,
      seconds: round(f.seconds, 3),
    },
    holdout: {
      people: h.people,
      actual: h.actual,
      predicted: { bgnbd: round(h.predicted.bgnbd, 1), naive: round(h.predicted.naive, 1) },
      meanAbsoluteError: { bgnbd: round(h.meanAbsoluteError.bgnbd), naive: round(h.meanAbsoluteError.naive) },
      rootMeanSquaredError: { bgnbd: round(h.rootMeanSquaredError.bgnbd), naive: round(h.rootMeanSquaredError.naive) },
      byRepeats: h.byRepeats.map((g) => ({ ...g, actual: round(g.actual), bgnbd: round(g.bgnbd), naive: round(g.naive) })),
      value: {
        actual: round(h.value.actual, 2),
        bgnbd: round(h.value.bgnbd, 2),
        naive: round(h.value.naive, 2),
        meanAbsoluteError: { bgnbd: round(h.value.meanAbsoluteError.bgnbd, 2), naive: round(h.value.meanAbsoluteError.naive, 2) },
      },
    },
  }
}

/** Parameters, totals and the per-group table, aligned. */
export function formatClvTable(report: ClvEvalReport): string {
  const f = report.fit
  const h = report.holdout
  const c = report.calibration
  const lines = [
    `CLV validation: calibration before ${report.cutoff} (${c.customers} customers, ${c.repeatBuyers} repeat buyers, ${c.days} days), holdout ${report.holdoutDays} days to ${report.end}`,
    `method: ${f.method}${f.note ? ` (${f.note})` : ''}; fit ${f.seconds.toFixed(2)} s`,
  ]
  if (f.bgnbd) {
    const b = f.bgnbd
    lines.push(`BG/NBD (time unit: ${f.unit}): r=${b.r.toPrecision(4)} alpha=${b.alpha.toPrecision(4)} a=${b.a.toPrecision(4)} b=${b.b.toPrecision(4)} log-likelihood=${b.logLikelihood.toFixed(1)}${b.converged ? '' : ' (not converged)'}`)
  }
  if (f.gammaGamma) lines.push(`Gamma-Gamma: p=${f.gammaGamma.p.toPrecision(4)} q=${f.gammaGamma.q.toPrecision(4)} v=${f.gammaGamma.v.toPrecision(4)} on ${f.gammaGamma.customers} repeat buyers`)
  lines.push(`spend/frequency correlation: ${f.spendFrequencyCorrelation ?? '-'}`, '')
  const table = [
    ['', 'actual', 'BG/NBD', 'naive'],
    ['repeat transactions, total', String(h.actual), cell(h.predicted.bgnbd, 1), cell(h.predicted.naive, 1)],
    ['mean absolute error per person', '', cell(h.meanAbsoluteError.bgnbd, 3), cell(h.meanAbsoluteError.naive, 3)],
    ['root mean squared error per person', '', cell(h.rootMeanSquaredError.bgnbd, 3), cell(h.rootMeanSquaredError.naive, 3)],
    ['repeat value, total', cell(h.value.actual), cell(h.value.bgnbd), cell(h.value.naive)],
    ['value mean absolute error per person', '', cell(h.value.meanAbsoluteError.bgnbd), cell(h.value.meanAbsoluteError.naive)],
    [],
    ['repeats in calibration', 'people', 'actual mean', 'BG/NBD mean', 'naive mean'],
    ...h.byRepeats.map((g) => [g.repeats, String(g.people), cell(g.actual, 3), cell(g.bgnbd, 3), cell(g.naive, 3)]),
  ]
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...table.map((r) => (r[i] ?? '').length)))
  for (const row of table) lines.push(row.map((v, i) => (i === 0 ? v.padEnd(widths[0]!) : v.padStart(widths[i]!))).join('  ').trimEnd())
  return `${lines.join('\n')}\n`
}
