/**
 * A seeded, bounded fuzzer over every route of test/builders/routes.ts's table, with the secret key and with
 * the write key: wrong types, missing and extra fields, huge and tiny numbers, long strings, lone surrogates
 * and control characters, prototype keys, deep nesting, arrays for objects, empty and non-JSON bodies, wrong
 * content types, broken gzip, odd query strings and odd path ids. For every answer: never a 5xx, every 4xx in
 * the documented error body with a code of the catalogue; and afterwards the server is healthy, Object's
 * prototype (the server runs in this process) is untouched, data stored before the fuzzing is unchanged and
 * the good records sent next to hostile ones in a batch were stored.
 *
 * Deterministic: the inputs follow from the seed. To explore, set ATTUNE_FUZZ_SEED=<integer> (default
 * 12012) and ATTUNE_FUZZ_REQUESTS=<count> (default 3000); the run also stops after ATTUNE_FUZZ_SECONDS
 * (default 45). A failure prints the seed, the request's number, route and input: run with the same seed
 * to reproduce it.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { errorBodyProblem, errorCodeOf, type RawReply, rawRequest, ROUTES, type RouteRow, type RouteShop, startRouteShop } from '../builders/routes.ts'
import { type Credential, type FuzzInput, fuzzInput, preview, Rng, SEED, wellFormed } from '../builders/fuzz-inputs.ts'
import { waitFor } from '../support/child-server.ts'

const REQUESTS = Number.parseInt(process.env.ATTUNE_FUZZ_REQUESTS ?? '3000', 10)
const SECONDS = Number.parseFloat(process.env.ATTUNE_FUZZ_SECONDS ?? '45')



interface Failure {
  index: number
  row: RouteRow
  credential: Credential
  input: FuzzInput
  problem: string
  reply?: RawReply
  /** More lines for the report. */
  context?: string[]
}

/** Null when a reply keeps the properties every answer must have, else what is wrong. */
function replyProblem(row: RouteRow, input: FuzzInput, reply: RawReply): string | null {
  if (reply.status >= 500) return `a ${reply.status}`
  if (reply.status >= 400) {
    const page = row.html && /^text\/html/.test(String(reply.headers['content-type'] ?? ''))
    if (!page) {
      const shape = errorBodyProblem(reply)
      if (shape) return `${reply.status} without the documented error body: ${shape}`
    }
  }
  const sentinel = input.sentinel
  if (sentinel) {
    const code = errorCodeOf(reply)
    const partial = sentinel.kind === 'event' ? 'invalid_events' : 'invalid_items'
    if (reply.status === 200) return null
    if (code === partial) {
      const rejected = (JSON.parse(reply.text) as { rejected?: { index: number }[] }).rejected ?? []
      if (rejected.some((r) => r.index === 0)) return 'the good record next to the hostile one was rejected'
      return null
    }
    // The key is checked before the body: a refused key (the route's or one the fuzzing put in) says nothing about records.
    if (code !== null && ['missing_key', 'invalid_key', 'insufficient_scope', 'rate_limited', 'payload_too_large', ...sentinel.wholeBodyCodes].includes(code)) return null
    return `a hostile record failed its whole batch (${reply.status} ${code ?? ''}): the good record next to it was not stored`
  }
  return null
}

/**
 * The built-in prototypes of this process (the server's): what changed since the snapshot, and putting it
 * back, so that one pollution is reported where it happened instead of breaking every later request.
 */
class PrototypeGuard {
  static readonly #protos = [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype], ['String', String.prototype]] as const
  readonly #original = new Map<string, { proto: object; key: string | symbol; descriptor: PropertyDescriptor }>()

  constructor() {
    for (const [name, proto] of PrototypeGuard.#protos) {
      for (const key of Reflect.ownKeys(proto)) this.#original.set(`${name}.prototype.${String(key)}`, { proto, key, descriptor: Object.getOwnPropertyDescriptor(proto, key)! })
    }
  }

