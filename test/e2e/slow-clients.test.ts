/**
 * Slow clients do not hold connections: a body that stalls is cut off after the request timeout, headers
 * that never end after the headers timeout, an idle keep-alive connection after the keep-alive timeout
 * (small timeouts here, through the ATTUNE_*_TIMEOUT_MS settings). Without them Node waits for ever.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../builders/server.ts'
import { untilServerCloses } from '../support/raw-http.ts'

describe('slow clients', () => {
  let server: TestServer
  let port: number
  before(async () => {
    server = await startServer({}, { env: { ATTUNE_REQUEST_TIMEOUT_MS: '1000', ATTUNE_HEADERS_TIMEOUT_MS: '500', ATTUNE_KEEP_ALIVE_TIMEOUT_MS: '300' } })
    port = Number(new URL(server.url).port)
  })
  after(async () => {
    await server.close()
  })

  it('closes a connection whose body stalls once the request timeout passes, with 408, even with a valid key', async () => {
    const head = `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.writeKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`
    const { received } = await untilServerCloses(port, `${head}{"userId": "slow", `, 10_000)
    assert.match(received, /^HTTP\/1\.1 408 /)
    assert.match(received, /\r\n\r\n\{"error":\{"code":"request_timeout","message":"[^"]+"\}\}$/, 'in the catalogue shape')
  })

  it('closes a connection whose headers never end once the headers timeout passes', async () => {
    const { received } = await untilServerCloses(port, `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`, 10_000)
    assert.match(received, /^HTTP\/1\.1 408 [\s\S]*"code":"request_timeout"/)
  })

  it('closes an idle keep-alive connection once the keep-alive timeout passes', async () => {
    const { received } = await untilServerCloses(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n', 10_000)
    assert.match(received, /^HTTP\/1\.1 200 /)
  })
})
