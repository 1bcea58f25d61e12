/**
 * `attune users` and the first start's admin, as an operator meets them: real child processes on one data dir.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { signInStaff } from '../builders/routes.ts'
import { kill, startServe } from '../support/child-server.ts'

const BIN = path.resolve(import.meta.dirname, '../../bin/attune.mjs')

describe('attune users and the first admin', () => {
  let dataDir: string
  const env = () => ({ ...process.env, ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '', ATTUNE_LOG_LEVEL: 'warn' })
  const attune = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [BIN, ...args], { env: { ...env(), ...extra }, encoding: 'utf8', timeout: 60_000 })

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-users-cli-'))
  })
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it('prints the generated admin password at the first start only, and it signs in', async () => {
    const first = await startServe({ ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '' })
    let password: string
    try {
      const printed = /Staff admin created: (\S+)\n\s+one-time password\s+(\S+)/.exec(first.output())
      assert.ok(printed, first.output())
      assert.equal(printed[1], 'admin@localhost')
      password = printed[2]!
      await signInStaff(first.url, 'admin@localhost', password)
    } finally {
      await kill(first, 'SIGTERM')
    }
    const second = await startServe({ ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '' })
    try {
      assert.doesNotMatch(second.output(), /one-time password/)
      assert.doesNotMatch(second.output(), new RegExp(password))
    } finally {
      await kill(second, 'SIGTERM')
    }
  })

  it('adds, lists, changes and removes staff users', () => {
    const added = attune(['users', 'add', 'Ed@Example.com', '--role', 'editor'])
    assert.equal(added.status, 0, added.stderr)
    assert.match(added.stdout.trim(), /^[\w-]{20,}$/, 'the generated password alone on stdout')
    assert.match(added.stderr, /added editor ed@example\.com/)

    const chosen = attune(['users', 'add', 'vi@example.com'], { ATTUNE_NEW_PASSWORD: 'a password of my own' })
    assert.equal(chosen.status, 0, chosen.stderr)
    assert.equal(chosen.stdout, '', 'nothing to show when the password was chosen')

    const list = attune(['users', 'list'])
    assert.match(list.stdout, /admin\s+admin@localhost/)
    assert.match(list.stdout, /editor\s+ed@example\.com\s+\(must change password\)/)
    assert.match(list.stdout, /viewer\s+vi@example\.com\s+\(created/)

    assert.equal(attune(['users', 'role', 'vi@example.com', 'editor']).status, 0)
    assert.match(attune(['users', 'list']).stdout, /editor\s+vi@example\.com/)
    assert.equal(attune(['users', 'role', 'vi@example.com', 'owner']).status, 2, 'a bad role is bad usage')

    const duplicate = attune(['users', 'add', 'ed@example.com'])
    assert.equal(duplicate.status, 1)
    assert.match(duplicate.stderr, /exists/)
    const weak = attune(['users', 'add', 'weak@example.com', '--password', 'short'])
    assert.equal(weak.status, 2, 'a bad value is bad usage')
    assert.match(weak.stderr, /at least 12 characters/)

    assert.equal(attune(['users', 'remove', 'ed@example.com']).status, 0)
    assert.doesNotMatch(attune(['users', 'list']).stdout, /ed@example\.com/)
    const last = attune(['users', 'remove', 'admin@localhost'])
    assert.equal(last.status, 1)
    assert.match(last.stderr, /last admin/)
  })
})
