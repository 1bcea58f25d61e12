/** Model versions stored before format 3 still load, without what they did not learn. */
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { describe, it } from 'node:test'
import { ARTIFACT_FORMAT, deserializeArtifact } from './artifact.ts'

describe('artifact formats', () => {
  it('loads a format 2 artifact with no brands, complements or content index, and refuses an unknown format', () => {
    const old = { format: 2, version: 'v-old', items: ['a', 'b'], primaryCategory: ['Shoes', ''], perCategory: new Map([['Shoes', Int32Array.of(0)]]) }
    const a = deserializeArtifact(v8.serialize(old))
    assert.equal(a.format, ARTIFACT_FORMAT)
    assert.deepEqual(a.brand, ['', ''])
    assert.deepEqual([a.perBrand.size, a.complements.size, a.content], [0, 0, null])
    assert.deepEqual([...a.perCategory.get('Shoes')!], [0], 'what it learned is kept')
    assert.throws(() => deserializeArtifact(v8.serialize({ ...old, format: 1 })), /format 1 is not 3; train again/)
  })
})
