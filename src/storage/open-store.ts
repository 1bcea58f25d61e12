import { AttuneError } from '../core/index.ts'
import { PostgresStore } from './postgres/postgres-store.ts'
import { SqliteStore } from './sqlite/sqlite-store.ts'
import type { Store } from './store.ts'

export interface OpenStoreOptions {
  sqliteSync?: 'full' | 'normal'
}

type StoreFactory = (url: URL, raw: string, options: OpenStoreOptions) => Store

/** Store backends by URL scheme. */
const FACTORIES: Record<string, StoreFactory> = {
  'postgres:': (_url, raw) => new PostgresStore(raw),
  'postgresql:': (_url, raw) => new PostgresStore(raw),
  'sqlite:': (_url, raw, options) => {
    const file = raw.slice('sqlite://'.length)
    if (file === '') throw new AttuneError('invalid_field', 'ATTUNE_DATABASE_URL: sqlite:// needs a file path', 'ATTUNE_DATABASE_URL')
    return new SqliteStore(file, { synchronous: options.sqliteSync ?? 'full' })
  },
}

/**
 * Opens (and migrates) the store named by a URL.
 * @example
 * const store = await openStore('sqlite://./data/attune.db')
 */
export async function openStore(rawUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new AttuneError('invalid_field', `ATTUNE_DATABASE_URL is not a URL: "${rawUrl}"`, 'ATTUNE_DATABASE_URL')
  }
  const factory = FACTORIES[url.protocol]
  if (!factory) {
    throw new AttuneError(
      'invalid_field',
      `ATTUNE_DATABASE_URL: unsupported scheme "${url.protocol}" (supported: ${Object.keys(FACTORIES).join(', ')})`,
      'ATTUNE_DATABASE_URL',
    )
  }
  const store = factory(url, rawUrl, options)
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    const where = url.protocol === 'sqlite:' ? rawUrl : `${url.protocol}//${url.host}${url.pathname}` // no password in messages
    throw new AttuneError('unavailable', `ATTUNE_DATABASE_URL: cannot open the store at ${where} (${(error as Error).message})`, 'ATTUNE_DATABASE_URL')
  }
  return store
}
