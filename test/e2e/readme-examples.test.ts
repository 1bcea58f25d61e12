/**
 * The README's examples, run as printed against the demo shop: `attune serve --demo` in a child process
 * on a free port with a fresh data dir, the keys in ATTUNE_WRITE_KEY / ATTUNE_SECRET_KEY (so the
 * examples' `$ATTUNE_WRITE_KEY` works), then every ```sh and ```js block of README.md, read at run time,
 * in README order.
 *
 * - The one substitution: `localhost:8787` becomes `localhost:<the test's port>`; nothing else changes.
 * - A block that cannot run here (npm install, npm start, files of your own) has the line
 *   `<!-- readme-test: skip (the reason) -->` right above its fence, and is listed in the test output.
 * - Shell blocks run with `bash -e` in the repository root. `curl` is wrapped by a function that records
 *   each call's arguments, status and body, so every call is checked: a 2xx answer, and for the routes
 *   the README shows, the content (the person asked for, the item written, recommendations that are
 *   catalogue items, events that arrive in the person's history).
 * - ```js blocks run with `node --input-type=module` (so @segment/analytics-node resolves from the
 *   repository's node_modules); a `track` call's event must then arrive in the person's history.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { bearer, type EventView, request } from '../builders/http.ts'
import { type Child, freePort, kill, spawnAttune, waitFor } from '../support/child-server.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const SKIP = /^<!--\s*readme-test:\s*skip\b(.*?)-->\s*$/

interface Block {
  lang: 'sh' | 'js'
  /** 1-based line of the opening fence. */
  line: number
  code: string
  /** Set when the block is marked as not runnable here. */
  skip: string | null
}

/** The ```sh / ```bash / ```js blocks of a Markdown text, with their skip markers. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    assert.ok(end > i, `README.md:${i + 1}: the code block is not closed`)
    const lang = ({ sh: 'sh', bash: 'sh', shell: 'sh', js: 'js', javascript: 'js' } as const)[open[1] as 'sh']
    if (lang) {
      const marker = SKIP.exec(lines[i - 1] ?? '') ?? SKIP.exec(lines[i - 2] ?? '')
      blocks.push({ lang, line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: marker ? marker[1]!.trim().replace(/^\((.*)\)$/, '$1') || 'marked' : null })
    }
    i = end
  }
  return blocks
}

interface CurlCall {
  method: string
  url: URL
  body: unknown
  status: number
  answer: any
}

/** What one curl call asked, from its arguments (only the options the README uses need to be known). */
function describeCurl(args: string[], status: number, answer: string): CurlCall {
  let method: string | null = null
  let url: URL | null = null
  let data: string | null = null
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '-X' || a === '--request') method = args[++i]!
    else if (a === '-d' || a === '--data' || a === '--data-raw' || a === '--json') data = args[++i]!
    else if (a === '-H' || a === '--header' || a === '-u' || a === '--user') i++
    else if (/^https?:\/\//.test(a)) url = new URL(a)
  }
  assert.ok(url, `a curl call without a URL: ${args.join(' ')}`)
  const parse = (text: string | null) => {
    if (text === null || text === '') return null
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return { method: method ?? (data === null ? 'GET' : 'POST'), url, body: parse(data), status, answer: parse(answer) }
}

/** `sent` is contained in `got`: objects key by key, arrays element by element (each somewhere in got's array). */
function contains(got: unknown, sent: unknown): boolean {
  if (Array.isArray(sent)) return Array.isArray(got) && sent.every((s) => got.some((g) => contains(g, s)))
  if (sent !== null && typeof sent === 'object') {
    return got !== null && typeof got === 'object' && Object.entries(sent).every(([k, v]) => contains((got as Record<string, unknown>)[k], v))
  }
  return got === sent
}

