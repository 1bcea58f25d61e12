/**
 * Identity resolution for one write batch: which person an event belongs to, and when two people
 * turn out to be one. It reads through the batch's `PeopleTx`, decides in memory and writes once at
 * `flush()`. Replaying the log gives the same graph: person and log ids derive from message ids.
 *
 * Rules, as customer-data platforms apply them to avoid over-merging:
 * - a group never holds more identifiers of a type than its limit, and at most one user id, so two
 *   different user ids are never merged automatically;
 * - when an event's identifiers point at two groups that may not merge, the event goes to the group of
 *   its strongest identifier; a browser or device identifier moves to that group for new events (a
 *   shared device), a person's identifier (email, external id) stays where it is;
 * - every merge, refusal and move is logged with its cause; an undone merge is never redone automatically.
 */
import { createHash } from 'node:crypto'
import type { EventRecord } from '../core/index.ts'
import type { IdentityLogRow, IdentityRow, PeopleTx, PersonRow } from '../storage/index.ts'
import { DEVICE_LIKE, type Identifier, type IdentifierType, identifierKey, RANK } from './identifiers.ts'

export type IdentityLimits = Record<IdentifierType, number>

/** Per group. Anonymous ids are generous (cookies get cleared), user ids strict (one person, one account). */
export const DEFAULT_LIMITS: IdentityLimits = { user_id: 1, email: 5, external: 10, device_id: 20, anonymous_id: 200 }

export interface Attribution {
  /** The person node the event is recorded under. */
  personId: string
  /** The root of its group: the canonical person. */
  root: string
}

export interface GraphStats {
  merges: number
  refusedMerges: number
  reassigned: number
  refusedLinks: number
}

interface Group {
  root: string
  createdAt: number
  nodes: Set<string>
  ids: Map<IdentifierType, Set<string>>
}

function derivedId(prefix: string, seed: string): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, 20)
}

export class IdentityGraph {
  readonly #tx: PeopleTx
  readonly #limits: IdentityLimits
  /** Refusals already logged (by this process): a shared family email would otherwise log every event. */
  readonly #loggedRefusals: Set<string>
  readonly #ids = new Map<string, IdentityRow | null>()
  readonly #people = new Map<string, PersonRow>()
  readonly #groups = new Map<string, Group>()
  readonly #newPeople: PersonRow[] = []
  readonly #idWrites = new Map<string, IdentityRow>()
  readonly #mergedWrites = new Map<string, string | null>()
  readonly #log: IdentityLogRow[] = []
  /** Ids made per event so far: a new id's seed is (message id, n), whatever the delivery's size. */
  readonly #seeds = new Map<string, number>()
  readonly stats: GraphStats = { merges: 0, refusedMerges: 0, reassigned: 0, refusedLinks: 0 }
  /** Groups whose events changed (merges): their profiles must be recomputed from the log. */
  readonly recompute = new Set<string>()
  /** Roots that stopped being roots (merged away): their profiles go. */
  readonly removed = new Set<string>()

  constructor(tx: PeopleTx, options: { limits?: IdentityLimits; loggedRefusals?: Set<string> } = {}) {
    this.#tx = tx
    this.#limits = options.limits ?? DEFAULT_LIMITS
    this.#loggedRefusals = options.loggedRefusals ?? new Set()
  }

