/**
 * The serving side of model versions: holds the active artifact and swaps to a newly activated one
 * without a restart. Every node polls the store, so a version trained anywhere reaches all of them;
 * the swap is one reference assignment, so a request sees either the old version or the new, whole.
 */
import type { ModelVersion, Store } from '../storage/index.ts'
import { type Artifact, deserializeArtifact } from './artifact.ts'

export interface LoadedModel {
  version: ModelVersion
  artifact: Artifact
}

export class ModelRegistry {
  readonly #store: Store
  #current: LoadedModel | null = null
  #timer: NodeJS.Timeout | null = null
  #refreshing: Promise<void> | null = null

  constructor(store: Store) {
    this.#store = store
  }

  /** The active model, or null before the first training. */
  get current(): LoadedModel | null {
    return this.#current
  }

  /** Loads the active version when it differs from the one held. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      const active = await this.#store.modelVersions.active()
      if (!active || active.id === this.#current?.version.id) return
      const bytes = await this.#store.modelVersions.artifact(active.id)
      if (!bytes) return
      this.#current = { version: active, artifact: deserializeArtifact(bytes) }
    })().finally(() => {
      this.#refreshing = null
    })
    return this.#refreshing
  }

  /** Polls every `intervalMs`; a failed poll (store briefly down) keeps the model held. */
  start(intervalMs: number, onError?: (error: unknown) => void): void {
    this.stop()
    this.#timer = setInterval(() => void this.refresh().catch((error) => onError?.(error)), intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }
}
