/**
 * What the people API does: find a person by any identifier, read their profile (hot state first), and
 * change preferences, consent and merges. Changes are written as events to the log (so a rebuild from
 * the log replays them, and they leave an audit trail), then the call waits for the projector to apply them.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { AttuneError, type EventKind, type EventRecord, type StoredEvent } from '../core/index.ts'
import type { HotState } from '../hot-state/index.ts'
import { IDENTIFIER_TYPES, type IdentifierType, IdentityGraph, parseIdentifier } from '../identity/index.ts'
import type { Store } from '../storage/index.ts'
import { PeopleDirectory, type PeopleListQuery, type PersonListRow } from './people-directory.ts'
import type { ProfileProjector } from './profile-projector.ts'
import { parseState, type ProfileState } from './profile-state.ts'
import { type Affinity, isoTime, profileView, type ProfileView } from './profile-view.ts'
import { type RfmScale, rfmScale } from './rfm.ts'

export type LookupType = IdentifierType | 'person_id'
export const LOOKUP_TYPES: readonly LookupType[] = ['person_id', ...IDENTIFIER_TYPES]

/** Lookup order when the caller does not say what kind of id it sent. */
const AUTO_ORDER: readonly LookupType[] = ['user_id', 'person_id', 'email', 'anonymous_id', 'device_id', 'external']
const RFM_TTL_MS = 60 * 1000
const APPLY_TIMEOUT_MS = 5000

interface Credit {
  event: StoredEvent
  weight: number
  itemId: string | null
}

/** An event that added to an affinity's score. */
export interface AffinityEvent {
  messageId: string
  event: string | null
  kind: string
  itemId: string | null
  timestamp: string | null
  /** What the event added then. */
  weight: number
  /** That weight decayed to now (the share of today's score it still makes). */
  worth: number
}

/** GET /v1/people/:id/affinities: the ranked affinities, each with the events behind it. */
export interface AffinityEvidence {
  personId: string
  personalization: boolean
  halfLifeDays: number
  categories: (Affinity & { events: AffinityEvent[] })[]
  brands: (Affinity & { events: AffinityEvent[] })[]
}

export interface CommandOutcome {
  /** True when the projector applied the change before the call returned. */
  applied: boolean
  messageId: string
}

export class ProfileService {
  readonly #store: Store
  readonly #hot: HotState
  readonly #projector: ProfileProjector
  readonly #record: (events: EventRecord[]) => Promise<void>
  #rfm: RfmScale | null = null
  readonly #directory: PeopleDirectory

  /** `record` appends events to the log durably and publishes them to the workers' stream. */
  constructor(store: Store, hot: HotState, projector: ProfileProjector, record: (events: EventRecord[]) => Promise<void>) {
    this.#store = store
    this.#hot = hot
    this.#projector = projector
    this.#record = record
    this.#directory = new PeopleDirectory(store, () => projector.settings.consentDefaults.personalization === true)
  }

  /** The people list and search (GET /v1/people): see people-directory.ts. */
  async list(query: PeopleListQuery): Promise<{ data: PersonListRow[]; nextCursor: string | null }> {
    return this.#directory.list(query)
  }

