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

  it('gives every package a version and an integrity hash', () => {
    assert.ok(packages.length > 0)
    const incomplete = packages.filter((p) => !/^\d+\.\d+\.\d+/.test(p.version ?? '') || !/^sha(512|384|256)-[A-Za-z0-9+/]+={0,2}$/.test(p.integrity ?? ''))
    assert.deepEqual(incomplete.map((p) => p.where), [])
  })

  it('has only licences in the allow-list', () => {
    const refused = packages
      .filter((p) => {
        const license = REVIEWED[`${p.name}@${p.version}`] ?? p.license
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
