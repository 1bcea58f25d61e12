import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../core/index.ts'
import { configEntries, MASK, maskUrl } from './settings.ts'

describe('maskUrl', () => {
  it('hides passwords, bare user parts (tokens) and credential query parameters, and nothing else', () => {
    assert.equal(maskUrl('postgres://attune:pa%40ss@db.internal:5432/attune'), `postgres://attune:${MASK}@db.internal:5432/attune`)
    assert.equal(maskUrl('redis://:hunter22@cache:6379/0'), `redis://:${MASK}@cache:6379/0`)
    assert.equal(maskUrl('nats://s3cr3t-token@nats:4222'), `nats://${MASK}@nats:4222`)
    assert.equal(maskUrl('postgres://db/attune?sslmode=require&password=qwerty&sslkey=/k.pem'), `postgres://db/attune?sslmode=require&password=${MASK}&sslkey=${MASK}`)
    assert.equal(maskUrl('sqlite:///var/lib/attune/attune.db'), 'sqlite:///var/lib/attune/attune.db')
    assert.equal(maskUrl('postgres://db.internal/attune'), 'postgres://db.internal/attune')
    assert.equal(maskUrl('not a url with a password'), MASK)
  })
})

describe('configEntries', () => {
  const secrets = {
    ATTUNE_DATABASE_URL: 'postgres://attune:db-password-1@db:5432/attune?password=db-password-2',
    ATTUNE_REDIS_URL: 'rediss://default:redis-password-3@cache:6380',
    ATTUNE_NATS_URL: 'nats://nats-token-4@nats:4222',
    ATTUNE_WRITE_KEY: 'wk_write-key-value-5',
    ATTUNE_SECRET_KEY: 'sk_secret-key-value-6',
    ATTUNE_ADMIN_PASSWORD: 'admin-password-value-7',
  }
  const config = loadConfig({}, secrets)

  it('lists every field of the configuration once, with its environment variable', () => {
    const entries = configEntries(config, false)
    assert.deepEqual(entries.map((e) => e.name), Object.keys(config).sort())
    assert.equal(entries.find((e) => e.name === 'rateLimit')?.env, 'ATTUNE_RATE_LIMIT')
    assert.equal(entries.find((e) => e.name === 'rateLimit')?.value, 100)
    assert.deepEqual(entries.find((e) => e.name === 'consentDefaults')?.value, config.consentDefaults)
  })

  it('shows no secret, not even in part, and says which values were masked', () => {
    const entries = configEntries(config, true)
    const text = JSON.stringify(entries)
    for (const value of ['db-password-1', 'db-password-2', 'redis-password-3', 'nats-token-4', 'write-key-value-5', 'secret-key-value-6', 'admin-password-value-7']) {
      assert.ok(!text.includes(value), `${value} is shown`)
    }
    const masked = entries.filter((e) => e.masked).map((e) => e.name).sort()
    assert.deepEqual(masked, ['adminPassword', 'databaseUrl', 'natsUrl', 'redisUrl', 'secretKey', 'writeKey'])
    assert.equal(entries.find((e) => e.name === 'databaseUrl')?.value, `postgres://attune:${MASK}@db:5432/attune?password=${MASK}`)
    assert.equal(entries.find((e) => e.name === 'consentDefaults')?.overriddenBy, 'settings')
  })

  it('shows an unset secret as null, not as masked', () => {
    const entries = configEntries(loadConfig({}, {}), false)
    assert.deepEqual(entries.find((e) => e.name === 'secretKey'), { name: 'secretKey', env: 'ATTUNE_SECRET_KEY', value: null, masked: false, overriddenBy: null })
  })
})
