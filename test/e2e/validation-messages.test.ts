/**
 * What a client reads when a value is not one of a fixed set (a strategy, a condition operator, a lookup
 * type): the valid names, through real HTTP, instead of ajv's "must be equal to constant".
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LOOKUP_TYPES } from '../../src/profiles/index.ts'
import { CONDITION_OPS, EXTRA_FIELDS, STRATEGIES } from '../../src/recommend/index.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'

describe('validation messages for a fixed set of values', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  const recommend = (json: unknown) => request(`${server.url}/v1/recommendations`, { json, auth: basicAuth(server.writeKey) })

  it('names every valid strategy for an unknown one, in a placement and in the one-placement form', async () => {
    const inPlacement = assertError(await recommend({ anonymousId: 'a-1', placements: [{ strategy: 'for-me' }] }), 400, 'invalid_field', 'placements[0].strategy')
    assert.equal(inPlacement.error.message, `body placements[0].strategy must be one of ${STRATEGIES.join(', ')}`)
    const single = assertError(await recommend({ anonymousId: 'a-1', strategy: 'for-me' }), 400, 'invalid_field', 'strategy')
    assert.equal(single.error.message, `body strategy must be one of ${STRATEGIES.join(', ')}`)
  })

  it('names the valid values of an enum and of a list of literals', async () => {
    const op = await recommend({ anonymousId: 'a-1', strategy: 'trending', filters: { where: [{ attribute: 'brand', op: 'like', value: 'Stride' }] } })
    const opBody = assertError(op, 400, 'invalid_field', 'filters.where[0].op')
    assert.equal(opBody.error.message, `body filters.where[0].op must be one of ${CONDITION_OPS.join(', ')}`)
    const fields = assertError(await recommend({ anonymousId: 'a-1', strategy: 'trending', fields: ['colour'] }), 400, 'invalid_field', 'fields[0]')
    assert.equal(fields.error.message, `body fields[0] must be one of ${EXTRA_FIELDS.join(', ')}`)
  })

  it('names the valid lookup types in a query string', async () => {
    const reply = await request(`${server.url}/v1/people/ann?type=phone`, { auth: bearer(server.secretKey) })
    const body = assertError(reply, 400, 'invalid_field', 'type')
    assert.equal(body.error.message, `querystring type must be one of ${LOOKUP_TYPES.join(', ')}`)
  })

  it('keeps the schema message for a union that is not a set of names', async () => {
    const reply = await recommend({ anonymousId: 'a-1', strategy: 'trending', filters: { where: [{ attribute: 'brand', op: 'eq', value: { name: 'Stride' } }] } })
    const body = assertError(reply, 400, 'invalid_field')
    assert.match(body.error.field ?? '', /^filters\.where\[0\]\.value/)
    assert.doesNotMatch(body.error.message, /must be one of/)
  })
})
