/**
 * The settings an admin changes while the engine runs (`PUT /v1/settings`, the dashboard's Settings page),
 * over the configuration's values. Today: consent defaults, what the engine assumes for a purpose a person
 * never stated (`ATTUNE_CONSENT_DEFAULTS` gives the configured ones; a stored setting overrides it purpose
 * by purpose). Every node re-reads the stored settings every few seconds (with the keys); the node that
 * took the change applies it at once and tells its listeners (the embedded worker thread).
 *
 * Readers ask `consentDefaults` at every use (the profile fold, recommendations, content decisions, the
 * profile view, a training run's data), so a change counts from the next event or request on.
 */
import { AttuneError, type Config } from '../core/index.ts'
import type { SettingsDocument, Store } from '../storage/index.ts'

/** A consent purpose's name, as `PUT /v1/people/{id}/consent` takes it. */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9_]{0,49}$/
export const MAX_PURPOSES = 50

export interface SettingsView {
  /** What the engine assumes per purpose for a person who never stated it: the configured value, overridden by the stored one. */
  consentDefaults: Record<string, boolean>
  /** The configured consent defaults (`ATTUNE_CONSENT_DEFAULTS` over the built-in ones). */
  configuredConsentDefaults: Record<string, boolean>
  /** The stored overrides; null when none were ever stored. */
  storedConsentDefaults: Record<string, boolean> | null
  /** Raised by every change; send it back with a change to make sure nobody changed the settings meanwhile. */
  version: number
  updatedAt: string | null
  updatedBy: string | null
}

export class LiveSettings {
  readonly #store: Store
  readonly #configured: Readonly<Record<string, boolean>>
  #document: SettingsDocument = { values: Object.create(null), version: 0 }
  #consentDefaults: Readonly<Record<string, boolean>>
  readonly #listeners = new Set<() => void>()

  constructor(store: Store, config: Config) {
    this.#store = store
    this.#configured = Object.freeze({ ...config.consentDefaults })
    this.#consentDefaults = this.#configured
  }

  /** The consent defaults in force (a frozen object, replaced when they change). */
  get consentDefaults(): Readonly<Record<string, boolean>> {
    return this.#consentDefaults
  }

  view(): SettingsView {
    const stored = this.#document.values.consentDefaults
    return {
      consentDefaults: { ...this.#consentDefaults },
      configuredConsentDefaults: { ...this.#configured },
      storedConsentDefaults: stored ? purposes(stored.value) : null,
      version: this.#document.version,
      updatedAt: stored ? new Date(stored.updatedAt).toISOString() : null,
      updatedBy: stored?.updatedBy ?? null,
    }
  }

  /** Re-reads the stored settings (every node, periodically; also at start). */
  async refresh(): Promise<void> {
    this.#apply(await this.#store.settings.read())
  }

  /**
   * Stores a change and applies it here at once. `consentDefaults` replaces the stored overrides (`{}`: back
   * to the configured ones). With `expectedVersion`, refused (409) when the settings changed since that version.
   */
  async update(change: { consentDefaults: Record<string, boolean> }, by: { updatedBy: string; expectedVersion?: number | undefined }): Promise<SettingsView> {
    const consentDefaults = checkConsentDefaults(change.consentDefaults)
    const written = await this.#store.settings.write({ consentDefaults }, { updatedBy: by.updatedBy, now: Date.now(), expectedVersion: by.expectedVersion })
    if (written === null) {
      const current = await this.#store.settings.read()
      this.#apply(current)
      throw new AttuneError(
        'conflict',
        `the settings changed since version ${by.expectedVersion} (they are at version ${current.version} now): read them again and make your change on the new version`,
        'version',
      )
    }
    this.#apply(written)
    return this.view()
  }

  /** Called after the settings in force changed (by this node or, at a refresh, by another). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #apply(document: SettingsDocument): void {
    // A read that started before a change and ended after it must not bring the older document back.
    if (document.version < this.#document.version || (document.version === this.#document.version && document.version !== 0)) return
    this.#document = document
    const stored = document.values.consentDefaults
    const next = Object.freeze({ ...this.#configured, ...(stored ? purposes(stored.value) : {}) })
    const changed = JSON.stringify(next) !== JSON.stringify(this.#consentDefaults)
    this.#consentDefaults = next
    if (changed) for (const listener of this.#listeners) listener()
  }
}

/** The consent defaults of a change, checked: purpose names like consent's, booleans, and never `sensitive` granted. */
export function checkConsentDefaults(input: unknown): Record<string, boolean> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AttuneError('invalid_field', 'consentDefaults must be an object of purpose → true (granted) or false (denied)', 'consentDefaults')
  }
  const out: Record<string, boolean> = {}
  const entries = Object.entries(input)
  if (entries.length > MAX_PURPOSES) throw new AttuneError('invalid_field', `consentDefaults may name at most ${MAX_PURPOSES} purposes`, 'consentDefaults')
  for (const [purpose, granted] of entries) {
    if (!PURPOSE_PATTERN.test(purpose)) {
      throw new AttuneError('invalid_field', `consent purposes are lower-case letters, digits and _ (at most 50, starting with a letter), like "personalization"`, `consentDefaults.${purpose.slice(0, 60)}`)
    }
    if (typeof granted !== 'boolean') throw new AttuneError('invalid_field', `consentDefaults.${purpose} must be true (granted) or false (denied)`, `consentDefaults.${purpose}`)
    if (purpose === 'sensitive' && granted) {
      throw new AttuneError(
        'invalid_field',
        'sensitive categories are used only with a person\'s own explicit consent, so the "sensitive" default cannot be granted',
        'consentDefaults.sensitive',
      )
    }
    out[purpose] = granted
  }
  return out
}

/** The valid purposes of a stored value (a value written by hand that is not an object counts as none). */
function purposes(value: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out
  for (const [purpose, granted] of Object.entries(value)) if (PURPOSE_PATTERN.test(purpose) && typeof granted === 'boolean') out[purpose] = granted
  return out
}
