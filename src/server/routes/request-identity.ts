/**
 * Who a recommendation or decision request may be answered for. The write key is public (it is in every
 * shop page), so a request made with it may use a person's history only when it proves who they are:
 * a `userId` counts only with the `userToken` the shop's backend signed for it (docs/sdk.md#identity-verification).
 * Without the token the userId is left out, so the answer is exactly the one the request gets without it.
 * An `anonymousId` (an unguessable cookie) keeps serving an anonymous visitor, but not once it belongs to
 * a signed-up person: anyone can link their own anonymousId to any userId with an identify call.
 * Secret-key requests come from the shop's backend and are trusted as they are.
 */
import Type from 'typebox'
import { type ApiKeyRecord, AttuneError } from '../../core/index.ts'
import type { Engine } from '../engine.ts'

export const IDENTITY_DOCS = 'docs/sdk.md#identity-verification'

/** The body field, as the recommendation and decision routes document it. */
export const UserToken = Type.String({
  minLength: 1,
  maxLength: 128,
  description: "The userId's identity token from the shop's backend (lowercase hex HMAC-SHA256); needed for a write-key request's userId to count.",
})

export interface AskedFor {
  userId?: string
  anonymousId?: string
  userToken?: string
}

export interface AnsweredFor {
  userId?: string
  anonymousId?: string
  /** Which of the request's ids were not used and why; null when all were. */
  notice: string | null
}

export class RequestIdentity {
  readonly #engine: Pick<Engine, 'keys' | 'people' | 'store'>
  readonly #ttlMs: number
  /** Person root → whether a userId belongs to it, trusted for `ttlMs` (a merge into a user changes the root). */
  readonly #signedUp = new Map<string, { value: boolean; at: number }>()

  constructor(engine: Pick<Engine, 'keys' | 'people' | 'store'>, ttlMs = 5000) {
    this.#engine = engine
    this.#ttlMs = ttlMs
  }

  async resolve(key: ApiKeyRecord, asked: AskedFor, now = Date.now()): Promise<AnsweredFor> {
    const { userId, anonymousId, userToken } = asked
    if (userToken !== undefined && userId === undefined) throw new AttuneError('invalid_field', 'userToken is sent with the userId it was signed for', 'userToken')
    if (key.scope === 'secret') return { userId, anonymousId, notice: null }
    if (userId !== undefined && userToken !== undefined) {
      if (!this.#engine.keys.verifyUserToken(userId, userToken)) {
        throw new AttuneError('invalid_user_token', `userToken is not this userId's token under any active secret key (see ${IDENTITY_DOCS})`, 'userToken')
      }
      return { userId, anonymousId, notice: null }
    }
    const notices = userId === undefined ? [] : [`userId is not verified (no userToken), so it was not used: see ${IDENTITY_DOCS}`]
    if (anonymousId !== undefined && (await this.#isSignedUp(anonymousId, now))) {
      notices.push(`the anonymousId belongs to a signed-up person, whose history needs their userId with its userToken: see ${IDENTITY_DOCS}`)
      return { notice: notices.join('; ') }
    }
    return { ...(anonymousId !== undefined && { anonymousId }), notice: notices.length > 0 ? notices.join('; ') : null }
  }

  async #isSignedUp(anonymousId: string, now: number): Promise<boolean> {
    const served = await this.#engine.people.get(anonymousId, 'anonymous_id', now)
    if (!served) return false
    const cached = this.#signedUp.get(served.root)
    if (cached && now - cached.at < this.#ttlMs) return cached.value
    const value = await this.#engine.store.readPeople(async (tx) => {
      const nodes = [served.root, ...(await tx.membersOf([served.root])).map((m) => m.id)]
      return (await tx.identitiesOf(nodes)).some((i) => i.type === 'user_id')
    })
    if (this.#signedUp.size >= 100_000) this.#signedUp.clear()
    this.#signedUp.set(served.root, { value, at: now })
    return value
  }
}
