#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner through tsx.
// (Node 20's --test does not search for .ts files itself, and has no glob support.)
// Usage: node scripts/run-tests.mjs [filter]   e.g. `npm test -- ingest` runs files whose path contains "ingest".
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const filter = process.argv[2]

function find(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...find(full))
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full)
  }
  return out
}

const files = ['src', 'test']
  .flatMap((d) => find(path.join(root, d)))
  .map((f) => path.relative(root, f))
  .filter((f) => !filter || f.includes(filter))
  .sort()

if (files.length === 0) {
  console.error(`no test files${filter ? ` matching "${filter}"` : ''}`)
  process.exit(1)
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
