/** Maps every failure to the catalogue's JSON shape `{ error: { code, message, field? } }`. */
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
  if (error.code === 'Z_DATA_ERROR' || error.code === 'Z_BUF_ERROR') {
    return new AttuneError('invalid_json', 'the body could not be decompressed as its Content-Encoding says')
  }
  if (error.validation && error.validation.length > 0) {
    const v = error.validation[0]!
    const params = v.params as { missingProperty?: string; additionalProperty?: string }
    const name = params.missingProperty ?? params.additionalProperty
    const field = [jsonPointerToPath(v.instancePath), name].filter(Boolean).join('.')
    const where = error.validationContext ?? 'request'
    return new AttuneError(params.missingProperty ? 'missing_field' : 'invalid_field', `${where} ${field || ''} ${v.message ?? 'is invalid'}`.replace(/\s+/g, ' '), field || undefined)
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
  return new AttuneError('internal', 'internal error')
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AttuneError, request, reply) => {
    const known = error instanceof AttuneError ? error : fromFastify(error)
    if (known.code === 'internal') request.log.error({ err: error }, 'unhandled error')
    else if (known.status >= 500) request.log.warn({ err: error }, known.message)
    return reply.status(known.status).send(known.toBody())
  })
  app.setNotFoundHandler((request, reply) => {
    const e = new AttuneError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)
    return reply.status(404).send(e.toBody())
  })
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or error handler runs (a path that is
 * not valid percent-encoded UTF-8, a path parameter over `maxParamLength`) gets the catalogue's body too.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AttuneError('invalid_field', `a path segment is longer than ${request.server.initialConfig.maxParamLength} characters`, 'path')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AttuneError('invalid_field', 'the path is not valid percent-encoded UTF-8', 'path')
        : new AttuneError('invalid_field', error.message)
  void reply.status(e.status).send(e.toBody())
}
