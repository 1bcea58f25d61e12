#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner through tsx.
// (Node 20's --test does not search for .ts files itself, and has no glob support.)
// Usage: node scripts/run-tests.mjs [filter]   e.g. `npm test -- ingest` runs files whose path contains "ingest".
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
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

// Browser tests need Debian's Chromium (.ci/run installs it). Elsewhere without it they are left out, loudly.
const chromium = process.env.ATTUNE_CHROMIUM ?? '/usr/bin/chromium'
if (!existsSync(chromium) && !process.env.CI) {
  const browserTests = files.filter((f) => path.basename(f).startsWith('browser-'))
  if (browserTests.length > 0) {
    console.error(`\n*** ${chromium} is missing: leaving out ${browserTests.length} browser test file(s). Install it with \`apt-get install chromium\` (CI does). ***\n`)
    files.splice(0, files.length, ...files.filter((f) => !browserTests.includes(f)))
  }
}

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
