/**
 * GET /v1/config over HTTP on a server whose every backend URL carries credentials (PostgreSQL, Redis, NATS)
 * and whose keys and admin password come from the environment: the configuration in force is shown, and no
 * secret value appears anywhere in the reply, not even in part. Only admins (and the secret key) may read it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'
import { assertError, bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'

const database = await testDatabase('config_api')
after(() => database.drop())

// The local test servers do not ask for these credentials; they are here to be hidden.
const DB_PASSWORD = 'db-pass-Zq81x'
const REDIS_PASSWORD = 'redis-pass-Kp02w'
const NATS_TOKEN = 'nats-token-Hy55v'
const ADMIN_PASSWORD = 'admin-pass-Tt63u'
const SECRET_KEY = 'sk_config_secret_Mm47r'
const WRITE_KEY = 'wk_config_write_Ll39q'

describe('GET /v1/config', () => {
  let server: TestServer
  before(async () => {
    const url = new URL(database.url)
    url.password = DB_PASSWORD
    server = await startServer(
      {},
      {
        env: {
          ATTUNE_DATABASE_URL: url.toString(),
          ATTUNE_REDIS_URL: `redis://default:${REDIS_PASSWORD}@127.0.0.1:6379`,
          ATTUNE_REDIS_PREFIX: 'attune-config-test:',
          ATTUNE_NATS_URL: `nats://${NATS_TOKEN}@127.0.0.1:4222`,
          ATTUNE_NATS_STREAM: 'ATTUNE_CONFIG_TEST',
          ATTUNE_NATS_SUBJECT: 'attune-config-test.events',
          ATTUNE_ADMIN_EMAIL: 'admin@example.com',
          ATTUNE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          ATTUNE_SECRET_KEY: SECRET_KEY,
          ATTUNE_WRITE_KEY: WRITE_KEY,
        },
      },
    )
  })
  after(() => server?.close())

  it('shows the configuration in force with every secret masked, nowhere in the reply', async () => {
    const reply = await request(`${server.url}/v1/config`, { auth: bearer(SECRET_KEY) })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const text = JSON.stringify(reply.body) + JSON.stringify([...reply.headers])
    for (const secret of [DB_PASSWORD, REDIS_PASSWORD, NATS_TOKEN, ADMIN_PASSWORD, SECRET_KEY, WRITE_KEY]) {
      assert.ok(!text.includes(secret), `${secret} is in the reply`)
      // Nor a recognisable part of it.
      assert.ok(!text.includes(secret.slice(-6)), `the end of ${secret} is in the reply`)
    }
    const entry = (name: string) => reply.body.entries.find((e: { name: string }) => e.name === name)
    assert.match(entry('databaseUrl').value, /^postgres:\/\/postgres:\*+@127\.0\.0\.1:5432\/attune_config_api_/)
    assert.equal(entry('databaseUrl').masked, true)
    assert.equal(entry('redisUrl').value, 'redis://default:********@127.0.0.1:6379')
    assert.equal(entry('natsUrl').value, 'nats://********@127.0.0.1:4222')
    for (const name of ['secretKey', 'writeKey', 'adminPassword']) assert.deepEqual([entry(name).value, entry(name).masked], ['********', true], name)
    assert.equal(entry('adminEmail').value, 'admin@example.com')
    assert.equal(entry('rateLimit').env, 'ATTUNE_RATE_LIMIT')
  })

  it('is for admins only', async () => {
    const admin = await signInStaff(server.url, 'admin@example.com', ADMIN_PASSWORD)
    assert.equal((await request(`${server.url}/v1/config`, { headers: { cookie: admin.cookie } })).status, 200)
    await server.engine.staff.add({ email: 'viewer@example.com', role: 'viewer', password: ADMIN_PASSWORD })
    const viewer = await signInStaff(server.url, 'viewer@example.com', ADMIN_PASSWORD)
    assertError(await request(`${server.url}/v1/config`, { headers: { cookie: viewer.cookie } }), 403, 'insufficient_scope')
    assertError(await request(`${server.url}/v1/config`, { auth: bearer(WRITE_KEY) }), 403, 'insufficient_scope')
  })
})
