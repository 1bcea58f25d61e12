/**
 * `attune segments recompute`: evaluates every segment and computed trait over everyone now, in bulk, and
 * stores the result (memberships that change are announced as Audience Entered / Exited like real time's).
 * The result equals what real-time evaluation keeps; run it after restoring a backup or to check. Prints a
 * line, or one JSON document with `--json`. Exit codes (cli/exit-codes.ts): 0 done, 1 failed, 3 store down.
 */
import { Command } from 'commander'
import { loadConfig } from '../core/index.ts'
import { createEngine } from '../server/index.ts'

export function segmentsCommand(): Command {
  const segments = new Command('segments')
    .description('segments and computed traits')
    .exitOverride() // usage errors exit 2 (cli/exit-codes.ts)
  segments
    .command('recompute')
    .description('evaluate every segment and computed trait over everyone now, and store the memberships')
    .option('--json', 'print the result ({ people, changes, seconds, segments, traits }) as JSON')
    .action(recompute)
  return segments
}

async function recompute(options: { json?: boolean }): Promise<void> {
  const engine = await createEngine(loadConfig(), 'worker')
  try {
    const definitions = (await engine.store.segmentDefinitions.list()).filter((d) => d.enabled)
    const result = await engine.segments.recompute()
    const counts = { segments: definitions.filter((d) => d.kind === 'segment').length, traits: definitions.filter((d) => d.kind === 'trait').length }
    if (options.json) process.stdout.write(`${JSON.stringify({ ...result, ...counts })}\n`)
    else {
      process.stdout.write(
        `recomputed ${counts.segments} segments and ${counts.traits} computed traits over ${result.people} people in ${result.seconds.toFixed(1)} s: ${result.changes} membership changes\n`,
      )
    }
  } finally {
    await engine.close()
  }
}
