/**
 * `attune rebuild`: recomputes the identity graph and every profile from the event log (after changing
 * a profile setting such as the affinity half-life, or to repair derived data). Stop the workers first:
 * events they apply during the rebuild would be folded out of log order.
 */
import cliProgress from 'cli-progress'
import { loadConfig } from '../core/index.ts'
import { createEngine } from '../server/index.ts'

export async function rebuild(): Promise<void> {
  const engine = await createEngine(loadConfig(), 'worker')
  try {
    const total = await engine.store.countEvents()
    const stream = process.stderr
    const bar = new cliProgress.SingleBar(
      { stream, format: 'rebuild [{bar}] {percentage}% | {value}/{total} events | ETA {eta}s', noTTYOutput: !stream.isTTY, notTTYSchedule: 5000 },
      cliProgress.Presets.shades_classic,
    )
    bar.start(Math.max(total, 1), 0)
    const started = Date.now()
    const done = await engine.projector.rebuild((n) => bar.update(Math.min(n, total)))
    bar.stop()
    const s = engine.projector.stats
    process.stdout.write(
      `rebuilt profiles from ${done} events in ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.merges} merges, ` +
        `${s.refusedMerges} refused merges, ${s.reassigned} identifiers moved to a shared device's new user\n`,
    )
  } finally {
    await engine.close()
  }
}
