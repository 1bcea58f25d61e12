/**
 * The CLV part of a training run: BG/NBD + Gamma-Gamma fitted on every included person's orders up to
 * now, a prediction per buyer (written to `store.predictions` by the trainer), and a validation on the
 * last fifth of the order history (fit before, predict after, as `attune eval --clv` does) when the
 * full fit had enough data. The summary is what GET /v1/models shows.
 */
import { defaultCutoff, evaluateClv } from '../evaluation/index.ts'
import { type ClvOptions, type ClvPrediction, customerSummaries, fitClv, type OrderRecord, predictClv } from '../models/index.ts'

export interface ClvSummary {
  method: 'bgnbd' | 'rfm'
  note: string | null
  unit: 'days'
  customers: number
  repeatBuyers: number
  days: number
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean } | null
  gammaGamma: { p: number; q: number; v: number; converged: boolean } | null
  spendFrequencyCorrelation: number | null
  fitSeconds: number
  /** Holdout check: repeat transactions after the cutoff, predicted by a fit before it and by each person's rate. */
  validation: {
    cutoff: string
    holdoutDays: number
    method: 'bgnbd' | 'rfm'
    people: number
    actual: number
    predicted: { bgnbd: number | null; naive: number }
    meanAbsoluteError: { bgnbd: number | null; naive: number }
    rootMeanSquaredError: { bgnbd: number | null; naive: number }
  } | null
}

const sig = (x: number) => Number(x.toPrecision(6))
const maybe = (x: number | null) => (x === null ? null : sig(x))

/** Fit, predict and validate; `now` ends the observation (T is measured to its day). */
export function trainClv(orders: readonly OrderRecord[], now: number, options: ClvOptions = {}): { summary: ClvSummary; predictions: ClvPrediction[] } {
  const customers = customerSummaries(orders, now + 1)
  const fit = fitClv(customers, options)
  const predictions = predictClv(fit, customers)
  let validation: ClvSummary['validation'] = null
  if (fit.method === 'bgnbd') {
    const report = evaluateClv(orders, defaultCutoff(orders), options)
    const h = report.holdout
    validation = {
      cutoff: report.cutoff,
      holdoutDays: report.holdoutDays,
      method: report.fit.method,
      people: h.people,
      actual: h.actual,
      predicted: { bgnbd: maybe(h.predicted.bgnbd), naive: sig(h.predicted.naive) },
      meanAbsoluteError: { bgnbd: maybe(h.meanAbsoluteError.bgnbd), naive: sig(h.meanAbsoluteError.naive) },
      rootMeanSquaredError: { bgnbd: maybe(h.rootMeanSquaredError.bgnbd), naive: sig(h.rootMeanSquaredError.naive) },
    }
  }
  const b = fit.bgnbd
  const g = fit.gammaGamma
  return {
    predictions,
    summary: {
      method: fit.method,
      note: fit.note,
      unit: fit.unit,
      customers: fit.customers,
      repeatBuyers: fit.repeatBuyers,
      days: fit.days,
      bgnbd: b && { r: sig(b.r), alpha: sig(b.alpha), a: sig(b.a), b: sig(b.b), logLikelihood: sig(b.logLikelihood), converged: b.converged },
      gammaGamma: g && { p: sig(g.p), q: sig(g.q), v: sig(g.v), converged: g.converged },
      spendFrequencyCorrelation: fit.spendFrequencyCorrelation,
      fitSeconds: Math.round(fit.seconds * 1000) / 1000,
      validation,
    },
  }
}
