/** A small fetch wrapper for the API's JSON routes, and the reply shapes tests read. */
import assert from 'node:assert/strict'

export interface Reply<T = any> {
  status: number
  headers: Headers
  /** Parsed JSON when the reply is JSON, else the text. */
  body: T
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string }
  accepted?: number
  duplicates?: number
  upserted?: number
  rejected?: { index: number; code: string; message: string; field?: string }[]
}

/** An event as GET /v1/people/{id}/events shows it. */
export interface EventView {
  messageId: string
  type: string
  event: string | null
  kind: string
  userId: string | null
  anonymousId: string | null
  itemId: string | null
  timestamp: string
  receivedAt: string
  originalTimestamp: string | null
  properties: Record<string, any>
  traits: Record<string, any>
  context: Record<string, any>
  data: Record<string, any>
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
export const bearer = (key: string) => `Bearer ${key}`

export interface RequestOptions {
  method?: string
  /** The Authorization header value. */
  auth?: string
  /** Sent as JSON (application/json). */
  json?: unknown
  /** Sent as is, with `contentType` (default application/json). */
  body?: string
  contentType?: string
  headers?: Record<string, string>
}

/** Longer than any call a test makes on a loaded 2-core machine, far shorter than the runner's timeout. */
const REQUEST_TIMEOUT_MS = 60_000

export async function request<T = any>(url: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.auth) headers.authorization = options.auth
  let body: string | undefined
  if (options.json !== undefined) body = JSON.stringify(options.json)
  else if (options.body !== undefined) body = options.body
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json'
  const method = options.method ?? (body === undefined ? 'GET' : 'POST')
  // A server that never answers fails the test with the call named, instead of hanging it until the
  // runner's timeout with no clue which call it was.
  const abort = new AbortController()
  const started = Date.now()
  const timer = setTimeout(() => abort.abort(new Error(`no answer to ${method} ${url} in ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS)
  let text: string
  let res: Response
  try {
    res = await fetch(url, { method, headers, body, signal: abort.signal })
    text = await res.text()
  } catch (error) {
    if (abort.signal.aborted) throw new Error(`${abort.signal.reason?.message ?? 'aborted'} (after ${Date.now() - started} ms)`, { cause: error })
    throw error
  } finally {
    clearTimeout(timer)
  }
  const isJson = (res.headers.get('content-type') ?? '').includes('json') && text !== ''
  return { status: res.status, headers: res.headers, body: (isJson ? JSON.parse(text) : text) as T }
}

/** Asserts the catalogue's error shape `{error: {code, message, field?}}`, the status and the code; returns the body. */
export function assertError(reply: Reply, status: number, code: string, field?: string): ErrorBody {
  const context = `${reply.status} ${JSON.stringify(reply.body).slice(0, 400)}`
  assert.equal(reply.status, status, context)
  const body = reply.body as ErrorBody
  assert.equal(typeof body, 'object', context)
  assert.equal(body.error?.code, code, context)
  assert.equal(typeof body.error.message, 'string', context)
  assert.ok(body.error.message.length > 0, context)
  for (const key of Object.keys(body.error)) assert.ok(['code', 'message', 'field'].includes(key), `unexpected error key ${key}`)
  if (field !== undefined) assert.equal(body.error.field, field, context)
  return body
}

/** Talks to one server: tracking calls with the write key, everything else with the secret key. */
export class Api {
  readonly url: string
  readonly writeKey: string
  readonly secretKey: string

  constructor(server: { url: string; writeKey: string; secretKey: string }) {
    this.url = server.url
    this.writeKey = server.writeKey
    this.secretKey = server.secretKey
  }

  /** POST a tracking call (e.g. "/v1/track", "/v1/batch") with the write key as HTTP Basic user name. */
  send(path: string, json: unknown, auth: string | null = basicAuth(this.writeKey)): Promise<Reply> {
    return request(this.url + path, { method: 'POST', json, ...(auth !== null && { auth }) })
  }

  batch(events: unknown[], extra: Record<string, unknown> = {}): Promise<Reply> {
    return this.send('/v1/batch', { batch: events, ...extra })
  }

  /** A request with the secret key as Bearer token. */
  secret<T = any>(method: string, path: string, json?: unknown): Promise<Reply<T>> {
    return request<T>(this.url + path, { method, auth: bearer(this.secretKey), ...(json !== undefined && { json }) })
  }

  /** One page of a person's events. */
  async eventsPage(personId: string, limit = 50, cursor?: string): Promise<{ data: EventView[]; nextCursor: string | null }> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor && { cursor }) })
    const reply = await this.secret('GET', `/v1/people/${encodeURIComponent(personId)}/events?${query}`)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body
  }

  /** Every event of a person, following nextCursor; also returns the pages as they came. */
  async allEvents(personId: string, limit = 1000): Promise<{ events: EventView[]; pages: EventView[][] }> {
    const pages: EventView[][] = []
    let cursor: string | undefined
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await this.eventsPage(personId, limit, cursor)
      pages.push(page.data)
      if (page.nextCursor === null) return { events: pages.flat(), pages }
      assert.ok(page.data.length > 0, 'a page with a nextCursor is not empty')
      cursor = page.nextCursor
    }
    throw new Error('paging did not end')
  }
}
