import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AttuneError, type Item } from '../core/index.ts'
import { checkConditions, conditionHolds } from './conditions.ts'
import { rejection } from './filters.ts'
import type { Condition } from './request.ts'

function item(over: Partial<Item> = {}): Item {
  return {
    id: 'a', title: 'Stride Aero', description: null, categories: ['Shoes > Running', 'Sale'], brand: 'Stride', price: 50, currency: 'EUR',
    imageUrl: null, url: null, tags: ['road', 'light'], available: true, inventory: null,
    attributes: { colour: 'red', sizes: [40, 41], vegan: true, launched: '2024-03-01', empty: [], none: null },
    createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', ...over,
  }
}
const holds = (c: Condition, it: Item = item()) => conditionHolds(it, c)

describe('attribute conditions', () => {
  it('eq and ne: strict equality on single values, no conversions, case-sensitive', () => {
    assert.equal(holds({ attribute: 'brand', op: 'eq', value: 'Stride' }), true)
    assert.equal(holds({ attribute: 'brand', op: 'eq', value: 'stride' }), false)
    assert.equal(holds({ attribute: 'price', op: 'eq', value: 50 }), true)
    assert.equal(holds({ attribute: 'price', op: 'eq', value: '50' }), false)
    assert.equal(holds({ attribute: 'title', op: 'eq', value: 'Stride Aero' }), true)
    assert.equal(holds({ attribute: 'attributes.vegan', op: 'eq', value: true }), true)
    assert.equal(holds({ attribute: 'attributes.vegan', op: 'eq', value: 'true' }), false)
    assert.equal(holds({ attribute: 'brand', op: 'ne', value: 'Stride' }), false)
    assert.equal(holds({ attribute: 'brand', op: 'ne', value: 'Kinetic' }), true)
  })

  it('eq on arrays means contains, in means contains any of, and ne / notIn negate them', () => {
    assert.equal(holds({ attribute: 'tag', op: 'eq', value: 'light' }), true)
    assert.equal(holds({ attribute: 'tag', op: 'eq', value: 'trail' }), false)
    assert.equal(holds({ attribute: 'attributes.sizes', op: 'eq', value: 41 }), true)
    assert.equal(holds({ attribute: 'attributes.sizes', op: 'eq', value: 42 }), false)
    assert.equal(holds({ attribute: 'attributes.sizes', op: 'ne', value: 41 }), false)
    assert.equal(holds({ attribute: 'tag', op: 'in', value: ['trail', 'road'] }), true)
    assert.equal(holds({ attribute: 'tag', op: 'in', value: ['trail', 'snow'] }), false)
    assert.equal(holds({ attribute: 'tag', op: 'notIn', value: ['trail', 'snow'] }), true)
    assert.equal(holds({ attribute: 'tag', op: 'notIn', value: ['trail', 'road'] }), false)
    assert.equal(holds({ attribute: 'brand', op: 'in', value: ['Kinetic', 'Stride'] }), true)
    assert.equal(holds({ attribute: 'price', op: 'in', value: [10, 50] }), true)
    assert.equal(holds({ attribute: 'price', op: 'notIn', value: [10, 20] }), true)
  })

  it('category eq / in hold for the path or one under it, on any of the item\'s paths', () => {
    assert.equal(holds({ attribute: 'category', op: 'eq', value: 'Shoes' }), true)
    assert.equal(holds({ attribute: 'category', op: 'eq', value: 'Shoes > Running' }), true)
    assert.equal(holds({ attribute: 'category', op: 'eq', value: 'Sale' }), true, 'the second path counts too')
    assert.equal(holds({ attribute: 'category', op: 'eq', value: 'Shoe' }), false, 'a prefix of a name is not an ancestor')
    assert.equal(holds({ attribute: 'category', op: 'eq', value: 'Shoes > Running > Trail' }), false, 'a child is not the item\'s path')
    assert.equal(holds({ attribute: 'category', op: 'ne', value: 'Shoes' }), false)
    assert.equal(holds({ attribute: 'category', op: 'ne', value: 'Home' }), true)
    assert.equal(holds({ attribute: 'category', op: 'in', value: ['Home', 'Shoes'] }), true)
    assert.equal(holds({ attribute: 'category', op: 'notIn', value: ['Home', 'Shoes'] }), false)
  })

  it('gt / gte / lt / lte compare numbers with numbers and strings with strings only', () => {
    assert.equal(holds({ attribute: 'price', op: 'gt', value: 49.99 }), true)
    assert.equal(holds({ attribute: 'price', op: 'gt', value: 50 }), false)
    assert.equal(holds({ attribute: 'price', op: 'gte', value: 50 }), true)
    assert.equal(holds({ attribute: 'price', op: 'gte', value: 50.01 }), false)
    assert.equal(holds({ attribute: 'price', op: 'lt', value: 50.01 }), true)
    assert.equal(holds({ attribute: 'price', op: 'lt', value: 50 }), false)
    assert.equal(holds({ attribute: 'price', op: 'lte', value: 50 }), true)
    assert.equal(holds({ attribute: 'price', op: 'lte', value: 49 }), false)
    assert.equal(holds({ attribute: 'price', op: 'lt', value: '60' }), false, 'a number never compares with a string')
    assert.equal(holds({ attribute: 'attributes.launched', op: 'gte', value: '2024-01-01' }), true, 'ISO dates compare as strings')
    assert.equal(holds({ attribute: 'attributes.launched', op: 'gt', value: '2024-06-01' }), false)
    assert.equal(holds({ attribute: 'attributes.launched', op: 'gt', value: 1 }), false, 'a string never compares with a number')
    assert.equal(holds({ attribute: 'attributes.vegan', op: 'gte', value: 0 }), false, 'booleans never compare')
    assert.equal(holds({ attribute: 'attributes.sizes', op: 'gt', value: 40 }), true, 'an array holds when one element does')
    assert.equal(holds({ attribute: 'attributes.sizes', op: 'gt', value: 41 }), false)
  })

  it('exists / notExists: null, absent and empty arrays are missing', () => {
    for (const attribute of ['brand', 'attributes.colour', 'attributes.sizes', 'tag', 'category', 'price', 'title'] as const) {
      assert.equal(holds({ attribute, op: 'exists' }), true, attribute)
      assert.equal(holds({ attribute, op: 'notExists' }), false, attribute)
    }
    const bare = item({ brand: null, price: null, title: null, tags: [], categories: [] })
    for (const attribute of ['brand', 'price', 'title', 'tag', 'category', 'attributes.none', 'attributes.empty', 'attributes.absent', 'attributes.constructor'] as const) {
      const it1 = attribute.startsWith('attributes.') ? item() : bare
      assert.equal(holds({ attribute, op: 'exists' }, it1), false, attribute)
      assert.equal(holds({ attribute, op: 'notExists' }, it1), true, attribute)
    }
  })

  it('a missing attribute fails every op but ne, notIn and notExists', () => {
    const bare = item({ brand: null })
    const ops: [Condition, boolean][] = [
      [{ attribute: 'brand', op: 'eq', value: 'Stride' }, false],
      [{ attribute: 'brand', op: 'ne', value: 'Stride' }, true],
      [{ attribute: 'brand', op: 'in', value: ['Stride'] }, false],
      [{ attribute: 'brand', op: 'notIn', value: ['Stride'] }, true],
      [{ attribute: 'brand', op: 'gt', value: '' }, false],
      [{ attribute: 'brand', op: 'gte', value: '' }, false],
      [{ attribute: 'brand', op: 'lt', value: 'zzz' }, false],
      [{ attribute: 'brand', op: 'lte', value: 'zzz' }, false],
      [{ attribute: 'brand', op: 'exists' }, false],
      [{ attribute: 'brand', op: 'notExists' }, true],
    ]
    for (const [c, expected] of ops) assert.equal(holds(c, bare), expected, c.op)
    assert.equal(holds({ attribute: 'brand', op: 'gte', value: '' }), true, 'the same comparison holds once the brand is there')
  })

  it('rejects an item in the filters when any condition fails', () => {
    const person = { bought: new Set<string>(), cart: new Set<string>(), notForMe: new Set<string>(), dislikedCategories: [], dislikedBrands: [] }
    const check = (where: Condition[]) => rejection(item(), { where }, person, () => false, false)
    assert.equal(check([{ attribute: 'brand', op: 'eq', value: 'Stride' }, { attribute: 'price', op: 'lt', value: 60 }]), null)
    assert.equal(check([{ attribute: 'brand', op: 'eq', value: 'Stride' }, { attribute: 'price', op: 'lt', value: 40 }]), 'attribute')
    assert.equal(check([]), null)
  })
})

