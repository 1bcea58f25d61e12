#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner through tsx, two files at a time.
// (Node 20's --test does not search for .ts files itself, and has no glob support.)
// Usage: node scripts/run-tests.mjs [filter]   e.g. `npm test -- ingest` runs files whose path contains "ingest".
//
// Files start longest first (scripts/test-order.mjs, from the durations of the last run, kept in
// .tmp/test-durations.json, else from scripts/test-durations.json when committed: a clean clone, as in CI,
// has no last run), so the two workers finish together instead of one running a long file alone at the
// end. Each file's output is printed in one piece when it ends; a summary of all files comes last.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { orderFiles, readDurations } from './test-order.mjs'

const root = path.resolve(import.meta.dirname, '..')
const filter = process.argv[2]
const CONCURRENCY = 2
const TIMEOUT_MS = 300_000
const DURATIONS = path.join(root, '.tmp', 'test-durations.json')

function find(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...find(full))
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full)
  }
  return out
}

let files = ['src', 'test']
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
    files = files.filter((f) => !browserTests.includes(f))
  }
}

if (files.length === 0) {
  console.error(`no test files${filter ? ` matching "${filter}"` : ''}`)
  process.exit(1)
}

const durations = { ...readDurations(path.join(root, 'scripts', 'test-durations.json')), ...readDurations(DURATIONS) }
files = orderFiles(files, durations, (f) => statSync(path.join(root, f)).size)
// Children write to a pipe, where Node's runner would pick TAP; on a terminal keep the readable reporter.
const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : []
const args = (file) => ['--import', 'tsx', '--test', `--test-timeout=${TIMEOUT_MS}`, ...reporter, file]

function saveDurations() {
  mkdirSync(path.dirname(DURATIONS), { recursive: true })
  writeFileSync(DURATIONS, `${JSON.stringify(durations, null, 1)}\n`)
}

if (files.length === 1) {
  // One file: its output as it happens.
  const started = Date.now()
  const result = spawnSync(process.execPath, args(files[0]).filter((a) => !a.startsWith('--test-reporter')), { cwd: root, stdio: 'inherit' })
  durations[files[0]] = (Date.now() - started) / 1000
  saveDurations()
  process.exit(result.status ?? 1)
}

const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 }
const failed = []
const started = Date.now()

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, args(file), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks = []
    child.stdout.on('data', (d) => chunks.push(d))
    child.stderr.on('data', (d) => chunks.push(d))
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - t0) / 1000
      const output = Buffer.concat(chunks).toString()
      // The runner's own summary lines: "# pass 3" (TAP) or "ℹ pass 3" (spec).
      for (const [, name, n] of output.matchAll(/^(?:#|ℹ) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) totals[name] += Number(n)
      if (code !== 0) failed.push(file)
      durations[file] = seconds
      process.stdout.write(`\n# ── ${file} (${seconds.toFixed(1)} s${code === 0 ? '' : `, exit ${code ?? signal}`})\n${output}`)
      resolve()
    })
  })
}

let next = 0
async function worker() {
  while (next < files.length) await runFile(files[next++])
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker))
saveDurations()

const wall = ((Date.now() - started) / 1000).toFixed(1)
process.stdout.write(
  `\n# all ${files.length} files in ${wall} s, ${CONCURRENCY} at a time${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n` +
    Object.entries(totals).map(([name, n]) => `# ${name} ${n}`).join('\n') + '\n',
)
process.exit(failed.length === 0 ? 0 : 1)
