/**
 * Just enough of a WebAssembly assembler to hand-write the few SIMD kernels here (tile-wasm.ts,
 * als-wasm.ts): LEB128 numbers, the opcodes they use, and a module of one-memory-import functions.
 * Opcodes follow the WebAssembly core and fixed-width SIMD specifications.
 */

export const uleb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}
export const sleb = (n: number): number[] => {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b]
    out.push(b | 0x80)
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => vec([...Buffer.from(s)].map((b) => [b]))

export const I32 = 0x7f
export const F64 = 0x7c
export const V128 = 0x7b
export const EMPTY = 0x40
export const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d
export const I32_EQZ = 0x45, I32_EQ = 0x46, I32_GE_S = 0x4e, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c
export const I32_SHL = 0x74, I32_SHR_U = 0x76
export const F64_ADD = 0xa0, F64_MUL = 0xa2
export const get = (i: number) => [0x20, ...uleb(i)]
export const set = (i: number) => [0x21, ...uleb(i)]
export const tee = (i: number) => [0x22, ...uleb(i)]
export const i32 = (v: number) => [0x41, ...sleb(v)]
export const i32load = (offset: number) => [0x28, 2, ...uleb(offset)]
export const f64load = (offset: number) => [0x2b, 3, ...uleb(offset)]
const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest]
export const load = (offset: number) => simd(0x00, 4, ...uleb(offset)) // v128.load
export const splat = (offset: number) => simd(0x0a, 3, ...uleb(offset)) // v128.load64_splat
export const store = (offset: number) => simd(0x0b, 4, ...uleb(offset)) // v128.store
export const zero = simd(0x0c, ...new Array<number>(16).fill(0)) // v128.const 0
export const F64X2_SPLAT = simd(0x14)
export const lane = (i: number) => simd(0x21, i) // f64x2.extract_lane
export const ADD = simd(0xf0), SUB = simd(0xf1), MUL = simd(0xf2) // f64x2.add / sub / mul

export interface WasmFunction {
  name: string
  /** Number of i32 parameters (every parameter here is an i32: addresses and counts). */
  params: number
  /** Extra locals as [count, type] runs. */
  locals: [number, number][]
  body: number[]
}

/** A module importing "env" "memory" (shared or not) and exporting the functions. */
export function moduleBytes(functions: WasmFunction[], sharedMemory: boolean): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(new Array(f.params).fill([I32])), 0])
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)]
  const codes = functions.map((f) => {
    const code = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body, END]
    return [...uleb(code.length), ...code]
  })
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ])
}

/** The little of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory
}
export const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

/** Compiles once; null where WebAssembly (or its SIMD) is unavailable. */
export function compileOnce(build: () => Uint8Array): () => object | null {
  let compiled: object | null | undefined
  return () => {
    if (compiled === undefined) {
      const bytes = build()
      compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null
    }
    return compiled
  }
}

/** The exports of `module` instantiated on `memory`. */
export function instantiate(module: object, memory: WasmMemory): Record<string, unknown> {
  if (!wasm) throw new Error('WebAssembly is not available')
  return new wasm.Instance(module, { env: { memory } }).exports
}
