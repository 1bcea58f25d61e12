/**
 * iALS's per-row linear algebra as WebAssembly SIMD (f64x2), ~4× the plain-JS loops; als.ts runs the
 * conjugate-gradient steps and calls these through `WasmRowOps`. Two functions, addresses in bytes,
 * vectors of `fp` doubles (the factor count padded to a multiple of 4, padding zero):
 *   axpys(ys, coef, count, fp, out):             out += Σ_q coef[q] · ys_q      (ys_q = row q of ys)
 *   proj(base, idx, c0, c1, count, fp, v, out):  out += Σ_q (c0[q] + c1[q] · (y_q · v)) · y_q
 * where y_q is row idx[q] (i32) of the factor matrix at `base`, so a person's items are read in place
 * instead of gathered. Each thread has its own (unshared) memory holding a copy of the other side's
 * factors for the half-sweep.
 */
import type { RowOps } from './als.ts'
import {
  ADD, BLOCK, BR, BR_IF, compileOnce, EMPTY, END, F64, F64_ADD, F64_MUL, F64X2_SPLAT, f64load, get, I32, I32_ADD,
  I32_EQZ, I32_MUL, I32_SHL, I32_SHR_U, I32_SUB, i32, i32load, instantiate, lane, load, LOOP, moduleBytes, MUL, set,
  splat, store, tee, V128, wasm, type WasmMemory, zero,
} from './wasm-asm.ts'

type Emit = (...parts: number[][]) => void

/** out[0..fp) += t · y[0..fp), two doubles at a time; advances the y local past the row. */
function emitAxpy(e: Emit, y: number, out: number, o: number, k: number, t: number, fp: number): void {
  e(get(out), set(o), get(fp), i32(1), [I32_SHR_U], set(k)) // k = fp / 2
  e([LOOP, EMPTY])
  e(get(o), get(o), load(0), get(t), get(y), load(0), MUL, ADD, store(0))
  e(get(o), i32(16), [I32_ADD], set(o), get(y), i32(16), [I32_ADD], set(y))
  e(get(k), i32(1), [I32_SUB], tee(k), [BR_IF, 0, END])
}

function axpysBody(): number[] {
  // params 0 ys, 1 coef, 2 count, 3 fp, 4 out; i32 locals 5 y, 6 o, 7 k; v128 local 8 t
  const YS = 0, COEF = 1, COUNT = 2, FP = 3, OUT = 4, Y = 5, O = 6, K = 7, T = 8
  const b: number[] = []
  const e: Emit = (...parts) => parts.forEach((p) => b.push(...p))
  e(get(YS), set(Y), [BLOCK, EMPTY, LOOP, EMPTY])
  e(get(COUNT), [I32_EQZ, BR_IF, 1])
  e(get(COEF), splat(0), set(T))
  emitAxpy(e, Y, OUT, O, K, T, FP)
  e(get(COEF), i32(8), [I32_ADD], set(COEF), get(COUNT), i32(1), [I32_SUB], set(COUNT), [BR, 0, END, END])
  return b
}

