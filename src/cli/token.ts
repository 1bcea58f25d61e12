/**
 * `attune token <userId>`: the userId's identity token (docs/sdk.md#identity-verification), signed with the
 * newest active secret key of the store, as the server's POST /v1/user-tokens would. Prints only the token.
 */
import { loadConfig } from '../core/index.ts'
import { KeyRing } from '../server/index.ts'
import { openStore } from '../storage/index.ts'

export async function printUserToken(userId: string): Promise<void> {
  const config = loadConfig()
  const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
  try {
    const token = new KeyRing(await store.listApiKeys()).signUserToken(userId)
    if (token === null) {
      process.stderr.write('the store has no active secret key: start `attune serve` once, or run `attune keys create --scope secret`\n')
      process.exitCode = 1
      return
    }
    process.stdout.write(`${token}\n`)
  } finally {
    await store.close()
  }
}
