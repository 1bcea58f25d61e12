/**
 * A small seeded random source, so a training run is reproducible from `ctx.seed` alone (Math.random
 * cannot be seeded). Not for anything secret.
 */

/** SplitMix32-style generator: uniform floats in [0, 1). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    z = (z ^ (z >>> 16)) >>> 0
    return z / 4294967296
  }
}

/** Fills `out` with draws from N(mean, sd²) (Box–Muller on the seeded uniform source). */
export function fillNormal(out: Float32Array | Float64Array, seed: number, mean = 0, sd = 1): void {
  const u = uniform(seed)
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * sd
    const t = 2 * Math.PI * u()
    out[i] = mean + r * Math.cos(t)
    if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(t)
  }
}
