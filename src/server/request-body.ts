/**
 * How a request body is read: one JSON parser for every content type (sendBeacon and some SDKs post JSON
 * as text/plain), with Fastify's prototype-poisoning guard; gzip and deflate inflated only once the key is
 * known; a body whose key is still to come in it capped at BODY_KEY_LIMIT.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { createGunzip, createInflate } from 'node:zlib'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AttuneError } from '../core/index.ts'
import { awaitsBodyKey, BODY_KEY_LIMIT, keyVerifiedBeforeBody } from './key-guard.ts'

const JSON_TYPES = ['application/json', 'text/plain']
/** Largest part of a body that failed to parse kept for the live-events debugger (`unparsedBody`). */
const UNPARSED_KEPT = 4096

const unparsed = new WeakMap<FastifyRequest, string>()

/**
 * The start of a body that was not JSON (or was refused for a prototype key), when the request's key was
 * checked before the body: the tracking routes keep it with the refusal. Null otherwise.
 */
export function unparsedBody(request: FastifyRequest): string | null {
  return unparsed.get(request) ?? null
}

export function installBodyHandling(app: FastifyInstance): void {
  // 'error' for both: a key "__proto__" or "constructor": {"prototype": ...} is refused, whatever the content type.
  const secureParse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(JSON_TYPES)
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (request, body, done) => {
    secureParse(request, body as string, (error, parsed) => {
      if (error) {
        if (keyVerifiedBeforeBody(request)) unparsed.set(request, (body as string).slice(0, UNPARSED_KEPT + 1))
        if (poisoned(body as string)) return done(protoKeyError(), undefined)
        // With no key in a header or the query, the key had to be in this body: none can be read from it.
        if (awaitsBodyKey(request)) return done(unreadableBodyKey(), undefined)
        return done(error, undefined)
      }
      done(null, parsed)
    })
  })

  // RudderStack's server SDKs gzip their batches. Decompress before parsing; body limits then apply to the
  // decompressed size, which also stops compression bombs.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.toLowerCase()
    const compressed = encoding !== undefined && encoding !== 'identity'
    if (awaitsBodyKey(request)) {
      if (compressed) {
        throw new AttuneError('missing_key', 'a compressed body is inflated only after its key is checked: send the key as the HTTP Basic user name, a Bearer token or ?writeKey=', 'authorization')
      }
      const length = Number(request.headers['content-length'])
      if (length > BODY_KEY_LIMIT) throw bodyKeyTooLarge()
      return payload.pipe(new ByteLimit(BODY_KEY_LIMIT))
    }
    if (!compressed) return payload
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      throw new AttuneError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported (use gzip, deflate or none)`)
    }
    if (!keyVerifiedBeforeBody(request)) throw new AttuneError('unsupported_media_type', 'a compressed body is accepted only on routes that take an API key')
    delete request.headers['content-length'] // the length on the wire is not the length parsed
    const inflate = encoding === 'gzip' ? createGunzip() : createInflate()
    // pipe() does not pass errors on: a client that hangs up must end the parse, not leave it waiting.
    payload.on('error', (error) => inflate.destroy(error))
    // Fastify listens for the stream's errors only while it reads the body, and a request can be answered
    // without that (a 415 media type, a GET): a body that is not gzip after all must then fail quietly, not
    // as an uncaught exception that ends the process. When the body is read, Fastify's listener answers 400.
    inflate.on('error', () => {})
    return payload.pipe(inflate)
  })
}

/** Whether a body that secure parsing refused is valid JSON after all, i.e. refused for a prototype key. */
function poisoned(body: string): boolean {
  try {
    JSON.parse(body)
    return true
  } catch {
    return false
  }
}

function protoKeyError(): AttuneError {
  return new AttuneError('invalid_json', 'the body has a "__proto__" or "constructor.prototype" key, which is not accepted in any object')
}

function unreadableBodyKey(): AttuneError {
  return new AttuneError(
    'missing_key',
    'no key in a header or ?writeKey=, and the body is not JSON, so it has no writeKey either: send a write key as the HTTP Basic user name, a Bearer token, ?writeKey= or writeKey in a JSON body',
    'authorization',
  )
}

function bodyKeyTooLarge(): AttuneError {
  return new AttuneError(
    'payload_too_large',
    `a body that carries its own writeKey may be at most ${BODY_KEY_LIMIT / 1024} KB; send the key as the HTTP Basic user name, a Bearer token or ?writeKey= for larger ones`,
  )
}

/** Passes bytes through and fails once more than `limit` went by (for bodies without a Content-Length). */
class ByteLimit extends Transform {
  #left: number
  constructor(limit: number) {
    super()
    this.#left = limit
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#left -= chunk.length
    if (this.#left < 0) return callback(bodyKeyTooLarge())
    callback(null, chunk)
  }
}
