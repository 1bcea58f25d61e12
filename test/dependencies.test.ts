/**
 * The dependency check that runs offline (`npm audit` needs the registry's advisory endpoint): from
 * package-lock.json alone, every package has a version and an integrity hash, its licence is within the
 * allow-list below (SPDX expressions such as "(MIT OR Apache-2.0)" are evaluated), and
 * docs/dependencies.md lists exactly what the lock holds.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import { lockedPackages, readLock, renderSummary, REVIEWED, SUMMARY } from '../scripts/dependencies.ts'

/** Permissive licences: using, changing and shipping the code needs at most a notice. */
const ALLOWED = new Set(['MIT', 'MIT-0', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'BlueOak-1.0.0', 'CC0-1.0', 'Python-2.0', 'Unlicense', 'Zlib', 'CC-BY-4.0'])

/**
 * MPL-2.0 is copyleft per file: fine for tools used unchanged that put none of their files into what we ship
 * (Vite's CSS minifier runs at build time; axe-core is injected only into the test browser).
 */
const MPL_TOOLS = /^(axe-core|lightningcss(-[a-z0-9-]+)?)$/

/**
 * Whether an SPDX licence expression is satisfied by the allowed licences: OR needs one side, AND both,
 * parentheses group, "X WITH exception" counts as X, "X+" (or later) as X.
 */
function spdxAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? []
  let at = 0
  const fail = (why: string): never => {
    throw new Error(`"${expression}" is not an SPDX expression: ${why}`)
  }
  const atom = (): boolean => {
    const token = tokens[at++] ?? fail('it ends too early')
    if (token === '(') {
      const value = or()
      if (tokens[at++] !== ')') fail('a parenthesis is not closed')
      return value
    }
    if (['AND', 'OR', 'WITH', ')'].includes(token)) fail(`"${token}" where a licence belongs`)
    if (tokens[at] === 'WITH') at += 2
    return allowed.has(token.replace(/\+$/, ''))
  }
  const and = (): boolean => {
    let value = atom()
    while (tokens[at] === 'AND') {
      at++
      value = atom() && value
    }
    return value
  }
  const or = (): boolean => {
    let value = and()
    while (tokens[at] === 'OR') {
      at++
      value = and() || value
    }
    return value
  }
  const value = or()
  if (at !== tokens.length) fail(`unexpected "${tokens[at]}"`)
  return value
}

type Version = [number, number, number]

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

/**
 * Whether `version` satisfies an npm `engines` range, in the forms npm packages write them: `||`
 * alternatives of space-separated comparators (>=, >, <=, <, =, ^, ~, or none), partial and wildcard
 * versions ("20", "22.x", "10.*", "*"). Enough for engines fields, not a general semver.
 */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter((c) => c !== '')
    return comparators.every((comparator) => {
      const m = /^(>=|<=|>|<|=|\^|~)?v?(\*|x|\d+)(?:\.(\*|x|\d+))?(?:\.(\*|x|\d+))?$/.exec(comparator)
      if (!m) throw new Error(`cannot read the engines range "${range}"`)
      const parts = [m[2], m[3], m[4]].map((p) => (p === undefined || p === '*' || p === 'x' ? null : Number(p)))
      const given = parts.findIndex((p) => p === null)
      const fixed = given === -1 ? 3 : given // how many leading parts are numbers
      const low = parts.map((p) => p ?? 0) as Version
      // The first version above a partial one: 22 -> 23.0.0, 22.4 -> 22.5.0.
      const above = (n: number): Version => (n === 0 ? [Infinity, 0, 0] : ([...low.slice(0, n - 1), low[n - 1]! + 1, 0, 0].slice(0, 3) as Version))
      const c = compare(version, low)
      switch (m[1]) {
        case '>=': return c >= 0
        case '>': return fixed === 3 ? c > 0 : compare(version, above(fixed)) >= 0
        case '<': return c < 0
        case '<=': return fixed === 3 ? c <= 0 : compare(version, above(fixed)) < 0
        case '^': return c >= 0 && compare(version, above(low[0] !== 0 || fixed === 1 ? 1 : low[1] !== 0 || fixed === 2 ? 2 : 3)) < 0
        case '~': return c >= 0 && compare(version, above(Math.min(fixed, 2) || 1)) < 0
        default: return fixed === 0 || (c >= 0 && compare(version, above(fixed)) < 0)
      }
    })
  })
}

