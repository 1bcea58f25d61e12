/**
 * The fuzz test's inputs: a seeded PRNG and, for a route of test/builders/routes.ts's table, one hostile
 * variant of its good call (test/e2e/fuzz.test.ts sends them and checks the answers).
 */
import { gzipSync } from 'node:zlib'
import { seededRandom } from '../../src/core/index.ts'
import { basicAuth, bearer } from './http.ts'
import type { RawRequest, RouteRow, RouteShop } from './routes.ts'

/** The seed of the run: ATTUNE_FUZZ_SEED explores other inputs. */
export const SEED = Number.parseInt(process.env.ATTUNE_FUZZ_SEED ?? '12012', 10)

/** mulberry32: a small, fast PRNG with a 32-bit state; the same seed gives the same inputs. */
export class Rng {
  readonly next: () => number
  constructor(seed: number) {
    this.next = seededRandom(seed)
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

// JSON.stringify cannot write a "__proto__" key or a few thousand levels of nesting from a plain object:
// these placeholders are swapped for the raw text after serialising.
const PROTO = '\u0001__proto__'
const deepMarker = (levels: number, kind: 'array' | 'object') => `\u0001deep:${levels}:${kind}`
function serialize(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll(JSON.stringify(PROTO), '"__proto__"')
    .replace(/"\\u0001deep:(\d+):(array|object)"/g, (_m, n: string, kind: string) =>
      kind === 'array' ? `${'['.repeat(Number(n))}1${']'.repeat(Number(n))}` : `${'{"a":'.repeat(Number(n))}1${'}'.repeat(Number(n))}`,
    )
}

const LONG = 'x'.repeat(40_000)
const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 5e-324, 1e300, -1e300, 9007199254740993, 1.7976931348623157e308,
  'NaN', 'Infinity', '-Infinity', '1e309', '1e300', '-1', '', ' ', ' leading', 'trailing ', '\t\n',
  '\ud800', '\udfff', 'a\udc00b', '\u0000', '\u0000\u0001\u001f\u007f', '\u2028\u2029', '\u202e', '\ufeff', '🙂'.repeat(60),
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'i'.repeat(100), 'i'.repeat(101), 'i'.repeat(255), 'i'.repeat(256), LONG,
  'javascript:alert(1)', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '2026-02-30T25:61:00Z',
  [], [null], [1, 'a', {}], {}, { a: 1 }, { [PROTO]: { polluted: 'yes' } }, { constructor: { prototype: { polluted: 'yes' } } },
  { prototype: { polluted: 'yes' } }, { toString: 1, valueOf: 'x' }, [{ [PROTO]: { polluted: 'yes' } }],
]
const HOSTILE_KEYS: readonly string[] = [PROTO, 'constructor', 'prototype', 'toString', '', ' ', '\ud800', 'a.b', '$where', 'x'.repeat(300), 'writeKey', 'userId', 'type']

/** Raw path segments (as sent, already encoded). */
const HOSTILE_IDS: readonly string[] = [
  'a%2Fb', '%2F', '..', '%2e%2e', '.', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e', 'i'.repeat(100), 'i'.repeat(101), 'i'.repeat(255), 'i'.repeat(256),
  'i'.repeat(2000), '%20leading', '%20', 'trailing%20', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '%ED%A0%80', '%EF%BF%BD',
  '%F0%9F%99%82', '%00', '%0A', '%', '%zz', '%C0%AF', 'a%3Fb', '%23', '~', '%C3%A9', '-1', 'NaN', 'Infinity', '1e308', 'null', 'x.svg', '__proto__.svg',
]

const HOSTILE_QUERIES: readonly string[] = [
  'limit=Infinity', 'limit=-Infinity', 'limit=-1', 'limit=0', 'limit=1e308', 'limit=NaN', 'limit=1.5', 'limit=', 'limit', 'limit=1&limit=2',
  'limit[]=1', 'limit[a]=1', 'limit=%00', 'limit=99999999999999999999', `cursor=${'c'.repeat(600)}`, 'cursor=%ED%A0%80', 'cursor=__proto__',
  'cursor=eyJ9', 'cursor=-1', 'type=__proto__', 'type=constructor', 'type=user_id&type=email', 'type=', 'category=__proto__',
  `category=${'k'.repeat(600)}`, 'category=%ED%A0%80', 'from=1e308', 'to=Infinity', 'from=2026-13-45', 'from=-271821-04-20T00:00:00Z',
  'from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z', '__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '__proto__=x',
  'a=%ZZ', '%=%', '&&&', '=', `q=${'q'.repeat(5000)}`,
]

const RAW_BODIES: readonly string[] = [
  '', ' ', 'null', 'true', '0', '"a string"', '[]', '[{}]', '{', '{"a":}', '{"a":1,}', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"a":-Infinity}',
  '{"a":1e999}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', "{'a':1}", '{"writeKey":1}', '{"writeKey":{"a":1}}', '{"batch":"x"}',
  '{"batch":{}}', '{"batch":[null,1,"x",[]]}', '{"items":{}}', '{"items":[null,1,"x",[]]}', '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"a":{"__proto__":{"polluted":"yes"}}}', '\u0000'.repeat(100), 'a'.repeat(1_100_000),
  `{"a":"${'b'.repeat(600_000)}"}`, '{"a":1}{"b":2}', '<xml/>', 'a=1&b=2',
]

