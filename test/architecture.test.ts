/**
 * Keeps the module map in ARCHITECTURE.md true: a module imports only modules listed before it,
 * and only through their index.ts.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'

const src = path.resolve(import.meta.dirname, '../src')
/** Module order: each may import the ones before it. Keep in step with ARCHITECTURE.md. */
const ORDER = ['core', 'storage', 'staff', 'catalog', 'ingest', 'stream', 'hot-state', 'identity', 'profiles', 'models', 'importer', 'evaluation', 'training', 'segments', 'recommend', 'content', 'demo', 'server', 'cli']

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : []
  })
}

describe('module boundaries', () => {
  it('every folder under src/ is a module named in the order table', () => {
    const dirs = fs.readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    for (const d of dirs) assert.ok(ORDER.includes(d), `src/${d} is not in the module order (test/architecture.test.ts, ARCHITECTURE.md)`)
  })

  it('imports go only to earlier modules (tests may use later ones), through their index.ts', () => {
    const problems: string[] = []
    for (const file of files(src)) {
      const from = path.relative(src, file).split(path.sep)[0]!
      const text = fs.readFileSync(file, 'utf8')
      for (const m of text.matchAll(/^(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)) {
        const target = path.resolve(path.dirname(file), m[1]!)
        const rel = path.relative(src, target)
        if (rel.startsWith('..')) continue // package.json and the like
        const to = rel.split(path.sep)[0]!
        if (to === from) continue
        // A module's tests may drive it through later modules (the projector applies the identity graph).
        const isTest = file.endsWith('.test.ts')
        if (!isTest && ORDER.indexOf(to) >= ORDER.indexOf(from)) problems.push(`${path.relative(src, file)} imports later module ${to}`)
        if (rel !== path.join(to, 'index.ts')) problems.push(`${path.relative(src, file)} imports ${rel}; use ${to}/index.ts`)
      }
    }
    assert.deepEqual(problems, [])
  })
})