describe('the README examples against the demo', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const blocks = codeBlocks(readme)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-readme-'))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-readme-calls-'))
  const keys = { ATTUNE_WRITE_KEY: `wk_readme_${process.pid}_${Date.now()}`, ATTUNE_SECRET_KEY: `sk_readme_${process.pid}_${Date.now()}` }
  let server: Child | undefined
  let port = 0
  let base = ''
  /** Which kinds of example were checked, so a README that loses one is noticed. */
  const checked = new Set<string>()

  before(async () => {
    port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = spawnAttune(['serve', '--demo', '--port', String(port), '--host', '127.0.0.1'], { ...keys, ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '' })
    // Loading the demo (generate, profiles, train) takes up to a minute on two busy cores.
    await waitFor(async () => (await fetch(`${base}/readyz`)).ok && (await fetch(`${base}/demo/`)).ok, 300_000, () => server!.output())
  })
  after(async () => {
    await kill(server, 'SIGTERM')
    fs.rmSync(dataDir, { recursive: true, force: true })
    fs.rmSync(scratch, { recursive: true, force: true })
  })

  const secret = <T = any>(p: string) => request<T>(`${base}${p}`, { auth: bearer(keys.ATTUNE_SECRET_KEY) })
  const withPort = (code: string) => code.replaceAll('localhost:8787', `localhost:${port}`)
  const env = { ...process.env, ...keys, ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '', ATTUNE_LOG_LEVEL: 'warn' }

  /** Waits until the person's history holds an event named `event` (with `properties` among its own) received since `since`. */
  async function arrives(userId: string, event: string, since: number, properties: Record<string, unknown> = {}): Promise<void> {
    await waitFor(async () => {
      const res = await secret<{ data: EventView[] }>(`/v1/people/${encodeURIComponent(userId)}/events?type=user_id&limit=20`)
      return res.status === 200 && res.body.data.some((e) => e.event === event && Date.parse(e.receivedAt) >= since - 1000 && contains(e.properties, properties))
    }, 15_000, () => `${event} of ${userId} did not arrive`)
  }

  async function checkCurl(call: CurlCall, where: string, since: number): Promise<void> {
    const context = `${where}: ${call.method} ${call.url.pathname} answered ${call.status} ${JSON.stringify(call.answer).slice(0, 500)}`
    assert.ok(call.status >= 200 && call.status < 300, context)
    const p = call.url.pathname
    const body = call.body as any
    let m: RegExpExecArray | null
    if (call.method === 'POST' && /^\/v1\/(track|identify|page|screen|batch)$/.test(p)) {
      assert.equal(call.answer.success, true, context)
      const calls = p === '/v1/batch' ? body.batch : [body]
      for (const c of calls) if (c.userId && c.event) await arrives(c.userId, c.event, since, c.properties?.order_id ? { order_id: c.properties.order_id } : {})
      checked.add('track')
    } else if (call.method === 'PUT' && (m = /^\/v1\/items\/([^/]+)$/.exec(p))) {
      const item = await secret(`/v1/items/${m[1]}`)
      assert.equal(item.status, 200, context)
      assert.equal(item.body.title, body.title, context)
      checked.add('item')
    } else if (call.method === 'GET' && (m = /^\/v1\/people\/([^/]+)$/.exec(p))) {
      // The person asked for, by whichever id the example names, with the demo's history.
      const ref = decodeURIComponent(m[1]!)
      const ids = call.answer.identities
      assert.ok([...ids.userIds, ...ids.emails, ...ids.anonymousIds, call.answer.id].includes(ref.includes('@') ? ref.toLowerCase() : ref), context)
      assert.ok(call.answer.activity.events > 0, `${context}: no history`)
      checked.add('person')
    } else if (call.method === 'PUT' && /^\/v1\/people\/[^/]+\/preferences$/.test(p)) {
      // The profile lists gifts as "order" or "order|item".
      const gifts = body.gifts?.map((g: { orderId: string; itemId?: string }) => (g.itemId ? `${g.orderId}|${g.itemId}` : g.orderId))
      const expected = { ...body, ...(gifts && { gifts }) }
      assert.ok(contains(call.answer.profile.preferences, expected), `${context}: the preferences sent are not in the profile`)
      checked.add('preferences')
    } else if (call.method === 'POST' && p === '/v1/recommendations') {
      const asked: any[] = body.placements ?? [body]
      assert.equal(call.answer.placements.length, asked.length, context)
      const seen = new Set<string>()
      for (const [i, placement] of call.answer.placements.entries()) {
        assert.ok(placement.items.length > 0, `${context}: placement ${placement.id} has no items`)
        assert.ok(placement.items.length <= (asked[i].count ?? 10), context)
        for (const item of placement.items) {
          assert.ok(!seen.has(item.id), `${context}: ${item.id} twice on the page`)
          seen.add(item.id)
          assert.equal((await secret(`/v1/items/${encodeURIComponent(item.id)}`)).status, 200, `${context}: ${item.id} is not in the catalogue`)
          if (asked[i].filters?.maxPrice !== undefined && typeof item.price === 'number') assert.ok(item.price <= asked[i].filters.maxPrice, context)
        }
      }
      checked.add('recommendations')
    }
  }

  it('runs every shell and JavaScript example, or says why not', async (t) => {
    assert.ok(blocks.length > 0, 'no code blocks in README.md')
    const wrapper = [
      'readme_curl_n=0',
      'curl() {',
      '  readme_curl_n=$((readme_curl_n + 1))',
      `  printf '%s\\0' "$@" > "${scratch}/$readme_curl_n.args"`,
      `  command curl --silent --show-error --output "${scratch}/$readme_curl_n.body" --write-out '%{http_code}' "$@" > "${scratch}/$readme_curl_n.status"`,
      '}',
    ].join('\n')
    for (const block of blocks) {
      const where = `README.md:${block.line}`
      if (block.skip !== null) {
        t.diagnostic(`${where} (${block.lang}) skipped: ${block.skip}`)
        continue
      }
      const since = Date.now()
      if (block.lang === 'sh') {
        for (const f of fs.readdirSync(scratch)) fs.rmSync(path.join(scratch, f))
        const run = spawnSync('bash', ['-e', '-c', `${wrapper}\n${withPort(block.code)}`], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 })
        assert.equal(run.status, 0, `${where} failed:\n${run.stdout}\n${run.stderr}`)
        const count = fs.readdirSync(scratch).filter((f) => f.endsWith('.args')).length
        for (let n = 1; n <= count; n++) {
          const args = fs.readFileSync(path.join(scratch, `${n}.args`), 'utf8').split('\0').slice(0, -1)
          const status = Number(fs.readFileSync(path.join(scratch, `${n}.status`), 'utf8'))
          const answer = fs.existsSync(path.join(scratch, `${n}.body`)) ? fs.readFileSync(path.join(scratch, `${n}.body`), 'utf8') : ''
          await checkCurl(describeCurl(args, status, answer), `${where}, curl call ${n}`, since)
        }
      } else {
        const run = spawnSync(process.execPath, ['--input-type=module', '-e', withPort(block.code)], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 })
        assert.equal(run.status, 0, `${where} failed:\n${run.stdout}\n${run.stderr}`)
        const tracked = [...block.code.matchAll(/\.track\(\{\s*userId:\s*'([^']+)',\s*event:\s*'([^']+)'/g)]
        assert.ok(tracked.length > 0, `${where}: no analytics.track({ userId, event }) call this test knows how to check`)
        for (const [, userId, event] of tracked) await arrives(userId!, event!, since)
        checked.add('node-sdk')
      }
      t.diagnostic(`${where} (${block.lang}) ran and was checked`)
    }
    // Each kind of example the README promises was really run and checked, none silently skipped.
    assert.deepEqual([...checked].sort(), ['item', 'node-sdk', 'person', 'preferences', 'recommendations', 'track'])
  })
})
