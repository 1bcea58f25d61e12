import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import { loadConfig } from './config.ts'

describe('configuration', () => {
  it('applies defaults and reads the environment', () => {
    const c = loadConfig({}, { PORT: '9000', ATTUNE_DATA_DIR: '/tmp/x', ATTUNE_SQLITE_SYNC: 'normal' })
    assert.equal(c.port, 9000)
    assert.equal(c.databaseUrl, 'sqlite:///tmp/x/attune.db')
    assert.equal(c.sqliteSync, 'normal')
    assert.equal(loadConfig({}, {}).port, 8787)
    assert.ok(Object.isFrozen(c))
  })

  it('binds to loopback, limits requests and times out slow clients by default; HOST or ATTUNE_HOST choose the address', () => {
    const c = loadConfig({}, {})
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.metricsPort, undefined)
    assert.equal(c.trustProxy, false)
    assert.deepEqual([c.rateLimit, c.secretRateLimit, c.authFailureLimit], [100, 1000, 60])
    assert.deepEqual([c.requestTimeoutMs, c.headersTimeoutMs, c.keepAliveTimeoutMs, c.connectionTimeoutMs], [30_000, 10_000, 65_000, 120_000])
    assert.equal(loadConfig({}, { HOST: '0.0.0.0' }).host, '0.0.0.0')
    assert.equal(loadConfig({}, { HOST: '0.0.0.0', ATTUNE_HOST: '10.0.0.5' }).host, '10.0.0.5')
    assert.equal(loadConfig({}, { ATTUNE_METRICS_PORT: '9464' }).metricsPort, 9464)
    assert.equal(loadConfig({}, { ATTUNE_TRUST_PROXY: '1' }).trustProxy, 1)
    assert.deepEqual(loadConfig({}, { ATTUNE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1'])
    assert.equal(loadConfig({}, { ATTUNE_RATE_LIMIT: '0' }).rateLimit, 0)
    assert.equal(loadConfig({}, { ATTUNE_REQUEST_TIMEOUT_MS: '5000' }).headersTimeoutMs, 5000, 'the headers timeout never exceeds the request timeout')
  })

  it('names the variable when a value is bad', () => {
    assert.throws(() => loadConfig({}, { PORT: 'eighty' }), /PORT must be an integer/)
    assert.throws(() => loadConfig({}, { ATTUNE_SQLITE_SYNC: 'fast' }), /ATTUNE_SQLITE_SYNC must be one of full, normal/)
    assert.throws(() => loadConfig({}, { ATTUNE_WRITE_KEY: 'short' }), /ATTUNE_WRITE_KEY must be at least 16/)
    assert.throws(() => loadConfig({}, { ATTUNE_HEADERS_TIMEOUT_MS: '40000' }), /ATTUNE_HEADERS_TIMEOUT_MS must be an integer from 1 to 30000/)
    assert.throws(() => loadConfig({}, { ATTUNE_TRUST_PROXY: 'the proxy' }), /ATTUNE_TRUST_PROXY must be/)
    assert.throws(() => loadConfig({}, { ATTUNE_METRICS_PORT: '0' }), /ATTUNE_METRICS_PORT must be an integer from 1 to 65535/)
    assert.throws(() => loadConfig({}, { ATTUNE_CLV_MIN_REPEAT_BUYERS: '0' }), /ATTUNE_CLV_MIN_REPEAT_BUYERS must be an integer from 1/)
  })

  it('documents every environment variable it reads in docs/config.md', () => {
    const source = fs.readFileSync(new URL('./config.ts', import.meta.url), 'utf8')
    const doc = fs.readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8')
    const read = new Set([...source.matchAll(/env(?:\.|, ')([A-Z_]+)/g)].map((m) => m[1]!))
    assert.ok(read.size >= 8)
    for (const name of read) assert.match(doc, new RegExp(`\\| \`${name}\` \\|`), `${name} is not in docs/config.md`)
  })
})