function projBody(): number[] {
  // params 0 base, 1 idx, 2 c0, 3 c1, 4 count, 5 fp, 6 v, 7 out; i32 locals 8 y, 9 vv, 10 k, 11 o, 12 row;
  // f64 local 13 d; v128 locals 14 a0, 15 a1, 16 t
  const BASE = 0, IDX = 1, C0 = 2, C1 = 3, COUNT = 4, FP = 5, V = 6, OUT = 7, Y = 8, VV = 9, K = 10, O = 11, ROW = 12
  const D = 13, A0 = 14, A1 = 15, T = 16
  const b: number[] = []
  const e: Emit = (...parts) => parts.forEach((p) => b.push(...p))
  e([BLOCK, EMPTY, LOOP, EMPTY])
  e(get(COUNT), [I32_EQZ, BR_IF, 1])
  // row = base + idx[q] · fp · 8
  e(get(BASE), get(IDX), i32load(0), get(FP), [I32_MUL], i32(3), [I32_SHL, I32_ADD], set(ROW))
  // d = y_q · v, four doubles a step in two accumulators
  e(zero, set(A0), zero, set(A1), get(ROW), set(Y), get(V), set(VV), get(FP), i32(2), [I32_SHR_U], set(K))
  e([LOOP, EMPTY])
  e(get(A0), get(Y), load(0), get(VV), load(0), MUL, ADD, set(A0))
  e(get(A1), get(Y), load(16), get(VV), load(16), MUL, ADD, set(A1))
  e(get(Y), i32(32), [I32_ADD], set(Y), get(VV), i32(32), [I32_ADD], set(VV))
  e(get(K), i32(1), [I32_SUB], tee(K), [BR_IF, 0, END])
  e(get(A0), get(A1), ADD, tee(A0), lane(0), get(A0), lane(1), [F64_ADD], set(D))
  // t = c0[q] + c1[q] · d, then out += t · y_q
  e(get(C0), f64load(0), get(C1), f64load(0), get(D), [F64_MUL, F64_ADD], F64X2_SPLAT, set(T))
  e(get(ROW), set(Y))
  emitAxpy(e, Y, OUT, O, K, T, FP)
  e(get(IDX), i32(4), [I32_ADD], set(IDX), get(C0), i32(8), [I32_ADD], set(C0), get(C1), i32(8), [I32_ADD], set(C1))
  e(get(COUNT), i32(1), [I32_SUB], set(COUNT), [BR, 0, END, END])
  return b
}

const alsModule = compileOnce(() =>
  moduleBytes(
    [
      { name: 'axpys', params: 5, locals: [[3, I32], [1, V128]], body: axpysBody() },
      { name: 'proj', params: 8, locals: [[5, I32], [1, F64], [3, V128]], body: projBody() },
    ],
    false,
  ),
)

/** Whether these kernels can run here. */
export function alsWasmAvailable(): boolean {
  return alsModule() !== null
}

type Axpys = (ys: number, coef: number, count: number, fp: number, out: number) => void
type Proj = (base: number, idx: number, c0: number, c1: number, count: number, fp: number, v: number, out: number) => void

/** This thread's instance and memory, grown as needed (views must be taken after `reserve`). */
class Kernels {
  private static current: Kernels | undefined
  readonly axpys: Axpys
  readonly proj: Proj
  private readonly memory: WasmMemory

  private constructor() {
    this.memory = new wasm!.Memory({ initial: 1 })
    const exports = instantiate(alsModule()!, this.memory)
    this.axpys = exports.axpys as Axpys
    this.proj = exports.proj as Proj
  }

  static get(): Kernels {
    return (Kernels.current ??= new Kernels())
  }

  /** The memory as doubles, at least `doubles` long. */
  reserve(doubles: number): Float64Array {
    const need = Math.ceil((doubles * 8) / 65536) - this.memory.buffer.byteLength / 65536
    if (need > 0) this.memory.grow(need)
    return new Float64Array(this.memory.buffer)
  }

  int32(): Int32Array {
    return new Int32Array(this.memory.buffer)
  }
}

const pad4 = (f: number) => Math.ceil(f / 4) * 4

/**
 * Rows [lo, hi) of G = Y'Y (Y: count × f) in full: row a is Σ_k Y[k][a] · Y_k, one axpys over the
 * factor rows with column a as the coefficients.
 */
export function gramRowsWasm(y: Float64Array, count: number, f: number, g: Float64Array, lo: number, hi: number): void {
  const fp = pad4(f)
  const k = Kernels.get()
  const at = { ys: 0, coef: count * fp, out: count * fp + count }
  const mem = k.reserve(at.out + fp)
  mem.fill(0, 0, at.out + fp)
  for (let i = 0; i < count; i++) mem.set(y.subarray(i * f, (i + 1) * f), i * fp)
  for (let a = lo; a < hi; a++) {
    for (let i = 0; i < count; i++) mem[at.coef + i] = y[i * f + a]!
    mem.fill(0, at.out, at.out + fp)
    k.axpys(at.ys * 8, at.coef * 8, count, fp, at.out * 8)
    g.set(mem.subarray(at.out, at.out + f), a * f)
  }
}

