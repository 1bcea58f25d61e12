/** Maps every failure to the catalogue's JSON shape `{ error: { code, message, field? } }`. */
import type { FastifyError, FastifyInstance } from 'fastify'
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