  changes(): string[] {
    const out: string[] = []
    for (const [name, proto] of PrototypeGuard.#protos) {
      for (const key of Reflect.ownKeys(proto)) {
        const was = this.#original.get(`${name}.prototype.${String(key)}`)?.descriptor
        const now = Object.getOwnPropertyDescriptor(proto, key)!
        if (!was) out.push(`${name}.prototype.${String(key)} added (${String(now.value).slice(0, 40)})`)
        else if (was.value !== now.value || was.get !== now.get || was.set !== now.set) out.push(`${name}.prototype.${String(key)} changed`)
      }
    }
    for (const [label, { proto, key }] of this.#original) if (!Object.hasOwn(proto, key)) out.push(`${label} removed`)
    return out
  }

  restore(): void {
    for (const [name, proto] of PrototypeGuard.#protos) {
      for (const key of Reflect.ownKeys(proto)) if (!this.#original.has(`${name}.prototype.${String(key)}`)) delete (proto as Record<string | symbol, unknown>)[key]
    }
    for (const { proto, key, descriptor } of this.#original.values()) Object.defineProperty(proto, key, descriptor)
  }
}

describe('fuzzing every route', () => {
  let shop: RouteShop
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  const keeper = { itemId: `fuzz-keeper-item-${SEED}`, userId: `fuzz-keeper-user-${SEED}` }
  const secret = () => bearer(shop.server.secretKey)
  const read = (path: string) => request(`${shop.server.url}${path}`, { auth: secret() })
  /** What must read back the same after the fuzzing. */
  const keeperView = async () => {
    const [item, person, events] = await Promise.all([read(`/v1/items/${keeper.itemId}`), read(`/v1/people/${keeper.userId}`), read(`/v1/people/${keeper.userId}/events?limit=1000`)])
    assert.equal(item.status, 200, JSON.stringify(item.body))
    assert.equal(person.status, 200, JSON.stringify(person.body))
    assert.equal(events.status, 200, JSON.stringify(events.body))
    // Affinities decay with time and RFM is relative to everyone: the rest of the profile must not move.
    const { id, identities, traits, consent, preferences, recentlyViewed, cart, purchases } = person.body
    // Audience Entered / Exited are the segment engine's, appended as the keeper enters and leaves the segments
    // the fuzzing creates and changes: new events, not a change to the data stored before.
    const stored = { ...events.body, data: events.body.data.filter((e: { kind: string }) => e.kind !== 'audience_entered' && e.kind !== 'audience_exited') }
    return { item: item.body, person: { id, identities, traits, consent, preferences, recentlyViewed, cart, purchases }, events: stored }
  }
  const holds = async (path: string, messageId: string) => {
    const reply = await read(path)
    return reply.status === 200 && Boolean(reply.body.data?.some((e: { messageId: string }) => e.messageId === messageId))
  }
  /**
   * The people who held an id before its holder now, latest first. The shared-device rule (docs/profiles.md)
   * moves an anonymous or device id to the user who signs in with it (an identify or alias naming another
   * user id): what was sent before stays with the person who had the id then. Each move is in the new
   * holder's `merges`, kind "reassigned", with the person before as `otherPersonId`.
   */
  const earlierHolders = async (ref: string, type: string): Promise<string[]> => {
    const holders: string[] = []
    let person = await read(`/v1/people/${encodeURIComponent(ref)}?type=${type}`)
    while (person.status === 200 && holders.length < 20) {
      const moves = (person.body.merges ?? []) as { kind: string; otherPersonId: string; identifiers: { type: string; value: string }[] }[]
      const move = moves.find(
        (m) => m.kind === 'reassigned' && m.identifiers.some((i) => i.type === type && i.value === ref) && m.otherPersonId !== person.body.id && !holders.includes(m.otherPersonId),
      )
      if (!move) break
      holders.push(move.otherPersonId)
      person = await read(`/v1/people/${encodeURIComponent(move.otherPersonId)}?type=person_id`)
    }
    return holders
  }
  /** Null when the acknowledged one-event call is among the events of its person (or of the id's earlier holders), else why not. */
  const unreachable = async (input: FuzzInput): Promise<string | null> => {
    let sent: Record<string, unknown>
    try {
      sent = JSON.parse(input.body!.toString()) as Record<string, unknown>
    } catch {
      return null // answered 200 to a body that is not JSON: its own failure, if any, was reported above
    }
    const messageId = input.messageId!
    if (sent?.messageId !== messageId) return null
    // Ids as the server reads them: a finite number is its string, a string of blanks is no id.
    const id = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && v.trim() !== '' ? v : null)
    const traits = (v: unknown) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {})
    const email = id(traits(sent.traits).email) ?? id(traits(traits(sent.context).traits).email) ?? id(traits(sent.properties).email)
    const [ref, type] = id(sent.userId) ? [id(sent.userId)!, 'user_id'] : id(sent.anonymousId) ? [id(sent.anonymousId)!, 'anonymous_id'] : email ? [email, 'email'] : [null, null]
    if (ref === null) return 'acknowledged an event that names no person'
    // A server may normalise what it stores (a lone surrogate to U+FFFD, blanks trimmed): look it up as stored.
    for (const candidate of [...new Set([wellFormed(ref), wellFormed(ref).trim()])]) {
      if (await holds(`/v1/people/${encodeURIComponent(candidate)}/events?type=${type}&limit=1000`, messageId)) return null
      for (const holder of await earlierHolders(candidate, type)) {
        if (await holds(`/v1/people/${encodeURIComponent(holder)}/events?type=person_id&limit=1000`, messageId)) return null
      }
    }
    const last = await read(`/v1/people/${encodeURIComponent(wellFormed(ref))}/events?type=${type}&limit=1`)
    return `acknowledged, but not found through ${type} ${preview(ref, 80)} nor its earlier holders (${last.status} ${JSON.stringify(last.body).slice(0, 160)})`
  }
  let before_: Awaited<ReturnType<typeof keeperView>>
  let prototypes: PrototypeGuard

  before(async () => {
    shop = await startRouteShop()
    const put = await request(`${shop.server.url}/v1/items/${keeper.itemId}`, {
      method: 'PUT',
      auth: secret(),
      json: { title: 'Keeper', price: 12.5, categories: ['Keepers > Kept'], brand: 'KeepCo', tags: ['kept'], attributes: { color: 'teal' } },
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const at = Date.now() - 60_000
    const events = [
      { type: 'identify', messageId: `keeper-${SEED}-1`, userId: keeper.userId, traits: { email: `keeper-${SEED}@example.com`, firstName: 'Kee' }, timestamp: new Date(at).toISOString() },
      { type: 'track', messageId: `keeper-${SEED}-2`, userId: keeper.userId, event: 'Product Viewed', properties: { product_id: keeper.itemId }, timestamp: new Date(at + 1000).toISOString() },
      {
        type: 'track',
        messageId: `keeper-${SEED}-3`,
        userId: keeper.userId,
        event: 'Order Completed',
        properties: { order_id: `keeper-order-${SEED}`, revenue: 25, currency: 'EUR', products: [{ product_id: keeper.itemId, price: 12.5, quantity: 2 }] },
        timestamp: new Date(at + 2000).toISOString(),
      },
    ]
    const sent = await request(`${shop.server.url}/v1/batch`, { auth: basicAuth(shop.server.writeKey), json: { batch: events } })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    await waitFor(async () => (await read(`/v1/people/${keeper.userId}`)).body?.activity?.events === 3, 10_000)
    before_ = await keeperView()
    prototypes = new PrototypeGuard()
  })
  after(async () => {
    agent.destroy()
    await shop?.server.close()
  })

  it(`keeps its properties on ${REQUESTS} hostile requests (seed ${SEED})`, async () => {
    const rng = new Rng(SEED)
    const failures: Failure[] = []
    const sentinels: { index: number; row: RouteRow; input: FuzzInput }[] = []
    const recent: string[] = []
    const acknowledged: { index: number; row: RouteRow; credential: Credential; input: FuzzInput }[] = []
    const started = performance.now()
    let sent = 0
    for (let index = 0; index < REQUESTS; index++) {
      if ((performance.now() - started) / 1000 > SECONDS) break
      // Round robin over the routes, so every route gets its share whatever the count.
      const row = ROUTES[index % ROUTES.length]!
      const { input, credential } = fuzzInput(rng, row, shop, index)
      sent++
      let reply: RawReply
      try {
        reply = await rawRequest(shop.server.url, input, agent)
      } catch (error) {
        failures.push({ index, row, credential, input, problem: `no answer: ${(error as Error).message}` })
        continue
      }
      const problem = replyProblem(row, input, reply)
      if (problem) failures.push({ index, row, credential, input, problem, reply })
      recent.push(`#${index} ${input.method} ${preview(input.path, 120)}: ${input.note.slice(0, 200)}`)
      if (recent.length > 8) recent.shift()
      const changed = prototypes.changes()
      if (changed.length > 0) {
        // Events are applied to profiles after the answer: the cause may be one of the requests just before.
        failures.push({ index, row, credential, input, problem: `built-in prototypes changed: ${changed.join(', ')}`, reply, context: ['the latest requests:', ...recent] })
        prototypes.restore()
      }
      else if (input.sentinel && (reply.status === 200 || errorCodeOf(reply) === 'invalid_events' || errorCodeOf(reply) === 'invalid_items')) sentinels.push({ index, row, input })
      else if (input.messageId && reply.status === 200) acknowledged.push({ index, row, credential, input })
      if (index % 250 === 249) {
        const health = await healthz(shop.server.url, agent)
        if (health) failures.push({ index, row, credential, input, problem: `after this request: ${health}` })
      }
    }
    const seconds = (performance.now() - started) / 1000

    // The good records sent next to hostile ones were acknowledged: they are stored and readable.
    for (const { index, row, input } of sentinels) {
      const s = input.sentinel!
      const path = s.kind === 'item' ? `/v1/items/${s.id}` : `/v1/people/${s.id}/events?type=anonymous_id`
      const reply = await read(path)
      const found = s.kind === 'item' ? reply.status === 200 && reply.body.title === `Sentinel ${index}` : reply.status === 200 && reply.body.data?.some((e: { messageId: string }) => e.messageId === s.id)
      if (!found) failures.push({ index, row, credential: 'secret', input, problem: `the good record ${s.id} next to the hostile one cannot be read back (${reply.status} ${JSON.stringify(reply.body).slice(0, 160)})` })
    }

    // Acknowledged means stored: each one-event call answered 200 is found through the person it names.
    let reachable = 0
    for (const { index, row, credential, input } of acknowledged) {
      const problem = await unreachable(input)
      if (problem) failures.push({ index, row, credential, input, problem })
      else reachable++
    }

    const health = await healthz(shop.server.url, agent)
    const polluted = failures.filter((f) => f.problem.startsWith('built-in prototypes changed')).map((f) => `after #${f.index}: ${f.problem}`)
    if (failures.length > 0) report(failures, sent, seconds)
    console.log(`# fuzz: seed ${SEED}, ${sent} requests in ${seconds.toFixed(1)} s over ${ROUTES.length} routes, ${sentinels.length} good records next to hostile ones and ${reachable} acknowledged events read back, ${failures.length} failures`)

    assert.equal(health, null, 'the server is healthy after the fuzzing')
    assert.deepEqual([...polluted, ...prototypes.changes()], [], 'built-in prototypes are unchanged in the server process')
    assert.deepEqual(await keeperView(), before_, 'the data stored before the fuzzing reads back the same')
    assert.equal(failures.length, 0, `${failures.length} of ${sent} requests broke a property (seed ${SEED}); each is printed above with its input`)
  })
})

/** Null when GET /healthz answers 200 within 5 s (a stalled event loop does not), else what happened. */
async function healthz(url: string, agent: http.Agent): Promise<string | null> {
  try {
    const reply = await rawRequest(url, { method: 'GET', path: '/healthz' }, agent, 5_000)
    return reply.status === 200 ? null : `/healthz answered ${reply.status}`
  } catch (error) {
    return `/healthz: ${(error as Error).message}`
  }
}

function report(failures: Failure[], sent: number, seconds: number): void {
  const byKind = new Map<string, number>()
  for (const f of failures) {
    const key = `${f.row.method} ${f.row.url}: ${f.problem.replace(/\d{3,}/g, 'N').slice(0, 120)}`
    byKind.set(key, (byKind.get(key) ?? 0) + 1)
  }
  const lines = [`fuzz failures: seed ${SEED} (ATTUNE_FUZZ_SEED=${SEED} reproduces), ${failures.length} of ${sent} requests in ${seconds.toFixed(1)} s`, '', 'by route and problem:']
  for (const [key, count] of [...byKind].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(count).padStart(4)} × ${key}`)
  lines.push('', 'each failure (first 100):')
  for (const f of failures.slice(0, 100)) {
    const { input } = f
    lines.push(
      `  #${f.index} ${f.row.method} ${f.row.url} [${f.credential} key]: ${f.problem}`,
      `      ${input.method} ${preview(input.path, 300)} — ${input.note}`,
      `      headers ${preview(JSON.stringify({ ...input.headers, ...(input.headers?.authorization && { authorization: `${input.headers.authorization.split(' ')[0]} …` }) }), 300)}`,
      ...(input.body !== undefined ? [`      body ${preview(input.body, 300)}`] : []),
      ...(f.reply ? [`      answered ${f.reply.status} ${preview(f.reply.text, 200)}`] : []),
      ...(f.context ?? []).map((line) => `      ${line}`),
    )
  }
  console.error(lines.join('\n'))
}