const CONTENT_TYPES: readonly string[] = [
  'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
  'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json;;;', 'APPLICATION/JSON', 'application/octet-stream',
  '*/*', 'application/json, text/plain', 'application/vnd.api+json', 'text/html',
]

export type Credential = 'none' | 'write' | 'write-body' | 'secret'

export interface FuzzInput extends RawRequest {
  /** What was done to the route's good call, for the failure report. */
  note: string
  /** For batch routes: the good record's id (sent first, next to a hostile one), and which reply codes may refuse the whole body. */
  sentinel?: { kind: 'event' | 'item'; id: string; wholeBodyCodes: readonly string[] }
  /** For one-event tracking calls: the event's own messageId, to find it through its person once acknowledged. */
  messageId?: string
}

/** Tracking routes that take one event (every write route but the batches, recommendations and decisions). */
export const isSingleCall = (row: RouteRow) => row.access === 'write' && !['/v1/batch', '/v1/b', '/v1/recommendations', '/v1/decisions'].includes(row.url)

/** Every place inside a JSON value (as key paths), the value itself included. */
function placesIn(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path)
  if (Array.isArray(value)) value.forEach((v, i) => placesIn(v, [...path, i], out))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) placesIn(v, [...path, k], out)
  return out
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value
  let node = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path.at(-1)!] = value
  return root
}

function deleteAt(root: unknown, path: (string | number)[]): void {
  let node = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  if (Array.isArray(node)) node.splice(Number(path.at(-1)), 1)
  else delete node[path.at(-1)!]
}

/** A "__proto__" or "constructor" key: the JSON parser's guard refuses the whole body for it, good records too. */
export const guardedKey = (json: string) => /"(__proto__|constructor)":/.test(json)

/** Lone surrogates replaced by U+FFFD, as String.prototype.toWellFormed does (not in this TypeScript lib). */
export const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')

/** A copy of a hostile value (objects are mutated by later steps). */
const hostileValue = (rng: Rng): unknown => structuredClone(rng.pick(HOSTILE_VALUES))

let bomb: Buffer | undefined
/** 20 MB of JSON whitespace, gzipped to about 20 KB. */
const gzipBomb = () => (bomb ??= gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)))

