/**
 * The exit codes of every `attune` command (README, "Commands"): scripts and supervisors can tell a
 * mistake in the command line from a failed run, and a failed run from a backend that is down.
 */
import { CommanderError } from 'commander'
import { AttuneError } from '../core/index.ts'

export const EXIT = {
  ok: 0,
  /** The command was well formed but did not succeed (a refused load, an unknown key id, a failed training). */
  failed: 1,
  /** Bad usage: unknown command, unknown option, bad option value or argument, bad setting in the environment. */
  usage: 2,
  /** A backend (PostgreSQL, Redis, NATS) could not be reached; the same command may work later. */
  unavailable: 3,
} as const

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): number {
  // Commander's own: --help and --version end with 0, its usage errors (already printed) with 2.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  if (error instanceof AttuneError) {
    if (error.code === 'unavailable') return EXIT.unavailable
    // Checks of options and settings report a field (the option or variable) as invalid or missing.
    if (error.code === 'invalid_field' || error.code === 'missing_field') return EXIT.usage
  }
  return EXIT.failed
}
