/**
 * Training through the API on the synthetic shop: POST /v1/models/train answers at once, the run
 * trains in a thread, becomes active, and the serving registry swaps to it without a restart;
 * personalized validation NDCG is clearly above bestsellers; a second run while one trains is a 409;
 * an older version can be activated again (rollback).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop } from '../builders/shop.ts'
import { spawnAttune, waitFor } from '../support/child-server.ts'

describe('models API', () => {
  let server: TestServer
  const secret = () => bearer(server.secretKey)
  const versions = async () => (await request(`${server.url}/v1/models`, { auth: secret() })).body
  const trained = async (id: string) => {
    await waitFor(async () => (await versions()).data.find((v: { id: string }) => v.id === id)?.status !== 'training', 60_000)
    return (await versions()).data.find((v: { id: string }) => v.id === id)
  }

  before(async () => {
    server = await startServer()
    await loadShop(server, generateShop({ seed: 11, people: 500, items: 150, days: 60 }))
  })
  after(async () => server?.close())

  it('trains on demand in the background, activates the version and serves it without a restart', async () => {
    const started = Date.now()
    const reply = await request(`${server.url}/v1/models/train`, { auth: secret(), method: 'POST' })
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    assert.equal(reply.body.status, 'training')
    assert.ok(Date.now() - started < 2000, 'answers at once')
    const again = await request(`${server.url}/v1/models/train`, { auth: secret(), method: 'POST' })
    assert.equal(again.status, 409)
    assert.equal(again.body.error.code, 'conflict')

    const version = await trained(reply.body.id)
    assert.equal(version.status, 'ready', version.error)
    assert.equal(version.active, true)
    const m = version.summary.validation.metrics
    assert.ok(m.blend.ndcg > 1.5 * m.bestsellers.ndcg, `personalized ${m.blend.ndcg} vs bestsellers ${m.bestsellers.ndcg}`)
    assert.ok(version.summary.excluded.giftLines > 0, 'gift lines are left out of training')
    // The CLV fit of the run: 60 days of orders are below its minimums, so RFM percentiles, saying why.
    assert.equal(version.summary.clv.method, 'rfm')
    assert.match(version.summary.clv.note, /fewer than the .* needed to fit BG\/NBD/)
    assert.equal(await server.engine.store.predictions.version(), version.id)
    await server.engine.models.refresh()
    assert.equal(server.engine.models.current?.version.id, version.id)
    const artifact = server.engine.models.current!.artifact
    assert.equal(artifact.items.length, 150)
    assert.ok(artifact.bestsellers.length > 0 && artifact.alsoBought.indices.length > 0 && artifact.similar.indices.length > 0)
  })

  it('rolls back to an earlier version, and refuses unknown or unready ones', async () => {
    const second = await request(`${server.url}/v1/models/train`, { auth: secret(), method: 'POST' })
    assert.equal(second.status, 202)
    await trained(second.body.id)
    const list = await versions()
    assert.equal(list.active, second.body.id)
    const first = list.data.find((v: { id: string }) => v.id !== second.body.id)
    const rollback = await request(`${server.url}/v1/models/${first.id}/activate`, { auth: secret(), method: 'POST' })
    assert.equal(rollback.status, 200)
    assert.equal(rollback.body.active, true)
    assert.equal(rollback.body.serving, true)
    assert.equal((await versions()).active, first.id)
    const missing = await request(`${server.url}/v1/models/nope/activate`, { auth: secret(), method: 'POST' })
    assert.equal(missing.status, 404)
  })

  it('activates a version while events are being written, without a 503 from the write lock', async () => {
    const ready = (await versions()).data.filter((v: { status: string }) => v.status === 'ready').map((v: { id: string }) => v.id)
    assert.ok(ready.length >= 2, 'two ready versions from the tests above')
    let writing = true
    const writers = [0, 1, 2].map(async (w) => {
      for (let n = 0; writing; n++) {
        // Page views: written like any event, but no interactions that would change the next training's data.
        const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'page', anonymousId: `activate-${w}-${n}-${i}`, name: 'Home' }))
        const sent = await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), json: { batch } })
        assert.equal(sent.status, 200, JSON.stringify(sent.body))
      }
    })
    const statuses: number[] = []
    try {
      for (let i = 0; i < 100; i++) statuses.push((await request(`${server.url}/v1/models/${ready[i % 2]}/activate`, { auth: secret(), method: 'POST' })).status)
    } finally {
      writing = false
      await Promise.all(writers)
    }
    assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every activation answered 200')
    const list = await versions()
    assert.equal(list.data.filter((v: { active: boolean }) => v.active).length, 1, 'one active version')
    assert.equal(list.active, ready[1])
  })

  it('needs the secret key', async () => {
    const reply = await request(`${server.url}/v1/models`, { auth: basicAuth(server.writeKey) })
    assert.equal(reply.status, 403)
  })

  it('attune train trains in the foreground on the same store and activates the version', async () => {
    await server.stop()
    // The CLV minimums are settings: lowered, this small shop gets BG/NBD instead of RFM percentiles.
    const child = spawnAttune(['train', '--json'], { ATTUNE_DATA_DIR: server.dataDir, ATTUNE_DATABASE_URL: '', ATTUNE_REDIS_URL: '', ATTUNE_NATS_URL: '', ATTUNE_CLV_MIN_REPEAT_BUYERS: '5', ATTUNE_CLV_MIN_DAYS: '10' })
    assert.equal(await child.exited, 0, child.output())
    const version = JSON.parse(child.output().trim().split('\n').at(-1)!)
    assert.equal(version.status, 'ready')
    assert.equal(version.active, true)
    assert.equal(version.reason, 'cli')
    assert.ok(version.summary.validation.metrics['also-bought'], 'per-strategy metrics next to bestsellers')
    assert.equal(version.summary.clv.method, 'bgnbd', version.summary.clv.note)
    assert.equal(version.summary.clv.unit, 'days')
    assert.ok(version.summary.clv.bgnbd.r > 0 && version.summary.clv.fitSeconds >= 0)
  })
})