/**
 * RowOps on this thread's wasm memory: G (fp×fp), the CG vectors x, r, p, ap (views into that memory,
 * so the kernels read them in place), a row's item indices and coefficient columns, and the other
 * side's factors.
 */
export class WasmRowOps implements RowOps {
  readonly x: Float64Array
  readonly r: Float64Array
  readonly p: Float64Array
  readonly ap: Float64Array
  private readonly tmp: Float64Array
  private readonly mem: Float64Array
  private readonly idx: Int32Array
  private readonly fp: number
  private readonly k: Kernels
  private readonly at: Record<'g' | 'x' | 'r' | 'p' | 'ap' | 'tmp' | 'cb' | 'cn' | 'cw' | 'cz' | 'idx' | 'other', number>
  private count = 0

  /** `other`: the fixed side's factors (rows × f); `maxCount`: the longest row that will be loaded. */
  constructor(
    private readonly f: number,
    private readonly reg: number,
    gram: Float64Array,
    other: Float64Array,
    maxCount: number,
  ) {
    const fp = pad4(f)
    this.fp = fp
    const cap = Math.max(2, maxCount + (maxCount % 2)) // even, so the i32 indices end on a double
    const rows = other.length / f
    // Offsets in doubles: G, five vectors, four coefficient columns, the indices, the other factors.
    const sizes = [fp * fp, fp, fp, fp, fp, fp, cap, cap, cap, cap, cap / 2, rows * fp]
    const names = ['g', 'x', 'r', 'p', 'ap', 'tmp', 'cb', 'cn', 'cw', 'cz', 'idx', 'other'] as const
    let total = 0
    const at = {} as Record<(typeof names)[number], number>
    names.forEach((n, i) => {
      at[n] = total
      total += sizes[i]!
    })
    this.at = at
    this.k = Kernels.get()
    this.mem = this.k.reserve(total)
    this.idx = this.k.int32()
    this.mem.fill(0, 0, total)
    for (let a = 0; a < f; a++) this.mem.set(gram.subarray(a * f, (a + 1) * f), at.g + a * fp)
    for (let j = 0; j < rows; j++) this.mem.set(other.subarray(j * f, (j + 1) * f), at.other + j * fp)
    const view = (start: number) => this.mem.subarray(start, start + f)
    this.x = view(at.x)
    this.r = view(at.r)
    this.p = view(at.p)
    this.ap = view(at.ap)
    this.tmp = view(at.tmp)
  }

  load(_other: Float64Array, indices: Int32Array, values: Float32Array, start: number, end: number, alpha: number): void {
    const { mem, at } = this
    this.count = end - start
    this.idx.set(indices.subarray(start, end), at.idx * 2)
    for (let q = 0; q < this.count; q++) {
      const w = alpha * values[start + q]! // c - 1
      mem[at.cb + q] = 1 + w
      mem[at.cn + q] = -w
      mem[at.cw + q] = w
    }
  }

  /** r = Σ_q (c - (c-1) y_q·x) y_q - (G + reg I) x */
  residual(): void {
    const { at, fp } = this
    this.r.fill(0)
    this.k.proj(at.other * 8, at.idx * 8, at.cb * 8, at.cn * 8, this.count, fp, at.x * 8, at.r * 8)
    this.gramTimes(at.x, this.x)
    for (let k = 0; k < this.f; k++) this.r[k]! -= this.tmp[k]!
  }

  /** ap = (G + reg I) p + Σ_q (c-1)(y_q·p) y_q */
  applyA(): void {
    const { at, fp } = this
    this.gramTimes(at.p, this.p)
    this.ap.set(this.tmp)
    this.k.proj(at.other * 8, at.idx * 8, at.cz * 8, at.cw * 8, this.count, fp, at.p * 8, at.ap * 8)
  }

  /** tmp = (G + reg I) v, G symmetric: Σ_c v[c] · G row c. */
  private gramTimes(vAt: number, v: Float64Array): void {
    const { at, f, fp } = this
    this.tmp.fill(0)
    this.k.axpys(at.g * 8, vAt * 8, f, fp, at.tmp * 8)
    for (let k = 0; k < f; k++) this.tmp[k]! += this.reg * v[k]!
  }
}
