/** `attune keys`: list, create and revoke API keys (only hashes are stored, so a lost key is replaced, not shown). */
import { type KeyScope, hashKey, loadConfig, newApiKey, newId } from '../core/index.ts'
import { openStore } from '../storage/index.ts'
import { EXIT } from './exit-codes.ts'

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

export async function listKeys(): Promise<void> {
  await withStore(async (store) => {
    for (const k of await store.listApiKeys()) {
      process.stdout.write(`${k.id}  ${k.scope.padEnd(6)}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.label}  (created ${k.createdAt})\n`)
    }
  })
}

export async function createKey(scope: KeyScope, label: string): Promise<void> {
  await withStore(async (store) => {
    const key = newApiKey(scope)
    const id = newId()
    await store.insertApiKey({ id, scope, hash: hashKey(key), label, createdAt: new Date().toISOString(), revokedAt: null })
    process.stdout.write(`${key}\n`)
    process.stderr.write(`created ${scope} key ${id}; store it now, it is not shown again. Running servers accept it within 10 s.\n`)
  })
}

export async function revokeKey(id: string): Promise<void> {
  await withStore(async (store) => {
    const outcome = await store.settings.revokeApiKey(id, new Date())
    if (outcome !== 'revoked') {
      process.stderr.write(
        outcome === 'last_secret'
          ? `${id} is the last active secret key: create another first (attune keys create --scope secret), then revoke this one\n`
          : `no active key with id ${id}\n`,
      )
      process.exitCode = EXIT.failed
      return
    }
    process.stderr.write(`revoked ${id}; running servers refuse it within 10 s\n`)
  })
}
