/** Reading people through the API in tests, where the projector applies events a moment after they are acknowledged. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ProfileView } from '../../src/profiles/index.ts'
import type { Api } from './http.ts'

export const personPath = (id: string, rest = '') => `/v1/people/${encodeURIComponent(id)}${rest}`

/** Polls until `probe` answers a value; fails after `ms`. */
export async function waitForValue<T>(what: string, probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** The profile once the projector has applied `n` events to it. */
export const profileWithEvents = (api: Api, id: string, n: number) =>
  waitForValue(`${n} events for ${id}`, async () => {
    const res = await api.secret<ProfileView>('GET', personPath(id))
    return res.status === 200 && res.body.activity.events >= n ? res.body : undefined
  })
