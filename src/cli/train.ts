/** `attune train`: one training run in this process, activated when it succeeds; prints its summary. */
import { loadConfig } from '../core/index.ts'
import { createEngine, profileSettings } from '../server/index.ts'
import { newVersionId, runVersion } from '../training/index.ts'
import { EXIT } from './exit-codes.ts'

export async function train(options: { json?: boolean }): Promise<void> {
  const config = loadConfig()
  const engine = await createEngine(config, 'worker')
  try {
    const now = Date.now()
    const version = await engine.store.modelVersions.start(newVersionId(now), 'cli', now, 2 * 60_000)
    if (!version) {
      process.stderr.write('attune: a training run is already in progress (see GET /v1/models)\n')
      process.exitCode = EXIT.failed
      return
    }
    const started = Date.now()
    const done = await runVersion(engine.store, version, profileSettings(config), { threads: config.trainThreads, clv: { minRepeatBuyers: config.clvMinRepeatBuyers, minDays: config.clvMinDays } })
    if (options.json) process.stdout.write(`${JSON.stringify(done)}\n`)
    else if (done.status === 'ready') {
      const s = done.summary as { people?: number; items?: number; interactions?: number; validation?: { metrics?: Record<string, { ndcg: number; recall: number }> } | null }
      process.stdout.write(`trained ${done.id} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.people} people, ${s.items} items, ${s.interactions} interactions; active\n`)
      for (const [name, m] of Object.entries(s.validation?.metrics ?? {})) process.stdout.write(`  validation ${name.padEnd(12)} ndcg@10 ${m.ndcg.toFixed(4)}  recall@10 ${m.recall.toFixed(4)}\n`)
    } else process.stderr.write(`attune: training failed: ${done.error}\n`)
    if (done.status !== 'ready') process.exitCode = EXIT.failed
  } finally {
    await engine.close()
  }
}
