// Builds the dashboard (dashboard/ → dashboard/dist) with Vite, unless the sources are unchanged since the
// last build: `npm start` and `npm test` run this first, so a fresh clone gets a built dashboard and an
// unchanged one starts at once. Usage: tsx scripts/build-dashboard.ts [--force]
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { build } from 'vite'

const root = path.resolve(import.meta.dirname, '..')
const dashboard = path.join(root, 'dashboard')
const dist = path.join(dashboard, 'dist')
const stamp = path.join(dist, '.sources-hash')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(full)
    return [full]
  })
}

function sourcesHash(): string {
  const hash = createHash('sha256')
  for (const file of [...files(dashboard), path.join(root, 'package-lock.json')].sort()) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

const wanted = sourcesHash()
if (!process.argv.includes('--force') && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(path.join(dist, 'index.html'))) {
  process.exit(0)
}
const started = Date.now()
await build({ configFile: path.join(dashboard, 'vite.config.ts'), logLevel: 'warn' })
writeFileSync(stamp, wanted)
const size = files(dist).reduce((sum, f) => sum + statSync(f).size, 0)
console.log(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s (${(size / 1024).toFixed(0)} KB in dashboard/dist)`)
