/**
 * API keys: a write key (public, browser-safe: events, recommendations, decisions) and a secret key
 * (server side: everything). Keys are stored as SHA-256 digests and held in memory for the per-request check.
 * User tokens (identity verification, docs/sdk.md#identity-verification): the shop's backend signs a
 * signed-in shopper's userId with its secret key, so that a write-key request may read that shopper's history.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import {
  AttuneError,
  type ApiKeyRecord,
  type Config,
  hashKey,
  type KeyScope,
  newApiKey,
  newId,
} from '../core/index.ts'
import type { Store } from '../storage/index.ts'

export interface GeneratedKey {
  scope: KeyScope
  key: string
}

/**
 * The userToken of a userId: lowercase hex HMAC-SHA256 of the userId, keyed by the secret key's SHA-256
 * hex digest (`hashKey`), which is what the store keeps, so every API node can verify without the key.
 */
export function signUserId(secretKeyDigest: string, userId: string): string {
  return createHmac('sha256', secretKeyDigest).update(userId).digest('hex')
}

export class KeyRing {
  #byHash = new Map<string, ApiKeyRecord>()
  /** Active secret keys, newest first: the first signs, any verifies (so revoking a key rotates its tokens). */
  #secrets: ApiKeyRecord[] = []
  /** Key id → when this node last saw it used. */
  #used = new Map<string, number>()

  constructor(records: readonly ApiKeyRecord[]) {
    this.replace(records)
  }

  replace(records: readonly ApiKeyRecord[]): void {
    const active = records.filter((r) => r.revokedAt === null)
    this.#byHash = new Map(active.map((r) => [r.hash, r]))
    this.#secrets = active.filter((r) => r.scope === 'secret').sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  /** The userToken for `userId` from the newest active secret key; null when there is none. */
  signUserToken(userId: string): string | null {
    const newest = this.#secrets[0]
    return newest ? signUserId(newest.hash, userId) : null
  }

  /** Whether `token` is `userId`'s userToken under any active secret key (compared in constant time). */
  verifyUserToken(userId: string, token: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(token)) return false
    const given = Buffer.from(token, 'hex')
    let valid = false
    // Every key is tried (no early exit), so the time taken does not say which key matched.
    for (const r of this.#secrets) valid = timingSafeEqual(given, Buffer.from(signUserId(r.hash, userId), 'hex')) || valid
    return valid
  }

  /** The key's record, or null when it is unknown or revoked. Remembers when a known key was used. */
  lookup(key: string): ApiKeyRecord | null {
    const record = this.#byHash.get(hashKey(key)) ?? null
    if (record !== null) this.#used.set(record.id, Date.now())
    return record
  }

  /** Keys used since the last call (key id → ms), to be written to the store. */
  takeUses(): Map<string, number> {
    const uses = this.#used
    this.#used = new Map()
    return uses
  }

  hasScope(scope: KeyScope): boolean {
    for (const r of this.#byHash.values()) if (r.scope === scope) return true
    return false
  }
}

/**
 * Registers the keys given by configuration and generates a key for any scope that has none.
 * Returns the generated keys in plain text: this is the only moment they can be shown.
 */
export async function ensureKeys(store: Store, config: Config, now = new Date()): Promise<{ ring: KeyRing; generated: GeneratedKey[] }> {
  const add = (scope: KeyScope, key: string, label: string) =>
    store.insertApiKey({ id: newId(), scope, hash: hashKey(key), label, createdAt: now.toISOString(), revokedAt: null })
  if (config.writeKey) await add('write', config.writeKey, 'ATTUNE_WRITE_KEY')
  if (config.secretKey) await add('secret', config.secretKey, 'ATTUNE_SECRET_KEY')
  const ring = new KeyRing(await store.listApiKeys())
  const generated: GeneratedKey[] = []
  for (const scope of ['write', 'secret'] as const) {
    if (ring.hasScope(scope)) continue
    const key = newApiKey(scope)
    await add(scope, key, 'generated at first start')
    generated.push({ scope, key })
  }
  if (generated.length > 0) ring.replace(await store.listApiKeys())
  return { ring, generated }
}

/** The key in an Authorization header: Bearer token or HTTP Basic user name (Segment style). */
export function headerKey(authorization: string | undefined): string | null {
  if (!authorization) return null
  const [scheme, value = ''] = authorization.split(' ', 2)
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || null
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8')
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded
    return user || null
  }
  return null
}

export function missingKey(need: KeyScope): AttuneError {
  return new AttuneError(
    'missing_key',
    need === 'secret'
      ? 'this route needs the secret key as "Authorization: Bearer <key>"'
      : 'send a write key as the HTTP Basic user name, as a Bearer token, as ?writeKey= or as writeKey in the body',
    'authorization',
  )
}

/** Checks a presented key against the scope a route needs; a secret key may do anything a write key may. */
export function checkKey(ring: KeyRing, need: KeyScope, key: string | null): ApiKeyRecord {
  if (key === null) throw missingKey(need)
  const record = ring.lookup(key)
  if (record === null) throw new AttuneError('invalid_key', 'the key is not valid (unknown or revoked)', 'authorization')
  if (need === 'secret' && record.scope !== 'secret') {
    throw new AttuneError('insufficient_scope', 'this route needs the secret key; a write key may only send events and ask for recommendations', 'authorization')
  }
  return record
}
