/** The order scripts/run-tests.mjs starts test files in: untimed first, then longest first. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
// @ts-expect-error: a plain .mjs script (run by node without tsx) has no type declarations
import { orderFiles } from '../scripts/test-order.mjs'

const order = orderFiles as (files: string[], durations: Record<string, number>, sizeOf: (f: string) => number) => string[]

/** When the last of `workers` workers, each taking the next file of `files` when free, finishes. */
function makespan(files: string[], seconds: Record<string, number>, workers: number): number {
  const free = Array.from({ length: workers }, () => 0)
  for (const f of files) {
    const w = free.indexOf(Math.min(...free))
    free[w]! += seconds[f]!
  }
  return Math.max(...free)
}

describe('test file order', () => {
  it('starts the longest files first, so two workers finish together', () => {
    const seconds = { 'src/a.test.ts': 10, 'src/b.test.ts': 12, 'src/c.test.ts': 9, 'test/e2e/slow.test.ts': 240, 'test/e2e/z.test.ts': 200 }
    const files = Object.keys(seconds).sort()
    const ordered = order(files, seconds, () => 1000)
    assert.deepEqual(ordered, ['test/e2e/slow.test.ts', 'test/e2e/z.test.ts', 'src/b.test.ts', 'src/a.test.ts', 'src/c.test.ts'])
    assert.ok(makespan(ordered, seconds, 2) < makespan(files, seconds, 2))
  })

  it('runs files never timed first, browser and integration tests before small unit tests', () => {
    const sizes: Record<string, number> = { 'src/unit.test.ts': 3000, 'test/e2e/browser-x.test.ts': 2000, 'test/e2e/api.test.ts': 2000, 'src/known.test.ts': 100 }
    const ordered = order(Object.keys(sizes), { 'src/known.test.ts': 50 }, (f) => sizes[f]!)
    assert.deepEqual(ordered, ['test/e2e/browser-x.test.ts', 'test/e2e/api.test.ts', 'src/unit.test.ts', 'src/known.test.ts'])
  })
})
