/**
 * The user docs and the command's help point only at files that exist: every relative Markdown link of
 * README.md, ARCHITECTURE.md and docs/*.md resolves, and no text names a top-level document (DESIGN.md,
 * BASELINES.md, ...) that is not in the repository. A path into another folder (`<data>/BASELINES.md`)
 * is a reference outside the repository and is left alone.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
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

  it("the command's help names no such document either", async () => {
    const help = (args: string[]) =>
      new Promise<{ args: string[]; code: number | null; out: string }>((resolve) => {
        execFile(process.execPath, [path.join(ROOT, 'bin/attune.mjs'), ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ args, code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
        )
      })
    // The two help texts that point at docs; in parallel, as each start loads the whole command.
    for (const run of await Promise.all([help(['--help']), help(['eval', '--help'])])) {
      assert.equal(run.code, 0, run.out)
      assert.deepEqual(missingDocuments(run.out), [], `attune ${run.args.join(' ')}`)
      for (const [, doc] of run.out.matchAll(/\b(docs\/[\w-]+\.md)\b/g)) assert.ok(fs.existsSync(path.join(ROOT, doc!)), `attune ${run.args.join(' ')}: ${doc}`)
    }
  })
})