  /** The canonical person for an id: `type` says which kind of id it is, else each kind is tried in turn. */
  async find(ref: string, type?: LookupType): Promise<string | null> {
    return this.#store.readPeople(async (tx) => {
      const graph = new IdentityGraph(tx)
      for (const t of type ? [type] : AUTO_ORDER) {
        if (t === 'person_id') {
          if (await graph.lookupPerson(ref)) return graph.rootOf(ref)
          continue
        }
        const id = parseIdentifier(t, ref)
        const node = id ? await graph.lookup(id) : null
        if (node) return graph.rootOf(node)
      }
      return null
    })
  }

  /** Like `find`, but a 404 naming the id when nobody has it. */
  async require(ref: string, type?: LookupType, field = 'userId'): Promise<string> {
    const root = await this.find(ref, type)
    if (!root) throw new AttuneError('not_found', `no person is known by ${type ? `${type} ` : ''}"${ref}"`, field)
    return root
  }

  /**
   * Hot state first, the store when it misses. Only the projector writes hot state: a reader writing
   * back what it read could overwrite a newer profile with an older one. `fresh` reads the store (right
   * after a change, which the projector has committed but may not have pushed to hot state yet).
   */
  async state(root: string, fresh = false): Promise<ProfileState | null> {
    const found = await this.document(root, fresh)
    return found ? parseState(found.doc) : null
  }

  /** The profile's JSON document and where it came from (serving caches the parsed state per document). */
  async document(root: string, fresh = false): Promise<{ doc: string; hot: boolean } | null> {
    const hot = fresh ? null : await this.#hot.getProfile(root)
    if (hot) return { doc: hot, hot: true }
    const [row] = await this.#store.readPeople((tx) => tx.getProfiles([root]))
    return row ? { doc: row.state, hot: false } : null
  }

  async view(root: string, fresh = false): Promise<ProfileView | null> {
    const state = await this.state(root, fresh)
    if (!state) return null
    const { identities, log } = await this.#store.readPeople(async (tx) => {
      const nodes = [root, ...(await tx.membersOf([root])).map((m) => m.id)]
      return { identities: await tx.identitiesOf(nodes), log: await tx.identityLogOf(nodes) }
    })
    const now = Date.now()
    const settings = this.#projector.settings
    return profileView({ personId: root, state, identities, log, rfm: await this.#rfmScale(now), now, halfLifeMs: settings.halfLifeMs, consentDefaults: settings.consentDefaults })
  }

  /**
   * The profile's affinities (as `view` ranks them), each with the last `perAffinity` events that added
   * to its score, newest first: the event's weight then, and what that weight is worth now after decay.
   */
  async affinityEvidence(root: string, perAffinity: number): Promise<AffinityEvidence | null> {
    const view = await this.view(root)
    if (!view) return null
    const credits = { categories: new Map<string, Credit[]>(), brands: new Map<string, Credit[]>() }
    const newest = (list: Credit[]) => list.sort((a, b) => b.event.timestamp - a.event.timestamp || b.event.seq - a.event.seq)
    await this.#projector.replay(root, (c) => {
      const map = credits[c.group]
      const list = map.get(c.name) ?? []
      list.push({ event: c.event as StoredEvent, weight: c.weight, itemId: c.itemId })
      if (list.length > Math.max(50, perAffinity * 4)) map.set(c.name, newest(list).slice(0, perAffinity))
      else map.set(c.name, list)
    })
    const now = Date.now()
    const halfLifeMs = this.#projector.settings.halfLifeMs
    const withEvents = (group: 'categories' | 'brands', list: ProfileView['affinities']['categories']) =>
      list.map((a) => ({
        ...a,
        events: newest(credits[group].get(a.name) ?? [])
          .slice(0, perAffinity)
          .map((c) => ({
            messageId: c.event.messageId,
            event: c.event.event,
            kind: c.event.kind,
            itemId: c.itemId,
            timestamp: isoTime(c.event.timestamp),
            weight: Math.round(c.weight * 1e4) / 1e4,
            worth: Math.round(c.weight * 2 ** (-(now - c.event.timestamp) / halfLifeMs) * 1e4) / 1e4,
          })),
      }))
    return {
      personId: view.id,
      personalization: view.personalization,
      halfLifeDays: Math.round((halfLifeMs / 864e5) * 100) / 100,
      categories: withEvents('categories', view.affinities.categories),
      brands: withEvents('brands', view.affinities.brands),
    }
  }

  async setPreferences(root: string, preferences: Record<string, unknown>): Promise<CommandOutcome> {
    return this.#command('preferences_updated', 'Preferences Updated', { personId: root, ...preferences })
  }

  async setConsent(root: string, consent: Record<string, boolean>): Promise<CommandOutcome> {
    return this.#command('consent_updated', 'Consent Updated', { personId: root, consent })
  }

  /** Merges two people; refused (409) when the identity rules forbid it, unless `force`. */
  async merge(root: string, otherRoot: string, force: boolean): Promise<CommandOutcome> {
    if (root === otherRoot) throw new AttuneError('conflict', 'both ids already belong to the same person', 'otherId')
    if (!force) {
      const allowed = await this.#store.readPeople((tx) => new IdentityGraph(tx, { limits: this.#projector.settings.limits }).mergeAllowed(root, otherRoot))
      if (!allowed) {
        throw new AttuneError('conflict', 'the identity rules refuse this merge (two user ids, more identifiers of a type than allowed, or people split before); send "force": true to merge anyway', 'otherId')
      }
    }
    return this.#command('identities_merged', 'Identities Merged', { personId: root, otherPersonId: otherRoot, force })
  }

  async unmerge(mergeId: string): Promise<CommandOutcome> {
    const entry = await this.#store.readPeople((tx) => tx.getIdentityLogEntry(mergeId))
    if (!entry || entry.kind !== 'merge') throw new AttuneError('not_found', `no merge "${mergeId}"`, 'mergeId')
    if (entry.undoneAt !== null) throw new AttuneError('conflict', `merge "${mergeId}" was already undone`, 'mergeId')
    return this.#command('identities_unmerged', 'Identities Unmerged', { mergeId })
  }

  async #command(kind: EventKind, event: string, properties: Record<string, unknown>): Promise<CommandOutcome> {
    const now = Date.now()
    const messageId = `attune-api-${randomUUID()}`
    const message = { type: 'track', event, messageId, properties, context: { library: { name: 'attune-api' } }, timestamp: new Date(now).toISOString() }
    await this.#record([{ messageId, type: 'track', event, kind, userId: null, anonymousId: null, itemId: null, timestamp: now, receivedAt: now, message, data: {} }])
    return { applied: await this.#waitApplied(messageId), messageId }
  }

  async #waitApplied(messageId: string): Promise<boolean> {
    const deadline = Date.now() + APPLY_TIMEOUT_MS
    for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      if ((await this.#store.readPeople((tx) => tx.seenEvents([messageId]))).size > 0) return true
      await sleep(pause)
    }
    return false
  }

  async #rfmScale(now: number): Promise<RfmScale> {
    if (!this.#rfm || this.#rfm.buyers === 0 || now - this.#rfm.computedAt > RFM_TTL_MS) this.#rfm = rfmScale(await this.#store.readPeople((tx) => tx.buyerStats()), now)
    return this.#rfm
  }
}
