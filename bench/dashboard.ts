/**
 * The dashboard bench: the initial bundle's size (gzip) and each page's load time on the demo data, as a
 * newcomer gets them from `npm start`.
 *
 * Starts `bin/attune.mjs serve --demo` (the default demo: 1,500 people, 240 items, 45 days) on a fresh data
 * dir with a known admin password, signs in with Debian's Chromium, and for every page in the navigation
 * loads /dashboard/<page> from scratch `--repeat` times (a new tab, the session cookie set, caches warm after
 * the first), timing from navigation start until the page marks its data shown (`data-ready="true"`).
 * Goals (issue 13): initial JS under 250 KB gzip; every page interactive under 1 s.
 *
 * Usage: npx tsx bench/dashboard.ts [--repeat 5] [--dry]   (writes the "dashboard" section of bench/RESULTS.md)
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { freePort, ROOT } from './harness.ts'
import { f0, machine, writeResults } from './ingest-report.ts'

const { values: args } = parseArgs({ options: { repeat: { type: 'string', default: '5' }, dry: { type: 'boolean', default: false } } })
const REPEAT = Number(args.repeat)
const ADMIN = { email: 'bench-admin@example.com', password: 'bench dashboard password' }
const log = (s: string) => process.stdout.write(s)

execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/build-dashboard.ts')], { stdio: 'inherit', cwd: ROOT })
const dist = path.join(ROOT, 'dashboard/dist')
const index = fs.readFileSync(path.join(dist, 'index.html'), 'utf8')
const initial = [...index.matchAll(/(?:src|href)="\/dashboard\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
const sizes = initial.map((file) => {
  const bytes = fs.readFileSync(path.join(dist, file))
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
})
const jsGzip = sizes.filter((s) => s.file.endsWith('.js')).reduce((n, s) => n + s.gzip, 0)

const port = await freePort()
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-bench-dashboard-'))
const started = performance.now()
const child = spawn(process.execPath, [path.join(ROOT, 'bin/attune.mjs'), 'serve', '--demo', '--port', String(port), '--host', '127.0.0.1'], {
  cwd: ROOT,
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ATTUNE_DATA_DIR: dataDir, ATTUNE_LOG_LEVEL: 'warn', ATTUNE_ADMIN_EMAIL: ADMIN.email, ATTUNE_ADMIN_PASSWORD: ADMIN.password },
  stdio: ['ignore', 'pipe', 'pipe'],
})
child.stdout.resume()
child.stderr.resume()
const base = `http://127.0.0.1:${port}`
for (;;) {
  if (child.exitCode !== null) throw new Error(`attune serve exited with ${child.exitCode}`)
  try {
    if ((await fetch(`${base}/readyz`)).ok) break
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 250))
}
const loadSeconds = (performance.now() - started) / 1000
log(`demo engine ready in ${loadSeconds.toFixed(1)} s\n`)

const browser = await chromium.launch({ executablePath: process.env.ATTUNE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
const rows: { page: string; path: string; times: number[] }[] = []
try {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${base}/dashboard/`)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('section.page[data-ready="true"]').waitFor({ timeout: 30_000 })
  const links = await page.locator('nav[aria-label="Dashboard"] ul a').evaluateAll((as) => as.map((a) => [a.textContent ?? '', a.getAttribute('href') ?? '']))
  await page.close()
  for (const [name, href] of links) {
    const times: number[] = []
    for (let i = 0; i < REPEAT; i++) {
      const tab = await context.newPage()
      await tab.goto(`${base}${href}`, { waitUntil: 'commit' })
      await tab.locator('section.page[data-ready="true"]').waitFor({ timeout: 30_000 })
      // From the navigation's start (the page's time origin) to the moment its data is shown.
      times.push(await tab.evaluate('performance.now()'))
      await tab.close()
    }
    rows.push({ page: name!, path: href!, times })
    log(`${name}: ${times.map((t) => t.toFixed(0)).join(', ')} ms\n`)
  }
} finally {
  await browser.close()
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  fs.rmSync(dataDir, { recursive: true, force: true })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const m = machine()
const slowest = Math.max(...rows.map((r) => Math.max(...r.times)))
const section = [
  '## Dashboard: bundle size and page load times',
  '',
  `- Command: \`npx tsx bench/dashboard.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` (\`npm run bench:dashboard\`).`,
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}; Debian's Chromium on the same cores.`,
  `- Engine: \`bin/attune.mjs serve --demo\` on a fresh data dir (the default demo, loaded and trained in ${loadSeconds.toFixed(0)} s before listening), SQLite, embedded worker.`,
  `- Load time: a new tab per load with the session cookie (HTTP cache warm after the first load), from navigation start to the page's \`data-ready="true"\` (its data drawn), ${REPEAT} loads per page.`,
  `- Goals (issue 13): initial JS under 250 KB gzip: **${jsGzip < 250 * 1024 ? 'met' : 'not met'}** (${f0(jsGzip / 1024)} KB); every page interactive under 1 s: **${slowest < 1000 ? 'met' : 'not met'}** (slowest load ${f0(slowest)} ms).`,
  '',
  '| initial file | raw KB | gzip KB |',
  '|---|---:|---:|',
  ...sizes.map((s) => `| ${s.file.replace(/-[\w-]{8}\./, '-[hash].')} | ${f0(s.raw / 1024)} | ${f0(s.gzip / 1024)} |`),
  '',
  '| page | path | median ms | slowest ms |',
  '|---|---|---:|---:|',
  ...rows.map((r) => `| ${r.page} | \`${r.path}\` | ${f0(median(r.times))} | ${f0(Math.max(...r.times))} |`),
].join('\n')
log(`\n${section}\n`)
if (!args.dry) writeResults(section, 'dashboard')
