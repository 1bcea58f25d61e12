import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** A random UUID, used for server-assigned message ids. */
export function newId(): string {
  return randomUUID()
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