  /** Loads identifiers (and their people) in bulk before a batch is resolved one event at a time. */
  async preload(ids: readonly Identifier[]): Promise<void> {
    const missing = ids.filter((id) => !this.#ids.has(identifierKey(id)))
    if (missing.length === 0) return
    for (const id of missing) this.#ids.set(identifierKey(id), null)
    const rows = await this.#tx.findIdentities(missing)
    for (const r of rows) this.#ids.set(identifierKey(r), r)
    await this.#loadPeople(rows.map((r) => r.personId))
  }

  /** The node an identifier is linked to, or null. */
  async lookup(id: Identifier): Promise<string | null> {
    await this.preload([id])
    return this.#ids.get(identifierKey(id))?.personId ?? null
  }

  /** Whether a person node exists. */
  /** Loads these person nodes (and their roots) in bulk, so later lookups of them cost no query. */
  async preloadPeople(personIds: readonly string[]): Promise<void> {
    await this.#loadPeople(personIds.filter((id) => id !== ''))
  }

  async lookupPerson(personId: string): Promise<boolean> {
    if (personId === '') return false
    await this.#loadPeople([personId])
    return this.#people.has(personId)
  }

  /** Whether two groups may be merged without force: limits hold and they were never split. */
  async mergeAllowed(a: string, b: string): Promise<boolean> {
    return this.#canMerge(a, b)
  }

  async rootOf(personId: string): Promise<string> {
    const p = await this.#person(personId)
    return p.mergedInto ?? p.id
  }

  /**
   * Attributes an event to a person, creating, linking and merging as the rules allow. `ids` are the
   * event's identifiers, strongest first. Returns null for an event without identifiers.
   */
  async resolve(e: EventRecord, ids: readonly Identifier[], cause: string): Promise<Attribution | null> {
    if (ids.length === 0) return null
    await this.preload(ids)
    const anchorAt = ids.findIndex((id) => this.#ids.get(identifierKey(id)))
    if (anchorAt < 0) {
      const base = this.#createPerson(e)
      for (const id of ids) this.#linkOrRefuse(this.#groups.get(base)!, id, base, e)
      return { personId: base, root: base }
    }
    let base = this.#ids.get(identifierKey(ids[anchorAt]!))!.personId
    let target = await this.rootOf(base)
    // A stronger identifier the anchor's group cannot take (a second user id) starts its own person.
    const anchorGroup = await this.#group(target)
    if (ids.slice(0, anchorAt).some((id) => !this.#canLink(anchorGroup, id))) {
      base = this.#createPerson(e)
      target = base
    }
    // New identifiers join first, so the merge checks below see everything this person is known by.
    for (const id of ids) if (!this.#ids.get(identifierKey(id))) this.#linkOrRefuse(this.#groupNow(target), id, base, e)
    for (const id of ids) {
      const row = this.#ids.get(identifierKey(id))
      if (!row) continue
      const other = await this.rootOf(row.personId)
      if (other === target) continue
      if (await this.#canMerge(target, other)) {
        target = await this.merge(target, other, cause, e, [id])
      } else if (DEVICE_LIKE.has(id.type) && this.#canLink(this.#groupNow(target), id)) {
        await this.#reassign(id, row, other, base, target, cause, e)
      } else {
        await this.#refuse(target, other, id, cause, e)
      }
    }
    return { personId: base, root: target }
  }

  /**
   * Merges two groups into one and logs it (undoable). The survivor is the group with a user id, else
   * the older one, so a customer's canonical id stays stable. `force` skips the limits (an operator's
   * explicit merge). Returns the surviving root.
   */
  async merge(a: string, b: string, cause: string, e: EventRecord, ids: readonly Identifier[], force = false): Promise<string> {
    const [ga, gb] = [await this.#group(a), await this.#group(b)]
    if (!force && !(await this.#canMerge(a, b))) throw new Error(`merge of ${a} and ${b} is not allowed`)
    const keepA = ga.ids.has('user_id') !== gb.ids.has('user_id') ? ga.ids.has('user_id') : ga.createdAt !== gb.createdAt ? ga.createdAt < gb.createdAt : ga.root < gb.root
    const [keep, lose] = keepA ? [ga, gb] : [gb, ga]
    for (const node of lose.nodes) {
      keep.nodes.add(node)
      this.#people.get(node)!.mergedInto = keep.root
      this.#mergedWrites.set(node, keep.root)
    }
    for (const [type, values] of lose.ids) for (const v of values) this.#idsOf(keep, type).add(v)
    this.#groups.delete(lose.root)
    this.#log.push({
      id: this.#newId('m_', e),
      kind: 'merge',
      personId: keep.root,
      otherId: lose.root,
      members: [...lose.nodes].sort(),
      cause,
      messageId: e.messageId,
      identifiers: ids.map((i) => ({ type: i.type, value: i.value })),
      at: e.timestamp,
      undoneAt: null,
      undoneBy: null,
    })
    this.stats.merges += 1
    this.recompute.delete(lose.root)
    this.removed.add(lose.root)
    this.removed.delete(keep.root)
    this.recompute.add(keep.root)
    return keep.root
  }

  /**
   * Undoes a merge: the nodes it moved form their own group again, with the identifiers linked to them.
   * Returns the two roots, or a reason it cannot be undone.
   */
  async unmerge(mergeId: string, e: EventRecord): Promise<{ roots: [string, string] } | { refused: string }> {
    await this.flush() // the entry and the groups are read back from the database below
    const entry = await this.#tx.getIdentityLogEntry(mergeId)
    if (!entry || entry.kind !== 'merge') return { refused: `no merge "${mergeId}"` }
    if (entry.undoneAt !== null) return { refused: `merge "${mergeId}" was already undone` }
    const root = await this.rootOf(entry.personId)
    await this.#loadPeople(entry.members)
    for (const node of entry.members) if ((await this.rootOf(node)) !== root) return { refused: `merge "${mergeId}" no longer holds: its people were split since` }
    const loser = entry.otherId!
    await this.#tx.setMergedInto(entry.members.filter((n) => n !== loser), loser)
    await this.#tx.setMergedInto([loser], null)
    await this.#tx.markUndone(mergeId, e.timestamp, e.messageId)
    for (const node of entry.members) this.#people.get(node)!.mergedInto = node === loser ? null : loser
    this.#groups.delete(root)
    this.recompute.add(root)
    this.recompute.add(loser)
    this.removed.delete(loser)
    return { roots: [root, loser] }
  }

  /** Writes everything decided since the last flush. */
  async flush(): Promise<void> {
    if (this.#newPeople.length > 0) await this.#tx.insertPeople(this.#newPeople.splice(0))
    const byRoot = new Map<string | null, string[]>()
    for (const [node, root] of this.#mergedWrites) byRoot.set(root, [...(byRoot.get(root) ?? []), node])
    this.#mergedWrites.clear()
    for (const [root, nodes] of byRoot) await this.#tx.setMergedInto(nodes, root)
    if (this.#idWrites.size > 0) await this.#tx.putIdentities([...this.#idWrites.values()])
    this.#idWrites.clear()
    if (this.#log.length > 0) await this.#tx.insertIdentityLog(this.#log.splice(0))
  }

  /** Every node of a root's group (for reading its events). */
  async nodesOf(root: string): Promise<string[]> {
    return [...(await this.#group(root)).nodes].sort()
  }

  #createPerson(e: EventRecord): string {
    const id = this.#newId('p_', e)
    const row: PersonRow = { id, createdAt: e.timestamp, mergedInto: null }
    this.#people.set(id, row)
    this.#newPeople.push(row)
    this.#groups.set(id, { root: id, createdAt: e.timestamp, nodes: new Set([id]), ids: new Map() })
    return id
  }

  /** Counted per event and kind of id, so logging a refusal or not never shifts a person's id. */
  #newId(prefix: string, e: EventRecord): string {
    const key = `${prefix}${e.messageId}`
    const n = this.#seeds.get(key) ?? 0
    this.#seeds.set(key, n + 1)
    return derivedId(prefix, `${e.messageId}/${n}`)
  }

  #canLink(group: Group, id: Identifier): boolean {
    const have = group.ids.get(id.type)
    return have?.has(id.value) === true || (have?.size ?? 0) < this.#limits[id.type]
  }

  async #canMerge(a: string, b: string): Promise<boolean> {
    const [ga, gb] = [await this.#group(a), await this.#group(b)]
    for (const type of Object.keys(RANK) as IdentifierType[]) {
      const union = new Set([...(ga.ids.get(type) ?? []), ...(gb.ids.get(type) ?? [])])
      if (union.size > this.#limits[type]) return false
    }
    const undone = (await this.#tx.identityLogOf([...ga.nodes, ...gb.nodes])).filter((r) => r.kind === 'merge' && r.undoneAt !== null)
    const splitBefore = (x: Group, y: Group) => undone.some((r) => x.nodes.has(r.personId) && r.members.some((m) => y.nodes.has(m)))
    return !splitBefore(ga, gb) && !splitBefore(gb, ga)
  }

  #linkOrRefuse(group: Group, id: Identifier, node: string, e: EventRecord): void {
    if (!this.#canLink(group, id)) {
      this.stats.refusedLinks += 1
      return
    }
    const row: IdentityRow = { type: id.type, value: id.value, personId: node, firstSeen: e.timestamp, messageId: e.messageId }
    this.#ids.set(identifierKey(id), row)
    this.#idWrites.set(identifierKey(id), row)
    this.#idsOf(group, id.type).add(id.value)
  }

  async #reassign(id: Identifier, row: IdentityRow, from: string, node: string, to: string, cause: string, e: EventRecord): Promise<void> {
    this.#idsOf(await this.#group(from), id.type).delete(id.value)
    const moved: IdentityRow = { ...row, personId: node, messageId: e.messageId }
    this.#ids.set(identifierKey(id), moved)
    this.#idWrites.set(identifierKey(id), moved)
    this.#idsOf(this.#groupNow(to), id.type).add(id.value)
    this.stats.reassigned += 1
    this.#log.push({
      id: this.#newId('r_', e),
      kind: 'reassigned',
      personId: to,
      otherId: from,
      members: [],
      cause: `${cause}: shared device`,
      messageId: e.messageId,
      identifiers: [{ type: id.type, value: id.value }],
      at: e.timestamp,
      undoneAt: null,
      undoneBy: null,
    })
  }

  /**
   * Logs a refusal once per (person, other person, identifier): a family email shared by two accounts
   * would otherwise log every event. The log itself decides (so a restart or a rebuild logs the same
   * entries); the process-wide set only saves the lookup.
   */
  async #refuse(target: string, other: string, id: Identifier, cause: string, e: EventRecord): Promise<void> {
    this.stats.refusedMerges += 1
    const key = `${target}|${other}|${identifierKey(id)}`
    if (this.#loggedRefusals.has(key)) return
    if (this.#loggedRefusals.size > 100_000) this.#loggedRefusals.clear()
    this.#loggedRefusals.add(key)
    const same = (r: IdentityLogRow) => r.kind === 'refused' && r.personId === target && r.otherId === other && r.identifiers[0]?.type === id.type && r.identifiers[0]?.value === id.value
    if (this.#log.some(same) || (await this.#tx.identityLogOf([target])).some(same)) return
    this.#log.push({
      id: this.#newId('x_', e),
      kind: 'refused',
      personId: target,
      otherId: other,
      members: [],
      cause: `${cause}: the groups' identifiers exceed a limit (two user ids, or too many of a type) or were split before`,
      messageId: e.messageId,
      identifiers: [{ type: id.type, value: id.value }],
      at: e.timestamp,
      undoneAt: null,
      undoneBy: null,
    })
  }

  #idsOf(group: Group, type: IdentifierType): Set<string> {
    let set = group.ids.get(type)
    if (!set) group.ids.set(type, (set = new Set()))
    return set
  }

  /** A group already loaded (callers load it first). */
  #groupNow(root: string): Group {
    const g = this.#groups.get(root)
    if (!g) throw new Error(`group ${root} is not loaded`)
    return g
  }

  async #group(root: string): Promise<Group> {
    const cached = this.#groups.get(root)
    if (cached) return cached
    await this.#loadGroups([root])
    return this.#groups.get(root)!
  }

  /** Loads the groups of the people already known to this batch, in a few bulk reads. */
  async preloadGroups(): Promise<string[]> {
    const roots = new Set<string>()
    for (const row of this.#ids.values()) if (row) roots.add(await this.rootOf(row.personId))
    await this.#loadGroups([...roots])
    return [...roots]
  }

  async #loadGroups(roots: readonly string[]): Promise<void> {
    const wanted = [...new Set(roots)].filter((r) => !this.#groups.has(r))
    if (wanted.length === 0) return
    await this.#loadPeople(wanted)
    const members = await this.#tx.membersOf(wanted)
    for (const m of members) if (!this.#people.has(m.id)) this.#people.set(m.id, m)
    const groups = new Map<string, Group>()
    for (const root of wanted) groups.set(root, { root, createdAt: this.#people.get(root)!.createdAt, nodes: new Set([root]), ids: new Map() })
    // A node moved by a merge decided in this batch but not yet written is still listed under its old root.
    for (const m of members) {
      const root = this.#people.get(m.id)!.mergedInto ?? m.id
      groups.get(root)?.nodes.add(m.id)
    }
    const groupOf = new Map<string, Group>()
    for (const g of groups.values()) for (const n of g.nodes) groupOf.set(n, g)
    for (const row of await this.#tx.identitiesOf([...groupOf.keys()])) {
      const key = identifierKey(row)
      if (!this.#ids.get(key)) this.#ids.set(key, row)
      // An identifier moved away in this batch belongs to its new group, not this one.
      const group = groupOf.get(this.#ids.get(key)!.personId)
      if (group) this.#idsOf(group, row.type as IdentifierType).add(row.value)
    }
    for (const [root, g] of groups) this.#groups.set(root, g)
  }

  async #person(id: string): Promise<PersonRow> {
    if (!this.#people.has(id)) await this.#loadPeople([id])
    const p = this.#people.get(id)
    if (!p) throw new Error(`person ${id} is missing from the identity graph`)
    return p
  }

  async #loadPeople(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#people.has(id))
    if (missing.length === 0) return
    const rows = await this.#tx.getPeople(missing)
    for (const r of rows) this.#people.set(r.id, r)
    const roots = rows.map((r) => r.mergedInto).filter((r): r is string => r !== null && !this.#people.has(r))
    if (roots.length > 0) await this.#loadPeople(roots)
  }
}
