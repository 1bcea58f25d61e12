/**
 * Browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser), and a tiny
 * "shop" origin of its own, so the SDK talks to the engine across origins as it does on a real site.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.ATTUNE_CHROMIUM ?? '/usr/bin/chromium'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

export interface ShopOrigin {
  url: string
  close(): Promise<void>
}

/** Serves `pages` (path → HTML) on a free loopback port: the shop's own origin. */
export async function shopOrigin(pages: Record<string, string>): Promise<ShopOrigin> {
  const server = http.createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]!]
    if (page === undefined) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
