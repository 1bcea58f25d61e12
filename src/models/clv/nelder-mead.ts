/**
 * Minimisation without gradients: Nelder-Mead (the adaptive coefficients of Gao & Han 2012, better in
 * more than two dimensions), restarted from its own best point with a fresh simplex until a restart no
 * longer improves. Restarts are what makes it robust: a collapsed simplex on a curved valley (the
 * usual reason lifetimes' fits "fail to converge") is rebuilt instead of reported. Non-finite values
 * count as +∞, so the search backs away from regions where the likelihood overflows.
 */

export interface MinimizeOptions {
  /** Evaluations at most, over all restarts (default 20,000). */
  maxEvaluations?: number
  /** Stop a run when the simplex's values are within this (absolute, default 1e-10). */
  tolerance?: number
  /** Initial simplex step in each coordinate (default 0.5: in log-parameters, a factor of 1.65). */
  step?: number
  /** Restarts at most after the first run (default 8). */
  restarts?: number
}

export interface MinimizeResult {
  x: number[]
  value: number
  evaluations: number
  restarts: number
  /** The last restart improved by less than the tolerance, within the evaluation budget. */
  converged: boolean
}

function run(f: (x: number[]) => number, start: number[], step: number, tolerance: number, budget: number) {
  const n = start.length
  const alpha = 1
  const beta = 1 + 2 / n
  const gamma = 0.75 - 1 / (2 * n)
  const delta = 1 - 1 / n
  let evaluations = 0
  const value = (x: number[]) => {
    evaluations += 1
    const v = f(x)
    return Number.isFinite(v) ? v : Infinity
  }
  const points: number[][] = [start.slice()]
  for (let i = 0; i < n; i++) {
    const p = start.slice()
    p[i]! += step
    points.push(p)
  }
  let values = points.map(value)
  const combine = (c: number[], w: number[], t: number) => c.map((ci, i) => ci + t * (w[i]! - ci))
  while (evaluations < budget) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!)
    const sortedPoints = order.map((i) => points[i]!)
    values = order.map((i) => values[i]!)
    points.splice(0, points.length, ...sortedPoints)
    if (Math.abs(values[n]! - values[0]!) <= tolerance) break
    const centroid = new Array<number>(n).fill(0)
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) centroid[k]! += points[i]![k]! / n
    const worst = points[n]!
    const reflected = combine(centroid, worst, -alpha)
    const fr = value(reflected)
    if (fr < values[0]!) {
      const expanded = combine(centroid, worst, -alpha * beta)
      const fe = value(expanded)
      if (fe < fr) [points[n], values[n]] = [expanded, fe]
      else [points[n], values[n]] = [reflected, fr]
    } else if (fr < values[n - 1]!) {
      ;[points[n], values[n]] = [reflected, fr]
    } else {
      const outside = fr < values[n]!
      const contracted = combine(centroid, worst, outside ? -alpha * gamma : gamma)
      const fc = value(contracted)
      if (fc < (outside ? fr : values[n]!)) [points[n], values[n]] = [contracted, fc]
      else {
        for (let i = 1; i <= n; i++) {
          points[i] = combine(points[0]!, points[i]!, delta)
          values[i] = value(points[i]!)
        }
      }
    }
  }
  let best = 0
  for (let i = 1; i <= n; i++) if (values[i]! < values[best]!) best = i
  return { x: points[best]!, value: values[best]!, evaluations }
}

/**
 * Minimises f from `start`; restarts until the best value improves by less than the tolerance.
 *
 * @example minimize(([x, y]) => (x! - 1) ** 2 + 10 * (y! + 2) ** 2, [0, 0]).x // ≈ [1, −2]
 */
export function minimize(f: (x: number[]) => number, start: number[], options: MinimizeOptions = {}): MinimizeResult {
  const maxEvaluations = options.maxEvaluations ?? 20_000
  const tolerance = options.tolerance ?? 1e-10
  const step = options.step ?? 0.5
  const maxRestarts = options.restarts ?? 8
  let best = run(f, start, step, tolerance, maxEvaluations)
  let evaluations = best.evaluations
  let restarts = 0
  let converged = false
  while (restarts < maxRestarts && evaluations < maxEvaluations) {
    restarts += 1
    // Smaller simplexes each time: the first restarts rebuild a collapsed one, later ones polish.
    const next = run(f, best.x, step / 2 ** restarts, tolerance, maxEvaluations - evaluations)
    evaluations += next.evaluations
    const gain = best.value - next.value
    if (next.value < best.value) best = next
    if (!(gain > tolerance)) {
      converged = true
      break
    }
  }
  return { x: best.x, value: best.value, evaluations, restarts, converged: converged && Number.isFinite(best.value) }
}
