/**
 * The dashboard's one way to call the engine: same-origin fetch with the session cookie, the CSRF token on
 * every change, and the API's error body turned into an ApiError that names the code and the field.
 */
import type { ErrorCode } from '../../src/server/api-types.ts'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'bad_response',
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

let csrfToken = ''
/** Set by the session after sign-in; sent as x-csrf-token with every change. */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Called when a request finds the session gone (expired, signed out elsewhere): the app shows the sign-in page. */
let onSignedOut: () => void = () => {}
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

async function call<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  let response: Response
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body), ...(signal && { signal }) })
  } catch (error) {
    // A request its caller cancelled (a stale preview) is not the engine's failure: let the caller see the abort.
    if (signal?.aborted) throw error
    throw new ApiError(0, 'network_error', 'The engine did not answer: check that it is running, then try again.')
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    throw new ApiError(response.status, 'bad_response', `The engine answered ${response.status} with something that is not JSON.`)
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: ErrorCode; message?: string; field?: string } } | undefined)?.error
    const failure = new ApiError(response.status, error?.code ?? 'bad_response', error?.message ?? `The engine answered ${response.status}.`, error?.field)
    if (response.status === 401 && path !== '/v1/session') onSignedOut()
    throw failure
  }
  return parsed as T
}

/** Query strings from plain objects, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => call<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown, signal?: AbortSignal) => call<T>('POST', path, body ?? {}, signal),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  delete: <T = void>(path: string) => call<T>('DELETE', path),
}