describe('dependencies (offline, from package-lock.json)', () => {
  const lock = readLock()
  const packages = lockedPackages(lock)

  it('evaluates SPDX expressions', () => {
    const allowed = new Set(['MIT', 'Apache-2.0', 'BSD-3-Clause'])
    assert.equal(spdxAllowed('MIT', allowed), true)
    assert.equal(spdxAllowed('GPL-3.0-only', allowed), false)
    assert.equal(spdxAllowed('(MIT OR GPL-3.0-only)', allowed), true)
    assert.equal(spdxAllowed('(MIT AND GPL-3.0-only)', allowed), false)
    assert.equal(spdxAllowed('(BSD-3-Clause AND (MIT OR GPL-2.0))', allowed), true)
    assert.equal(spdxAllowed('Apache-2.0 WITH LLVM-exception', allowed), true)
    assert.equal(spdxAllowed('GPL-2.0+ OR Apache-2.0+', allowed), true)
    assert.throws(() => spdxAllowed('(MIT OR', allowed), /not an SPDX expression/)
    assert.throws(() => spdxAllowed('MIT Apache-2.0', allowed), /not an SPDX expression/)
  })

  it('reads engines ranges', () => {
    const v = (text: string) => text.split('.').map(Number) as Version
    const cases: [string, string, boolean][] = [
      ['>=22', '20.11.0', false], ['>= 22.x', '20.11.0', false], ['>=18', '20.11.0', true], ['18 || 20 || >=22', '20.11.0', true],
      ['20.x || 22.x', '20.11.0', true], ['20.x || 22.x', '21.0.0', false], ['^20.19.0 || >=22.12.0', '20.11.0', false],
      ['^20.19.0 || >=22.12.0', '20.19.1', true], ['~20.11.0', '20.11.5', true], ['~20.11.0', '20.12.0', false], ['10.* || >= 12.*', '20.11.0', true],
      ['<20', '20.0.0', false], ['<=20', '20.11.0', true], ['>20', '20.11.0', false], ['*', '20.11.0', true], ['>=16 || 14 >=14.17', '14.18.0', true],
    ]
    for (const [range, version, expected] of cases) assert.equal(satisfies(v(version), range), expected, `${version} in "${range}"`)
  })

  it("installs without engine warnings on the oldest Node that package.json allows", () => {
    const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node)
    assert.ok(floor, 'package.json engines.node is ">=X.Y"')
    const oldest: Version = [Number(floor[1]), Number(floor[2]), Number(floor[3] ?? 0)]
    const lockEntries = lock.packages as Record<string, { engines?: { node?: string } | string[] }>
    const refusing = Object.entries(lockEntries)
      .filter(([where, entry]) => where !== '' && !Array.isArray(entry.engines) && entry.engines?.node !== undefined && !satisfies(oldest, entry.engines.node))
      .map(([where, entry]) => `${where}: ${(entry.engines as { node: string }).node}`)
    assert.deepEqual(refusing, [], `packages that want a newer Node than ${oldest.join('.')} (npm warns EBADENGINE; pin an older release with package.json overrides)`)
  })

  it('gives every package a version and an integrity hash', () => {
    assert.ok(packages.length > 0)
    const incomplete = packages.filter((p) => !/^\d+\.\d+\.\d+/.test(p.version ?? '') || !/^sha(512|384|256)-[A-Za-z0-9+/]+={0,2}$/.test(p.integrity ?? ''))
    assert.deepEqual(incomplete.map((p) => p.where), [])
  })

  it('has only licences in the allow-list', () => {
    const refused = packages
      .filter((p) => {
        const license = REVIEWED[`${p.name}@${p.version}`] ?? p.license
        if (license === 'MPL-2.0' && MPL_TOOLS.test(p.name)) return false
        return license === undefined || !spdxAllowed(license, ALLOWED)
      })
      .map((p) => `${p.name}@${p.version}: ${p.license ?? 'no licence'}`)
    assert.deepEqual(refused, [], 'licences outside the allow-list (read the package and extend ALLOWED, or REVIEWED in scripts/dependencies.ts, only if it is permissive)')
  })

  it('docs/dependencies.md is what scripts/dependencies.ts makes of the lock file', () => {
    const committed = fs.existsSync(SUMMARY) ? fs.readFileSync(SUMMARY, 'utf8') : ''
    assert.ok(committed === renderSummary(lock), 'docs/dependencies.md is out of date: run `npx tsx scripts/dependencies.ts` and commit it')
  })
})
