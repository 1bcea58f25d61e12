/**
 * Keys made or revoked by another process (`attune keys create|revoke` on the same store) count on a
 * running server without a restart: it re-reads its keys every few seconds (here every 200 ms).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { anEvent } from '../builders/events.ts'
import { basicAuth, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { spawnAttune, waitFor } from '../support/child-server.ts'

describe('keys changed by another process', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({}, { engine: { keyRefreshMs: 200 } })
  })
  after(async () => server?.close())

  const cli = async (...args: string[]) => {
    const child = spawnAttune(['keys', ...args], { ATTUNE_DATA_DIR: server.dataDir, ATTUNE_DATABASE_URL: '' })
    assert.equal(await child.exited, 0, child.output())
    return child.output()
  }
  const send = (key: string) => request(`${server.url}/v1/track`, { auth: basicAuth(key), json: anEvent() })

  it('accepts a key created by `attune keys create` and refuses it once `attune keys revoke` ran', async () => {
    const key = (await cli('create', '--scope', 'write', '--label', 'from another process')).split('\n')[0]!.trim()
    assert.match(key, /^wk_/)
    await waitFor(async () => (await send(key)).status === 200, 3000)
    const id = (await cli('list')).split('\n').find((l) => l.includes('from another process'))!.split(/\s+/)[0]!
    await cli('revoke', id)
    await waitFor(async () => (await send(key)).status === 401, 3000)
    assert.equal((await send(key)).body.error.code, 'invalid_key')
    assert.equal((await send(server.writeKey)).status, 200, 'the other keys still work')
  })
})
