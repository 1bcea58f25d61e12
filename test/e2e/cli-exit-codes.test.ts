/**
 * The `attune` command's exit codes, one convention for every subcommand (README, "Commands"):
 * 0 success, 1 a failure at run time, 2 bad usage (unknown command, bad option or argument, bad setting),
 * 3 a backend that cannot be reached. Each case runs the real command in a child process.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'

const BIN = path.resolve(import.meta.dirname, '../../bin/attune.mjs')

describe('attune exit codes', () => {
  let dataDir: string
  const attune = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '', ATTUNE_LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    })
  const noStackTrace = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-exit-codes-'))
  })
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it('exits 0 for --help and --version', () => {
    for (const args of [['--help'], ['--version'], ['serve', '--help'], ['import', 'orders', '--help'], ['eval', '--help']]) {
      const run = attune(args)
      assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`)
      assert.notEqual(run.stdout, '')
    }
  })

  it('exits 2 for an unknown command, an unknown option, a bad option value or a missing argument', () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: attune/],
      [['nosuch'], /unknown command 'nosuch'/],
      [['serve', '--bogus'], /unknown option '--bogus'/],
      [['serve', '--port', '99999'], /port/],
      [['demo', '--people', 'zero'], /--people/],
      [['keys', 'create'], /--scope/],
      [['keys', 'create', '--scope', 'admin'], /scope is write or secret/],
      [['keys', 'revoke'], /missing required argument 'id'/],
      [['keys'], /Usage: attune keys/],
      [['import', 'orders'], /missing required argument 'file'/],
      [['eval', '--k', 'ten'], /--k/],
    ]
    for (const [args, message] of cases) {
      const run = attune(args)
      assert.equal(run.status, 2, `attune ${args.join(' ')} exited ${run.status}: ${run.stderr}`)
      assert.match(run.stderr, message, `attune ${args.join(' ')}`)
      noStackTrace(run.stderr)
    }
  })

  it('exits 2 for a bad setting, naming it', () => {
    const run = attune(['keys', 'list'], { PORT: 'many' })
    assert.equal(run.status, 2, run.stderr)
    assert.match(run.stderr, /^attune: PORT must be an integer/m)
    noStackTrace(run.stderr)
  })

  it('exits 1 when a well-formed command fails at run time', () => {
    const items = path.join(dataDir, 'items.jsonl')
    fs.writeFileSync(items, `${JSON.stringify({ id: 'sku-1', title: 'One item' })}\n`)
    assert.equal(attune(['import', 'catalog', items, '--no-progress']).status, 0)

    // The demo refuses a catalogue that is not empty: the command line was right, the store's state is not.
    const demo = attune(['demo'])
    assert.equal(demo.status, 1, demo.stderr)
    assert.match(demo.stderr, /^attune: the catalogue in .* already has 1 items/m)
    noStackTrace(demo.stderr)

    const revoke = attune(['keys', 'revoke', 'no-such-key'])
    assert.equal(revoke.status, 1, revoke.stderr)
    assert.match(revoke.stderr, /no active key with id no-such-key/)
  })
})
