// The dashboard's file routes on their own: without a build they answer a page that says how to build,
// and a built index.html is served for any path under /dashboard/ with the CSP.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import Fastify from 'fastify'
import { DASHBOARD_CSP, dashboardRoutes } from '../../src/server/dashboard-files.ts'

test('without a build, /dashboard/ answers 503 with the command that builds it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-dist-'))
  const app = Fastify()
  await app.register(dashboardRoutes(dir))
  const reply = await app.inject({ url: '/dashboard/people' })
  assert.equal(reply.statusCode, 503)
  assert.match(reply.body, /npm run build:dashboard/)
  // Built while the engine runs (as the page says to do): the page and its assets are served without a restart.
  mkdirSync(path.join(dir, 'assets'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>built later</title>')
  writeFileSync(path.join(dir, 'assets', 'app-later.js'), 'console.log(2)')
  assert.match((await app.inject({ url: '/dashboard/people' })).body, /built later/)
  const asset = await app.inject({ url: '/dashboard/assets/app-later.js' })
  assert.equal(asset.statusCode, 200)
  assert.match(String(asset.headers['content-type']), /javascript/)
  await app.close()
  rmSync(dir, { recursive: true })
})

test('a built dashboard: index.html for every path, assets from their folder, both with the CSP', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-dist-'))
  mkdirSync(path.join(dir, 'assets'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>built</title>')
  writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)')
  const app = Fastify()
  await app.register(dashboardRoutes(dir))
  for (const url of ['/dashboard/', '/dashboard/people/u-1', '/dashboard/catalogue/a%2Fb']) {
    const reply = await app.inject({ url })
    assert.equal(reply.statusCode, 200, url)
    assert.match(reply.body, /<title>built<\/title>/)
    assert.equal(reply.headers['content-security-policy'], DASHBOARD_CSP)
    assert.equal(reply.headers['cache-control'], 'no-cache')
  }
  const asset = await app.inject({ url: '/dashboard/assets/app-abc123.js' })
  assert.equal(asset.statusCode, 200)
  assert.match(String(asset.headers['content-type']), /javascript/)
  assert.match(String(asset.headers['cache-control']), /immutable/)
  assert.equal((await app.inject({ url: '/dashboard/assets/missing.js' })).statusCode, 404)
  await app.close()
  rmSync(dir, { recursive: true })
})
