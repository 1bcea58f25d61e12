/**
 * The page a newcomer opens first: `/` links to the demo shop once the demo is loaded (and not before),
 * and `/favicon.ico` is a real icon with a cache header, so a browser's console shows no 404.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadDemo } from '../../src/demo/index.ts'
import { request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'

/** The images an ICO file says it holds: [width, height, bits per pixel, bytes, offset] each. */
function icoEntries(ico: Buffer): [number, number, number, number, number][] {
  assert.equal(ico.readUInt16LE(0), 0, 'reserved')
  assert.equal(ico.readUInt16LE(2), 1, 'type 1: an icon')
  const count = ico.readUInt16LE(4)
  return Array.from({ length: count }, (_, i) => {
    const at = 6 + 16 * i
    return [ico[at] || 256, ico[at + 1] || 256, ico.readUInt16LE(at + 6), ico.readUInt32LE(at + 8), ico.readUInt32LE(at + 12)]
  })
}

describe('landing page and favicon', () => {
  let plain: TestServer
  let withDemo: TestServer
  before(async () => {
    plain = await startServer()
    const loading = await startServer()
    try {
      await loadDemo(loading.engine, { people: 60, items: 28, days: 5 })
      await loading.stop()
    } catch (error) {
      await loading.close()
      throw error
    }
    withDemo = await startServer({ dataDir: loading.dataDir })
  })
  after(async () => {
    await plain?.close()
    await withDemo?.close()
  })

  it('links to the demo shop only when the demo is loaded, and the link works', async () => {
    const without = await request<string>(`${plain.url}/`)
    assert.equal(without.status, 200)
    assert.doesNotMatch(without.body, /href="\/demo\/"/)

    const landing = await request<string>(`${withDemo.url}/`)
    assert.equal(landing.status, 200)
    assert.match(landing.body, /<a href="\/demo\/">[^<]+<\/a>/)
    const shop = await request<string>(`${withDemo.url}/demo/`)
    assert.equal(shop.status, 200)
  })

  it('serves /favicon.ico as an icon with a cache header, and the landing page names it', async () => {
    const landing = await request<string>(`${plain.url}/`)
    assert.match(landing.body, /<link rel="icon" href="\/favicon.ico"/)

    const res = await fetch(`${plain.url}/favicon.ico`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/x-icon')
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1])
    assert.ok(maxAge >= 3600, `cache-control: ${res.headers.get('cache-control')}`)
    const ico = Buffer.from(await res.arrayBuffer())
    const entries = icoEntries(ico)
    assert.ok(entries.length >= 1)
    for (const [width, height, bits, bytes, offset] of entries) {
      assert.ok([16, 32, 48].includes(width) && width === height, `${width}x${height}`)
      assert.equal(bits, 32)
      assert.ok(offset + bytes <= ico.length, 'the image lies inside the file')
      assert.equal(ico.readUInt32LE(offset), 40, 'a BITMAPINFOHEADER')
      assert.equal(ico.readInt32LE(offset + 8), 2 * height, 'colour rows and mask rows')
    }
    // A HEAD (some browsers check before they fetch) answers too.
    assert.equal((await fetch(`${plain.url}/favicon.ico`, { method: 'HEAD' })).status, 200)
  })
})
