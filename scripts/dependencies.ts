// Writes docs/dependencies.md: every package in package-lock.json with its version and licence, from
// the lock file alone (offline). test/dependencies.test.ts fails when the file is out of date and checks
// the licences against its allow-list.
// Usage: npx tsx scripts/dependencies.ts          (rewrites docs/dependencies.md)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SUMMARY = path.join(ROOT, 'docs', 'dependencies.md')

/**
 * The installed packages of a lock file (v2/v3 `packages`): name, version, licence, integrity, and
 * whether only development needs it. Links (workspaces) and the root are left out.
 */
/**
 * Packages whose package.json says "SEE LICENSE IN LICENSE": their LICENSE file was read, and is the
 * licence given here. Keyed by version, so a new version is read again.
 */
export const REVIEWED: Readonly<Record<string, string>> = {
  '@segment/facade@3.4.10': 'MIT',
  '@segment/isodate@1.0.3': 'MIT',
  '@segment/isodate-traverse@1.1.1': 'MIT',
  'new-date@1.0.3': 'MIT',
}

export interface LockedPackage {
  name: string
  /** Its folder in node_modules, e.g. node_modules/a/node_modules/b. */
  where: string
  version: string | undefined
  license: string | undefined
  integrity: string | undefined
  dev: boolean
  optional: boolean
}

interface LockEntry {
  name?: string
  version?: string
  license?: string | { type?: string }
  integrity?: string
  link?: boolean
  dev?: boolean
  devOptional?: boolean
  optional?: boolean
}

export interface LockFile {
  packages?: Record<string, LockEntry>
}

export function lockedPackages(lock: LockFile): LockedPackage[] {
  return Object.entries(lock.packages ?? {})
    .filter(([where, entry]) => where !== '' && !entry.link)
    .map(([where, entry]) => ({
      name: entry.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length),
      where,
      version: entry.version,
      license: typeof entry.license === 'string' ? entry.license : entry.license?.type,
      integrity: entry.integrity,
      dev: entry.dev === true || entry.devOptional === true,
      optional: entry.optional === true,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.where < b.where ? -1 : a.where > b.where ? 1 : 0))
}

export function readLock(): LockFile {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'))
}

const cell = (text: string | undefined) => String(text ?? '—').replaceAll('|', '\\|')

/** The Markdown of docs/dependencies.md. */
export function renderSummary(lock: LockFile): string {
  const packages = lockedPackages(lock)
  const counts = new Map<string | undefined, number>()
  const licence = (p: LockedPackage) => {
    const read = REVIEWED[`${p.name}@${p.version}`]
    return read ? `${read} (its LICENSE file)` : p.license
  }
  for (const p of packages) counts.set(licence(p), (counts.get(licence(p)) ?? 0) + 1)
  const table = (list: LockedPackage[]) => [
    '| package | version | licence |',
    '|---|---|---|',
    ...list.map((p) => `| ${cell(p.name)}${p.optional ? ' (optional)' : ''} | ${cell(p.version)} | ${cell(licence(p))} |`),
  ]
  const runtime = packages.filter((p) => !p.dev)
  const dev = packages.filter((p) => p.dev)
  return [
    '# Dependencies',
    '',
    'Generated from `package-lock.json` by `npx tsx scripts/dependencies.ts`; `test/dependencies.test.ts` fails when',
    'this page is out of date, when a licence is outside its allow-list, and when a package lacks a version or an',
    'integrity hash. How to audit for advisories where the registry allows it: [deployment.md](deployment.md#dependencies).',
    '',
    `${packages.length} packages: ${runtime.length} needed at run time, ${dev.length} only for development and tests.`,
    '',
    '| licence | packages |',
    '|---|---|',
    ...[...counts].sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1)).map(([license, n]) => `| ${cell(license)} | ${n} |`),
    '',
    '## Run time',
    '',
    ...table(runtime),
    '',
    '## Development and tests',
    '',
    ...table(dev),
    '',
  ].join('\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(SUMMARY, renderSummary(readLock()))
  console.log(`wrote ${path.relative(ROOT, SUMMARY)}`)
}
