/** Maps every failure to the catalogue's JSON shape `{ error: { code, message, field? } }`. */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AttuneError } from '../core/index.ts'

/** "/gifts/0/orderId" → "gifts[0].orderId", the field format of docs/errors.md. */
function jsonPointerToPath(pointer: string): string {
  let out = ''
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`
  }
  return out
}

type SchemaError = NonNullable<FastifyError['validation']>[number]

/**
 * The values a field may take when its schema is an enum or a union of literals (TypeBox's
 * `Type.Union(names.map(Type.Literal))` fails as one "must be equal to constant" per branch, then anyOf);
 * null for any other failure.
 */
function allowedValues(errors: readonly SchemaError[]): unknown[] | null {
  const first = errors[0]!
  if (first.keyword === 'enum') return (first.params as { allowedValues?: unknown[] }).allowedValues ?? null
  const branch = /^(.*\/anyOf)\/\d+\/const$/.exec(first.schemaPath)
  if (first.keyword !== 'const' || !branch) return null
  const anyOf = branch[1]!
  const inUnion = errors.filter((e) => e.schemaPath.startsWith(`${anyOf}/`))
  // Every branch must be a literal: a union with other schemas (a string or a number) is not a set of names.
  if (!inUnion.every((e) => e.keyword === 'const' && e.instancePath === first.instancePath)) return null
  return inUnion.map((e) => (e.params as { allowedValue?: unknown }).allowedValue)
}

function fromFastify(error: FastifyError): AttuneError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AttuneError('invalid_json', `the body is not valid JSON: ${error.message}`)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AttuneError('payload_too_large', 'the request body is larger than this route accepts (500 KB for a batch, 32 KB for one event)')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AttuneError('unsupported_media_type', 'send the body as application/json')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AttuneError('invalid_json', 'the Content-Length does not match the body')
    // The docs' static files: a name that cannot be a file there (a NUL byte, "..", over 255 bytes).
    case 'FST_STATIC_FORBIDDEN_PATH':
      return new AttuneError('not_found', 'no such file')
  }
  if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
    return new AttuneError('invalid_json', 'the body could not be decompressed as its Content-Encoding says')
  }
  if (error.validation && error.validation.length > 0) {
    const v = error.validation[0]!
    const params = v.params as { missingProperty?: string; additionalProperty?: string }
    const name = params.missingProperty ?? params.additionalProperty
    const field = [jsonPointerToPath(v.instancePath), name].filter(Boolean).join('.')
    const where = error.validationContext ?? 'request'
    const allowed = allowedValues(error.validation)
    const problem = allowed ? `must be one of ${allowed.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')}` : (v.message ?? 'is invalid')
    return new AttuneError(params.missingProperty ? 'missing_field' : 'invalid_field', `${where} ${field || ''} ${problem}`.replace(/\s+/g, ' '), field || undefined)
  }
  // The store failing (disk full, database locked or unreachable) is a temporary outage, not a bug.
  // (PostgreSQL classes 08 connection, 53 resources, 57P operator intervention.)
  if (typeof error.code === 'string' && /^(SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)\w*|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08\w{3}|57P\w{2}|53\w{3})$/.test(error.code)) {
    return new AttuneError('unavailable', 'the store is unavailable; retry later')
  }
  // node-postgres reports a connection dropped by the peer (or a pool that cannot connect in time) without a code.
  if (/^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect)$/.test(error.message)) {
    return new AttuneError('unavailable', 'the store is unavailable; retry later')
  }
  if (error.statusCode === 400 && /json/i.test(error.message)) return new AttuneError('invalid_json', error.message)
  if (error.statusCode === 413) return new AttuneError('payload_too_large', error.message)
  // @fastify/static refuses a path that climbs out of its folder (/dashboard/assets/..) with a bare 403: no such file.
  if (error.statusCode === 403 || error.statusCode === 404) return new AttuneError('not_found', 'no such file')
  if (error.statusCode === 415) return new AttuneError('unsupported_media_type', error.message)
  // Any other error the framework gives a client status (a body stream that fails, a header it refuses) is the
  // client's: answered with that status (see installErrorHandling), not logged as a bug.
  if (clientStatus(error) !== undefined) return new AttuneError('bad_request', error.message)
  return new AttuneError('internal', 'internal error')
}

/** The catalogue's error for whatever a request failed with (what the error handler answers). */
export function toAttuneError(error: FastifyError | AttuneError): AttuneError {
  return error instanceof AttuneError ? error : fromFastify(error)
}

function clientStatus(error: FastifyError): number | undefined {
  const status = error.statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}

/** The client hung up before its request was read (or answered): nothing to answer, and nothing broken here. */
function clientGone(error: FastifyError, request: { raw: { aborted: boolean } }): boolean {
  // Node marks the request aborted, and its body stream fails with ECONNRESET "aborted".
  return request.raw.aborted && (error.code === 'ECONNRESET' || error.message === 'aborted')
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AttuneError, request, reply) => {
    if (!(error instanceof AttuneError) && clientGone(error, request)) {
      request.log.info({ reason: error.message }, 'client closed the connection before the request was complete')
      return reply.status(400).send(new AttuneError('bad_request', 'the request was not complete').toBody())
    }
    const known = error instanceof AttuneError ? error : fromFastify(error)
    if (known.code === 'internal') request.log.error({ err: error }, 'unhandled error')
    else if (known.status >= 500) request.log.warn({ err: error }, known.message)
    const status = known.code === 'bad_request' && !(error instanceof AttuneError) ? (clientStatus(error) ?? known.status) : known.status
    return reply.status(status).send(known.toBody())
  })
  app.setNotFoundHandler((request, reply) => {
    const e = new AttuneError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)
    return reply.status(404).send(e.toBody())
  })
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (the request or
 * headers timeout, headers too large, bad framing such as an unreadable Content-Length) gets the catalogue's
 * body too, then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, problem] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, new AttuneError('request_timeout', 'the request did not arrive within the time allowed (ATTUNE_REQUEST_TIMEOUT_MS, ATTUNE_HEADERS_TIMEOUT_MS)')]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, new AttuneError('bad_request', 'the request headers are too large')]
        : [400, new AttuneError('bad_request', 'the request is not valid HTTP/1.1')]
  const body = JSON.stringify(problem.toBody())
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}

/** The longest id (user, item, person, ...) the API stores and answers to; also the router's `maxParamLength`. */
export const MAX_ID_LENGTH = 255

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or error handler runs (a path that is
 * not valid percent-encoded UTF-8, a path parameter over `maxParamLength`) gets the catalogue's body too.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const e =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AttuneError('invalid_field', `a path segment is longer than ${MAX_ID_LENGTH} characters, the longest id`, 'path')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AttuneError('invalid_field', 'the path is not valid percent-encoded UTF-8', 'path')
        : new AttuneError('invalid_field', error.message)
  void reply.status(e.status).send(e.toBody())
}
