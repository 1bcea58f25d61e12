/** Content decisions: interests pick the variant, with consent; sensitive categories and dislikes are respected. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { emptyState, type ProfileState } from '../profiles/index.ts'
import { chooseVariant, type Variant } from './decide.ts'

const NOW = Date.UTC(2026, 10, 30)
const settings = { consentDefaults: { personalization: true }, halfLifeMs: 30 * 86_400_000 }
const variants: Variant[] = [
  { id: 'shoes', category: 'Shoes' },
  { id: 'health', category: 'Health' },
  { id: 'stride', brand: 'Stride' },
  { id: 'welcome', default: true },
]
const sensitive = (path: string) => path === 'Health' || path.startsWith('Health > ')

function person(categories: Record<string, number>, brands: Record<string, number> = {}, change: (s: ProfileState) => void = () => {}): ProfileState {
  const s = emptyState(NOW)
  for (const [name, score] of Object.entries(categories)) s.categories[name] = { s: score, t: NOW }
  for (const [name, score] of Object.entries(brands)) s.brands[name] = { s: score, t: NOW }
  change(s)
  return s
}

describe('chooseVariant', () => {
  it('shows the default variant to nobody in particular, and says why', () => {
    const r = chooseVariant(variants, null, settings, sensitive, NOW)
    assert.deepEqual([r.variant.id, r.personalized], ['welcome', false])
    assert.match(r.reason, /no profile/)
  })

  it('picks the variant of the strongest interest, counting the categories under it', () => {
    const r = chooseVariant(variants, person({ 'Shoes > Running': 3, 'Shoes > Trail': 2, Apparel: 4 }, { Stride: 4.5 }), settings, sensitive, NOW)
    assert.deepEqual([r.variant.id, r.personalized, r.reason], ['shoes', true, 'interested in Shoes'])
    const brand = chooseVariant(variants, person({ 'Shoes > Running': 1 }, { Stride: 4 }), settings, sensitive, NOW)
    assert.equal(brand.variant.id, 'stride')
  })

  it('never uses a sensitive category without consent to it, and never a disliked one', () => {
    assert.equal(chooseVariant(variants, person({ 'Health > Vitamins': 9, Shoes: 1 }), settings, sensitive, NOW).variant.id, 'shoes')
    const consented = person({ 'Health > Vitamins': 9, Shoes: 1 }, {}, (s) => (s.consent.sensitive = { granted: true, at: NOW, source: 'api' }))
    assert.equal(chooseVariant(variants, consented, settings, sensitive, NOW).variant.id, 'health')
    const dislikes = person({ Shoes: 9 }, {}, (s) => s.preferences.categories.disliked.push('Shoes'))
    assert.equal(chooseVariant(variants, dislikes, settings, sensitive, NOW).variant.id, 'welcome')
  })

  it('shows the default variant without personalization consent', () => {
    const refused = person({ Shoes: 9 }, {}, (s) => (s.consent.personalization = { granted: false, at: NOW, source: 'api' }))
    const r = chooseVariant(variants, refused, settings, sensitive, NOW)
    assert.deepEqual([r.variant.id, r.personalized], ['welcome', false])
    assert.match(r.reason, /consent/)
  })
})
