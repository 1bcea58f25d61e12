/**
 * The one hot loop of the dense inverse, C -= X Y' on 4×4 register tiles, as a hand-assembled
 * WebAssembly SIMD function (f64x2): about 4× the plain-JS tile on this machine (~19 vs ~5 GFLOP/s a
 * core), because V8 does not vectorise JS and checks every typed-array bound. Plain JS in sweep.ts
 * stays as the fallback and as the reference the tests compare against.
 *
 *   update(x, y, c, ldc, jend, kb, skip0, skip1)      (byte addresses into the module's memory)
 *   for each column block j0 = 0, 4, .. < jend, jumping from skip0 to skip1:
 *     C[r][j0 + s] -= Σ_k X[k*4 + r] · Y[j0*kb + k*4 + s]     r, s < 4; C rows are ldc bytes apart
 * X is four rows packed k-major (4 values per k), Y column blocks packed the same way (sweep.ts layout).
 * The arithmetic order (k ascending, one mul then one add) is the JS tile's, so results are bitwise equal.
 */

import {
  ADD, BLOCK, BR, BR_IF, compileOnce, EMPTY, END, get, I32, I32_ADD, I32_EQ, I32_GE_S, I32_MUL, I32_SHL, I32_SUB, i32, IF,
  instantiate, load, LOOP, moduleBytes, MUL, set, splat, store, SUB, tee, V128, wasm, type WasmMemory, zero,
} from './wasm-asm.ts'

export type { WasmMemory }

function updateBody(): number[] {
  // params 0 x, 1 y, 2 c, 3 ldc, 4 jend, 5 kb, 6 skip0, 7 skip1; i32 locals 8..12; v128 locals 13..26
  const J0 = 8, XP = 9, YP = 10, K = 11, P = 12, ACC = 13, XR = 21, YA = 25, YB = 26
  const b: number[] = []
  const e = (...parts: number[][]) => parts.forEach((p) => b.push(...p))
  e(i32(0), set(J0))
  e([BLOCK, EMPTY, LOOP, EMPTY])
  e(get(J0), get(4), [I32_GE_S, BR_IF, 1]) // done when j0 >= jend
  e(get(J0), get(6), [I32_EQ, IF, EMPTY], get(7), set(J0), [BR, 1, END]) // jump over the pivot block
  for (let a = 0; a < 8; a++) e(zero, set(ACC + a))
  e(get(0), set(XP), get(1), get(J0), get(5), [I32_MUL], i32(3), [I32_SHL, I32_ADD], set(YP), get(5), set(K))
  e([LOOP, EMPTY])
  for (let r = 0; r < 4; r++) e(get(XP), splat(8 * r), set(XR + r))
  e(get(YP), load(0), set(YA), get(YP), load(16), set(YB))
  for (let r = 0; r < 4; r++) {
    e(get(ACC + 2 * r), get(XR + r), get(YA), MUL, ADD, set(ACC + 2 * r))
    e(get(ACC + 2 * r + 1), get(XR + r), get(YB), MUL, ADD, set(ACC + 2 * r + 1))
  }
  e(get(XP), i32(32), [I32_ADD], set(XP), get(YP), i32(32), [I32_ADD], set(YP))
  e(get(K), i32(1), [I32_SUB], tee(K), [BR_IF, 0, END])
  for (let r = 0; r < 4; r++) {
    e(get(2), get(3), i32(r), [I32_MUL, I32_ADD], get(J0), i32(3), [I32_SHL, I32_ADD], set(P))
    e(get(P), get(P), load(0), get(ACC + 2 * r), SUB, store(0))
    e(get(P), get(P), load(16), get(ACC + 2 * r + 1), SUB, store(16))
  }
  e(get(J0), i32(4), [I32_ADD], set(J0), [BR, 0, END, END])
  return b
}

export type TileUpdate = (x: number, y: number, c: number, ldc: number, jend: number, kb: number, skip0: number, skip1: number) => void

const tileModule = compileOnce(() =>
  moduleBytes([{ name: 'update', params: 8, locals: [[5, I32], [14, V128]], body: updateBody() }], true),
)

/** Whether the WebAssembly tile can be used here. */
export function wasmTileAvailable(): boolean {
  return tileModule() !== null
}

const instances = new WeakMap<WasmMemory, TileUpdate>()

/** `update` bound to `memory` (a shared WebAssembly.Memory); one instance per memory and thread. */
export function tileUpdate(memory: WasmMemory): TileUpdate {
  let fn = instances.get(memory)
  if (!fn) {
    const mod = tileModule()
    if (!mod) throw new Error('WebAssembly SIMD is not available')
    fn = instantiate(mod, memory).update as TileUpdate
    instances.set(memory, fn)
  }
  return fn
}

/** Shared wasm memory of at least `bytes` (at most 4 GiB, the wasm32 limit), or null if too big. */
export function sharedMemory(bytes: number): WasmMemory | null {
  const pages = Math.ceil(bytes / 65536)
  if (!wasm || !wasmTileAvailable() || pages > 65536) return null
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true })
}
