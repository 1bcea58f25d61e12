/**
 * A blend of the strongest single models: EASE (or ItemKNN where EASE does not fit) with iALS and a pinch
 * of popularity, each scaled per person to a maximum of 1 so the weights mean the same for everyone.
 * EASE and iALS make different mistakes (one is a linear item model, the other low-rank), so a blend
 * tuned on validation beats either alone.
 *
 * The parts use the settings the harness chose for them in the same run (`ctx.tuned`), else their
 * defaults, and are trained once per training matrix: the grid only changes the weights.
 */
import { ease } from './ease.ts'
import { ials } from './ials.ts'
import { ownHistory } from './buy-again.ts'
import { itemKnn } from './item-knn.ts'
import { popularity } from './popularity.ts'
import type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'

export interface HybridParams {
  ials: number
  knn: number
  popularity: number
  /** The person's own history (buy again): only matters where re-purchases may be recommended. */
  own: number
}

interface Parts {
  linear: TrainedModel
  factors: TrainedModel
  knn: TrainedModel
  popularity: TrainedModel
  own: TrainedModel
}

const cache = new WeakMap<Csr, Promise<Parts>>()

async function trainParts(x: Csr, ctx: TrainContext): Promise<Parts> {
  const settings = <P extends object>(spec: ModelSpec<P>) => ({ ...spec.defaults, ...(ctx.tuned?.[spec.name] as Partial<P> | undefined) })
  const sub = { ...ctx, onProgress: undefined }
  const linear = !ease.fits(x.cols) ? await itemKnn.train(x, settings(itemKnn), sub) : await ease.train(x, settings(ease), sub)
  return {
    linear,
    factors: await ials.train(x, settings(ials), sub),
    knn: await itemKnn.train(x, settings(itemKnn), sub),
    popularity: await popularity.train(x, {}, sub),
    own: ownHistory(x, ctx),
  }
}

/** Adds `weight · scores / max(scores)` of one part into `out`. */
function addScaled(model: TrainedModel, row: number, weight: number, tmp: Float32Array, out: Float32Array): void {
  if (weight === 0) return
  tmp.fill(0)
  model.scoreRow(row, tmp)
  let max = 0
  for (let j = 0; j < tmp.length; j++) if (tmp[j]! > max) max = tmp[j]!
  if (max <= 0) return
  const scale = weight / max
  for (let j = 0; j < tmp.length; j++) out[j]! += scale * tmp[j]!
}

export const hybrid: ModelSpec<HybridParams> = {
  name: 'hybrid',
  defaults: { ials: 0.5, knn: 0, popularity: 0, own: 0 },
  grid: [0, 0.25, 0.5, 1, 2].flatMap((w) => [0, 0.25].flatMap((knn) => [0, 0.05].flatMap((pop) => [0, 1, 4].map((own) => ({ ials: w, knn, popularity: pop, own }))))),
  async train(x: Csr, params: HybridParams, ctx: TrainContext): Promise<TrainedModel> {
    let parts = cache.get(x)
    if (!parts) cache.set(x, (parts = trainParts(x, ctx)))
    const p = await parts
    const tmp = new Float32Array(x.cols)
    return {
      name: 'hybrid',
      bytes: p.linear.bytes + p.factors.bytes + p.knn.bytes + p.popularity.bytes,
      scoreRow(row, out) {
        out.fill(0)
        addScaled(p.linear, row, 1, tmp, out)
        addScaled(p.factors, row, params.ials, tmp, out)
        addScaled(p.knn, row, params.knn, tmp, out)
        addScaled(p.popularity, row, params.popularity, tmp, out)
        addScaled(p.own, row, params.own ?? 0, tmp, out)
      },
    }
  },
}
