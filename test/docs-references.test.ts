/**
 * The user docs and the command's help point only at files that exist: every relative Markdown link of
 * README.md, ARCHITECTURE.md and docs/*.md resolves, and no text names a top-level document (DESIGN.md,
 * BASELINES.md, ...) that is not in the repository. A path into another folder (`<data>/BASELINES.md`)
 * is a reference outside the repository and is left alone.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'

const ROOT = path.resolve(import.meta.dirname, '..')
const DOCS = ['README.md', 'ARCHITECTURE.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** Names like FOO.md not preceded by a path separator, whose file is neither at the root nor in docs/. */
function missingDocuments(text: string): string[] {
  const named = [...text.matchAll(/(?<![\w/.-])([A-Z][A-Z0-9_-]*\.md)\b/g)].map((m) => m[1]!)
  return [...new Set(named)].filter((name) => !fs.existsSync(path.join(ROOT, name)) && !fs.existsSync(path.join(ROOT, 'docs', name)))
}

describe('documentation references', () => {
  it('every relative link in the docs resolves to a file', () => {
    const broken: string[] = []
    for (const doc of DOCS) {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue
        const file = target!.split('#')[0]!
        if (!fs.existsSync(path.resolve(ROOT, path.dirname(doc), file))) broken.push(`${doc}: ${target}`)
      }
    }
    assert.deepEqual(broken, [])
  })

  it('names no document that is not in the repository', () => {
    const missing = DOCS.flatMap((doc) => missingDocuments(fs.readFileSync(path.join(ROOT, doc), 'utf8')).map((name) => `${doc}: ${name}`))
    assert.deepEqual(missing, [])
  })

  it("the command's help names no such document either", () => {
    for (const args of [['--help'], ['eval', '--help'], ['import', '--help'], ['serve', '--help'], ['demo', '--help']]) {
      const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/attune.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(run.status, 0, run.stderr)
      assert.deepEqual(missingDocuments(run.stdout), [], `attune ${args.join(' ')}`)
      for (const [, doc] of run.stdout.matchAll(/\b(docs\/[\w-]+\.md)\b/g)) assert.ok(fs.existsSync(path.join(ROOT, doc!)), `attune ${args.join(' ')}: ${doc}`)
    }
  })
})
