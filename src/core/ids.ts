import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** A random UUID, used for server-assigned message ids. */
export function newId(): string {
  return randomUUID()
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made later sort later,
 * so rows keyed by them are appended to an index instead of landing on random pages (recommendation
 * impressions are written at the request rate).
 */
export function timeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0')
  const r = randomBytes(10)
  r[0] = (r[0]! & 0x0f) | 0x70 // version 7
  r[2] = (r[2]! & 0x3f) | 0x80 // variant 10
  const rand = r.toString('hex')
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${rand.slice(0, 4)}-${rand.slice(4, 8)}-${rand.slice(8, 20)}`
}

/** A new API key: a readable prefix naming its scope, then 32 random bytes in base64url. */
export function newApiKey(scope: 'write' | 'secret'): string {
  return `${scope === 'write' ? 'wk' : 'sk'}_${randomBytes(32).toString('base64url')}`
}

/**
 * Keys are stored as SHA-256 digests. Keys are long and random, so a fast hash is enough
 * (no password stretching), and it keeps the check cheap on every request.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}
