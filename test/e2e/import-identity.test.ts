/**
 * Imported history joins the identity graph like live events: an order export whose customer ids are
 * email addresses records each as an email too, so the email provider's events (which know only the
 * address) and a lookup by email reach the same person as the imported orders.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { importEvents, importOrders } from '../../src/importer/index.ts'
import type { ProfileView } from '../../src/profiles/index.ts'
import { uniqueId } from '../builders/events.ts'
import { Api, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { waitFor } from '../support/child-server.ts'

describe('importing email-shaped customer ids', () => {
  let server: TestServer
  let api: Api
  before(async () => {
    server = await startServer()
    server.engine.startWorkers()
    api = new Api(server)
  })
  after(() => server.close())

  const person = async (ref: string, query = '') => {
    const res = await request<ProfileView>(`${server.url}/v1/people/${encodeURIComponent(ref)}${query}`, { auth: bearer(server.secretKey) })
    return res.status === 200 ? res.body : null
  }

  it('records an email-shaped customer_id as the person\'s email, and the email provider\'s events join them', async () => {
    const box = uniqueId('ann').replace(/[^a-z0-9]/gi, '').slice(-10)
    const customer = `Ann.${box}@Example.com`
    const file = path.join(server.dataDir, 'orders.csv')
    fs.writeFileSync(
      file,
      ['order_id,customer_id,timestamp,product_id,quantity,unit_price', `o-${box},${customer},2026-01-05 10:00:00,sku-1,1,20`, `o-${box}-n,17850,2026-01-05 11:00:00,sku-2,1,5`].join('\n'),
    )
    const summary = await importOrders(server.engine.store, file)
    assert.equal(summary.eventsStored, 2)

    const email = `ann.${box}@example.com`.toLowerCase()
    const byEmail = await waitForPerson(() => person(email, '?type=email'))
    assert.deepEqual(byEmail.identities.userIds, [customer])
    assert.deepEqual(byEmail.identities.emails, [email])
    assert.equal(byEmail.purchases.orders, 1)

    // The email provider reports an open by address only: it lands on the customer of the imported order.
    const open = await api.send('/v1/track', { event: 'Email Opened', anonymousId: uniqueId('esp'), context: { traits: { email: email.toUpperCase() } }, properties: { campaign_id: 'c-1' } })
    assert.equal(open.status, 200, JSON.stringify(open.body))
    const opened = await waitForPerson(async () => {
      const p = await person(customer, '?type=user_id')
      return p && p.email.opens === 1 ? p : null
    })
    assert.equal(opened.id, byEmail.id)

    // A customer id that is not an address stays a user id only.
    const plain = await waitForPerson(() => person('17850', '?type=user_id'))
    assert.deepEqual(plain.identities.emails, [])
  })

  it('does the same for the person column of an interactions import', async () => {
    const box = uniqueId('bo').replace(/[^a-z0-9]/gi, '').slice(-10)
    const file = path.join(server.dataDir, 'ratings.csv')
    fs.writeFileSync(file, ['person,item,value,time', `bo.${box}@example.com,sku-3,5,2026-01-06T10:00:00Z`].join('\n'))
    const summary = await importEvents(server.engine.store, file)
    assert.equal(summary.eventsStored, 1)
    const p = await waitForPerson(() => person(`bo.${box}@example.com`, '?type=email'))
    assert.deepEqual(p.identities.userIds, [`bo.${box}@example.com`])
  })
})

async function waitForPerson(probe: () => Promise<ProfileView | null>): Promise<ProfileView> {
  let found: ProfileView | null = null
  await waitFor(async () => (found = await probe()) !== null, 10_000)
  return found!
}