/** One hostile variant of a route's good call. */
export function fuzzInput(rng: Rng, row: RouteRow, shop: RouteShop, index: number): { input: FuzzInput; credential: Credential } {
  const call = row.call(shop.ids)
  const credentials: Credential[] = row.access === 'public' ? ['none', 'write', 'secret'] : row.access === 'write' ? ['write', 'write-body', 'secret'] : ['write', 'secret', 'secret']
  const credential = rng.pick(credentials)
  const [callPath, callQuery] = call.path.split('?') as [string, string | undefined]
  let path = callPath
  let query = callQuery
  let body: unknown = call.body === undefined ? undefined : structuredClone(call.body)
  let text: string | Buffer | undefined
  let contentType = 'application/json'
  const headers: Record<string, string> = { ...call.headers }
  const notes: string[] = []
  let sentinel: FuzzInput['sentinel']
  let placesFrom = 0

  // Batch routes carry a good record first; hostile changes go to the one after it.
  const listKey = body && Array.isArray((body as Record<string, unknown>).batch) ? 'batch' : body && Array.isArray((body as Record<string, unknown>).items) ? 'items' : null
  if (listKey && rng.chance(0.7)) {
    const id = `fuzz-sentinel-${SEED}-${index}`
    const good =
      listKey === 'batch'
        ? { type: 'track', messageId: id, anonymousId: id, event: 'Product Viewed', properties: { product_id: shop.ids.itemId } }
        : { id, title: `Sentinel ${index}`, price: 1 }
    ;(body as Record<string, unknown[]>)[listKey]!.unshift(good)
    sentinel = { kind: listKey === 'batch' ? 'event' : 'item', id, wholeBodyCodes: [] }
    placesFrom = 1
  }

  // A one-event call gets its own person and messageId: once acknowledged, it must be found through that person.
  const messageId = `fuzz-ack-${SEED}-${index}`
  if (isSingleCall(row) && body) {
    const event = body as Record<string, unknown>
    event.messageId = messageId
    if ('anonymousId' in event) event.anonymousId = `fuzz-visitor-${SEED}-${index}`
    if ('userId' in event) event.userId = `fuzz-user-${SEED}-${index}`
    // One shared email would merge every visitor into one person.
    const traits = event.traits as Record<string, unknown> | undefined
    if (traits && 'email' in traits) traits.email = `fuzz-${SEED}-${index}@example.com`
  }

  const hasBody = body !== undefined
  const params = /:[A-Za-z]+|\*/.test(row.url)
  const kinds = [
    ...(hasBody ? ['value', 'value', 'value', 'proto-value', 'drop', 'extra', 'extra', 'deep', 'shape'] : []),
    ...(hasBody || row.method !== 'GET' ? ['raw', 'content-type', 'encoding'] : []),
    'query',
    ...(params ? ['param', 'param', 'param'] : []),
    ...(row.method === 'GET' ? ['query'] : []),
    'header',
  ]
  const steps = 1 + (rng.chance(0.3) ? 1 : 0)
  for (let s = 0; s < steps; s++) {
    const kind = rng.pick(kinds)
    const places = () => {
      const all = placesIn(body).filter((p) => p.length > 0)
      // With a sentinel, only the record after it (and what it holds) is changed.
      return sentinel ? all.filter((p) => p[0] === listKey && p.length > 1 && Number(p[1]) >= placesFrom) : all
    }
    switch (kind) {
      case 'value': {
        const where = places()
        if (where.length === 0) break
        const at = rng.pick(where)
        const value = hostileValue(rng)
        setAt(body, at, value)
        notes.push(`${at.join('.')} = ${preview(serialize(value))}`)
        if (sentinel && guardedKey(serialize(value))) sentinel.wholeBodyCodes = ['invalid_json']
        break
      }
      case 'proto-value': {
        // Names the server may use as keys (a category, a brand, a device type): the prototype's own names.
        const where = places().filter((p) => typeof p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], body) === 'string')
        if (where.length === 0) break
        const at = rng.pick(where)
        const name = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])
        setAt(body, at, name)
        notes.push(`${at.join('.')} = ${JSON.stringify(name)}`)
        break
      }
      case 'drop': {
        const where = places()
        if (where.length === 0) break
        const at = rng.pick(where)
        deleteAt(body, at)
        notes.push(`without ${at.join('.')}`)
        break
      }
      case 'extra': {
        const containers = [[], ...places()].filter((p) => {
          const v = p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], body)
          return v !== null && typeof v === 'object' && !Array.isArray(v)
        })
        const at = sentinel ? containers.filter((p) => p.length > 0) : containers
        if (at.length === 0) break
        const where = rng.pick(at)
        const key = rng.pick(HOSTILE_KEYS)
        const value = hostileValue(rng)
        const target = where.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], body) as Record<string, unknown>
        target[key] = value
        notes.push(`extra ${[...where, key === PROTO ? '__proto__' : key].join('.')} = ${preview(serialize(value))}`)
        if (sentinel && (key === PROTO || key === 'constructor' || guardedKey(serialize(value)))) sentinel.wholeBodyCodes = ['invalid_json']
        break
      }
      case 'deep': {
        const where = places()
        const levels = rng.pick([500, 2000, 5000])
        const shape = rng.pick(['array', 'object'] as const)
        const at = where.length > 0 && rng.chance(0.8) ? rng.pick(where) : []
        if (sentinel && at.length === 0) break
        body = setAt(body, at, deepMarker(levels, shape))
        notes.push(`${at.join('.') || 'the body'} nested ${levels} levels (${shape}s)`)
        break
      }
      case 'shape': {
        if (sentinel) {
          // An array where the record's object belongs, or the record's object where the list belongs.
          const list = (body as Record<string, unknown[]>)[listKey!]!
          list[1] = rng.chance(0.5) ? [list[1]] : rng.pick(['a', 1, null])
          notes.push(`${listKey}[1] replaced by ${preview(serialize(list[1]))}`)
          break
        }
        const choice = rng.int(3)
        body = choice === 0 ? [body] : choice === 1 ? hostileValue(rng) : { wrapped: body }
        notes.push(`body replaced by ${preview(serialize(body))}`)
        break
      }
      case 'raw':
        text = rng.pick(RAW_BODIES)
        sentinel = undefined
        notes.push(`raw body ${preview(text)}`)
        break
      case 'content-type':
        contentType = rng.pick(CONTENT_TYPES)
        if (!(contentType.startsWith('text/plain') && rng.chance(0.5))) sentinel = undefined
        notes.push(`content-type ${contentType}`)
        break
      case 'encoding': {
        const choice = rng.int(6)
        sentinel = undefined
        if (choice === 0) {
          headers['content-encoding'] = 'gzip'
          text = Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256)))
          notes.push(`gzip of ${text.length} random bytes`)
        } else if (choice === 1) {
          headers['content-encoding'] = 'gzip'
          text = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), Buffer.from(Array.from({ length: 64 }, () => rng.int(256)))])
          notes.push('a gzip header and garbage')
        } else if (choice === 2) {
          headers['content-encoding'] = 'gzip'
          text = gzipSync(serialize(body ?? {})).subarray(0, 12)
          notes.push('truncated gzip')
        } else if (choice === 3) {
          headers['content-encoding'] = 'deflate'
          text = Buffer.from('not deflate at all')
          notes.push('deflate of plain text')
        } else if (choice === 4) {
          headers['content-encoding'] = rng.pick(['br', 'gzip, gzip', 'x-unknown', 'GZIP ', 'identity, gzip'])
          notes.push(`content-encoding ${headers['content-encoding']}`)
        } else {
          headers['content-encoding'] = 'gzip'
          text = gzipBomb()
          notes.push('gzip of 20 MB of whitespace')
        }
        break
      }
      case 'query': {
        const q = rng.pick(HOSTILE_QUERIES)
        query = query && rng.chance(0.5) ? `${query}&${q}` : q
        notes.push(`query ?${preview(query)}`)
        break
      }
      case 'param': {
        const id = rng.pick(HOSTILE_IDS)
        path = row.url === '*' ? `/${id}` : row.url.replace(/:[A-Za-z]+|\*/, id).replace(/:[A-Za-z]+/g, encodeURIComponent(shop.ids.itemId))
        notes.push(`path ${preview(path)}`)
        break
      }
      case 'header': {
        const choice = rng.int(4)
        if (choice === 0) headers.authorization = `Bearer ${'k'.repeat(8000)}`
        else if (choice === 1) headers.authorization = `Basic ${Buffer.from(`${'u'.repeat(3000)}:`).toString('base64')}`
        else if (choice === 2) headers['x-forwarded-for'] = Array.from({ length: 200 }, (_, i) => `10.0.${i}.1`).join(', ')
        else headers.cookie = `demo_user=${encodeURIComponent('__proto__')}; ajs_anonymous_id=%ED%A0%80; ${'c=1; '.repeat(300)}`
        notes.push(`header ${choice === 0 || choice === 1 ? 'authorization' : choice === 2 ? 'x-forwarded-for' : 'cookie'} (${(headers.authorization ?? headers['x-forwarded-for'] ?? headers.cookie ?? '').length} chars)`)
        break
      }
    }
  }

  if (credential === 'write-body' && body !== null && typeof body === 'object' && !Array.isArray(body)) (body as Record<string, unknown>).writeKey = shop.server.writeKey
  if (text === undefined && body !== undefined) text = serialize(body)
  if (text !== undefined && !headers['content-type']) headers['content-type'] = contentType
  if (headers.authorization === undefined) {
    if (credential === 'secret') headers.authorization = bearer(shop.server.secretKey)
    else if (credential === 'write') headers.authorization = basicAuth(shop.server.writeKey)
  }
  const input: FuzzInput = {
    method: row.method,
    path: query === undefined ? path : `${path}?${query}`,
    headers,
    note: notes.join('; ') || 'the good call',
    ...(text !== undefined && { body: text }),
    ...(sentinel && { sentinel }),
    ...(isSingleCall(row) && { messageId }),
  }
  return { input, credential }
}

/** A short, printable form of a sent value for failure reports. */
export function preview(value: string | Buffer, max = 160): string {
  const s = typeof value === 'string' ? value : `<${value.length} bytes: ${value.subarray(0, 24).toString('hex')}…>`
  return s.length > max ? `${JSON.stringify(s.slice(0, max)).slice(0, -1)}…" (${s.length} chars)` : JSON.stringify(s)
}
