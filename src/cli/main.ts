/** The `attune` command line. Each subcommand lives in its own file. */
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { AttuneError } from '../core/index.ts'
import { MIN_CATALOG_ITEMS } from '../evaluation/index.ts'
import { demo, type DemoCommandOptions } from './demo.ts'
import { evalCommand } from './eval.ts'
import { EXIT, exitCodeOf } from './exit-codes.ts'
import { importCommand } from './import.ts'
import { createKey, listKeys, revokeKey } from './keys.ts'
import { rebuild } from './rebuild.ts'
import { segmentsCommand } from './segments.ts'
import { serve } from './serve.ts'
import { printUserToken } from './token.ts'
import { train } from './train.ts'
import { addUser, listUsers, removeUser, resetUserPassword, setUserRole } from './users.ts'
import { worker } from './worker.ts'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535')
  return n
}

function atLeast(min: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer of at least ${min}`)
    return n
  }
}

const program = new Command()
program.name('attune').description('Attune, a self-hosted personalization engine').version('0.1.0')
// Commander's usage errors are thrown instead of exiting 1, so they get the exit code of bad usage (2)
// below; subcommands defined with .command() inherit this.
program.exitOverride()

program
  .command('serve')
  .description('start the HTTP API (embedded SQLite unless ATTUNE_DATABASE_URL says otherwise)')
  .option('-p, --port <port>', 'port to listen on (default: PORT or 8787)', port)
  .option('--host <host>', 'address to bind (default: ATTUNE_HOST, HOST or 127.0.0.1)')
  .option('--demo', 'load the demo store first when the catalogue is empty (embedded SQLite only)')
  .action(async (opts: { port?: number; host?: string; demo?: boolean }) => serve(opts))

program
  .command('demo')
  .description('load the demo store (synthetic catalogue, shoppers and a trained model) into the data dir; pages at /demo/')
  .option('--force', 'load even when the catalogue is not empty')
  .option('--people <n>', 'shoppers to simulate (default 1500)', atLeast(1))
  .option('--items <n>', `catalogue size, one item per leaf category at least (${MIN_CATALOG_ITEMS}; default 240)`, atLeast(MIN_CATALOG_ITEMS))
  .option('--days <n>', 'days of history, ending now (default 45)', atLeast(2))
  .action((opts: DemoCommandOptions) => demo(opts))

program
  .command('worker')
  .description('consume the event stream and keep identities and profiles up to date')
  .action(worker)

program
  .command('train')
  .description('train a new model version from the event log now, and activate it')
  .option('--json', 'print the version (status, summary with validation metrics) as JSON')
  .action(train)

program
  .command('rebuild')
  .description('recompute identities and profiles from the event log (stop the workers first)')
  .action(rebuild)

const keys = program.command('keys').description('manage API keys')
keys.command('list').description('list keys (ids and scopes; keys themselves are stored hashed)').action(listKeys)
keys
  .command('create')
  .description('create a key and print it once')
  .requiredOption('--scope <scope>', 'write (browser-safe) or secret (server side)', (v: string) => {
    if (v !== 'write' && v !== 'secret') throw new InvalidArgumentError('scope is write or secret')
    return v
  })
  .option('--label <label>', 'a note for whoever reads `keys list`', 'created with attune keys')
  .action((opts: { scope: 'write' | 'secret'; label: string }) => createKey(opts.scope, opts.label))
keys.command('revoke <id>').description('revoke a key by id').action(revokeKey)

const role = (v: string) => {
  if (v !== 'admin' && v !== 'editor' && v !== 'viewer') throw new InvalidArgumentError('a role is admin, editor or viewer')
  return v
}
const users = program.command('users').description('manage dashboard staff accounts')
users
  .command('add <email>')
  .description('add a staff user; prints a generated password once (or takes ATTUNE_NEW_PASSWORD)')
  .option('--role <role>', 'admin (everything), editor (change, preview), viewer (read only)', role, 'viewer')
  .option('--password <password>', 'choose the password (at least 12 characters; it stays in your shell history)')
  .action((email: string, opts: { role: string; password?: string }) => addUser(email, opts))
users.command('list').description('list staff users').action(listUsers)
users.command('remove <idOrEmail>').description('remove a staff user and end their sessions').action(removeUser)
users.command('role <idOrEmail> <role>').description('change a staff user\'s role').action((who: string, r: string) => setUserRole(who, role(r)))
users.command('reset-password <idOrEmail>').description('print a new generated password (to change at next sign-in)').action(resetUserPassword)

program
  .command('token')
  .description("print a signed-in shopper's identity token (userToken), signed with the store's newest secret key")
  .argument('<userId>', "the shopper's userId, exactly as the SDK sends it", (v: string) => {
    if (v === '' || v.length > 255) throw new InvalidArgumentError('a userId is 1 to 255 characters')
    return v
  })
  .action((userId: string) => printUserToken(userId))

program.addCommand(importCommand())
program.addCommand(evalCommand())
program.addCommand(segmentsCommand())

try {
  await program.parseAsync(process.argv)
} catch (error) {
  // Commander printed its own message already; an unexpected error keeps its stack trace (and exits 1).
  if (error instanceof CommanderError) process.exit(exitCodeOf(error))
  if (error instanceof AttuneError) {
    process.stderr.write(`attune: ${error.message}\n`)
    process.exit(exitCodeOf(error))
  }
  process.exitCode = EXIT.failed
  throw error
}