describe('condition checks', () => {
  const fieldOf = (where: unknown[], path = 'filters.where') => {
    try {
      checkConditions(where as Condition[], path)
      return null
    } catch (e) {
      assert.ok(e instanceof AttuneError)
      return [e.code, e.field]
    }
  }

  it('accepts values that fit their ops', () => {
    assert.equal(fieldOf([{ attribute: 'brand', op: 'eq', value: 'x' }, { attribute: 'tag', op: 'in', value: ['a', 1, true] }, { attribute: 'price', op: 'gt', value: 3 }, { attribute: 'title', op: 'lte', value: 'M' }, { attribute: 'brand', op: 'exists' }]), null)
  })

  it('names the value that is missing, superfluous or of the wrong shape for its op', () => {
    assert.deepEqual(fieldOf([{ attribute: 'price', op: 'gt' }]), ['missing_field', 'filters.where[0].value'])
    assert.deepEqual(fieldOf([{ attribute: 'brand', op: 'exists' }, { attribute: 'brand', op: 'in', value: 'x' }]), ['invalid_field', 'filters.where[1].value'])
    assert.deepEqual(fieldOf([{ attribute: 'brand', op: 'eq', value: ['x'] }]), ['invalid_field', 'filters.where[0].value'])
    assert.deepEqual(fieldOf([{ attribute: 'price', op: 'lt', value: true }]), ['invalid_field', 'filters.where[0].value'])
    assert.deepEqual(fieldOf([{ attribute: 'brand', op: 'notExists', value: 'x' }], 'placements[2].filters.where'), ['invalid_field', 'placements[2].filters.where[0].value'])
  })
})
