/**
 * Serving's one dense loop: a person's factor row against every item's, as WebAssembly SIMD (f32x4).
 * "For you" scores the whole catalogue per request, and V8 neither vectorises the JS loop nor drops its
 * bound checks; this is several times faster. `FactorScorer` copies the item factors into the module's
 * memory once per model, rows padded to a multiple of 8 floats (padding zero), and keeps plain JS as the
 * fallback where WebAssembly SIMD is missing.
 *
 *   dots(items, n, dp, u, out):   out[j] = Σ_k items[j·dp + k] · u[k]   for j < n   (byte addresses)
 */
import {
  ADD, BLOCK, BR, BR_IF, compileOnce, EMPTY, END, get, I32, I32_ADD, I32_EQZ, I32_SHR_U, I32_SUB, i32, instantiate, load, LOOP,
  moduleBytes, set, tee, V128, wasm, type WasmMemory, zero,
} from './wasm-asm.ts'

// f32x4 opcodes of the SIMD proposal (the shared assembler only names the f64x2 ones).
const F32X4_ADD = [0xfd, 0xe4, 0x01]
const F32X4_MUL = [0xfd, 0xe6, 0x01]
const f32lane = (i: number) => [0xfd, 0x1f, i]
const F32_ADD = [0x92]
const f32store = (offset: number) => [0x38, 2, offset]

function dotsBody(): number[] {
  // params 0 items, 1 n, 2 dp, 3 u, 4 out; i32 locals 5 v, 6 k; v128 locals 7 a0, 8 a1
  const ITEMS = 0, N = 1, DP = 2, U = 3, OUT = 4, V = 5, K = 6, A0 = 7, A1 = 8
  const b: number[] = []
  const e = (...parts: number[][]) => parts.forEach((p) => b.push(...p))
  e([BLOCK, EMPTY, LOOP, EMPTY])
  e(get(N), [I32_EQZ, BR_IF, 1])
  e(zero, set(A0), zero, set(A1), get(U), set(V), get(DP), i32(3), [I32_SHR_U], set(K)) // k = dp / 8
  e([LOOP, EMPTY])
  e(get(A0), get(ITEMS), load(0), get(V), load(0), F32X4_MUL, F32X4_ADD, set(A0))
  e(get(A1), get(ITEMS), load(16), get(V), load(16), F32X4_MUL, F32X4_ADD, set(A1))
  e(get(ITEMS), i32(32), [I32_ADD], set(ITEMS), get(V), i32(32), [I32_ADD], set(V))
  e(get(K), i32(1), [I32_SUB], tee(K), [BR_IF, 0, END])
  e(get(A0), get(A1), F32X4_ADD, set(A0))
  e(get(OUT), get(A0), f32lane(0), get(A0), f32lane(1), F32_ADD, get(A0), f32lane(2), F32_ADD, get(A0), f32lane(3), F32_ADD, f32store(0))
  e(get(OUT), i32(4), [I32_ADD], set(OUT), get(N), i32(1), [I32_SUB], set(N), [BR, 0, END, END])
  return b
}

type Dots = (items: number, n: number, dp: number, u: number, out: number) => void

const dotsModule = compileOnce(() => moduleBytes([{ name: 'dots', params: 5, locals: [[2, I32], [2, V128]], body: dotsBody() }], false))

/** Scores people's factor rows against all items; one scorer per loaded model, used by one thread. */
export class FactorScorer {
  readonly #n: number
  readonly #dim: number
  readonly #people: Float32Array
  readonly #items: Float32Array
  readonly #wasm: { dots: Dots; memory: WasmMemory; dp: number; u: number; out: number } | null

  constructor(people: Float32Array, items: Float32Array, dim: number, useWasm = true) {
    this.#dim = dim
    this.#n = items.length / dim
    this.#people = people
    this.#items = items
    const mod = useWasm && wasm ? dotsModule() : null
    this.#wasm = mod ? this.#load(mod) : null
  }

  #load(mod: object) {
    const dp = Math.ceil(this.#dim / 8) * 8
    const n = this.#n
    const u = n * dp * 4
    const out = u + dp * 4
    const memory = new wasm!.Memory({ initial: Math.ceil((out + n * 4) / 65536) })
    const padded = new Float32Array(memory.buffer, 0, n * dp)
    for (let j = 0; j < n; j++) padded.set(this.#items.subarray(j * this.#dim, (j + 1) * this.#dim), j * dp)
    return { dots: instantiate(mod, memory).dots as Dots, memory, dp, u, out }
  }

  get usesWasm(): boolean {
    return this.#wasm !== null
  }

  /** The person's score for every item. The array is reused: read it before the next call. */
  scores(personRow: number): Float32Array {
    const d = this.#dim
    const row = this.#people.subarray(personRow * d, (personRow + 1) * d)
    const w = this.#wasm
    if (w) {
      new Float32Array(w.memory.buffer, w.u, w.dp).set(row)
      w.dots(0, this.#n, w.dp, w.u, w.out)
      return new Float32Array(w.memory.buffer, w.out, this.#n)
    }
    const out = new Float32Array(this.#n)
    for (let j = 0; j < this.#n; j++) {
      let s = 0
      for (let k = 0; k < d; k++) s += row[k]! * this.#items[j * d + k]!
      out[j] = s
    }
    return out
  }
}
