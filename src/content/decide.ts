/**
 * Content decisions: which variant of a content placement (a banner, a hero, a block of testimonials) a
 * person sees. A variant may target a category or a brand; the person's strongest matching interest
 * picks it (explicit likes first, dislikes never), and a sensitive category only with the person's
 * consent to its use. Without a person, an unknown one or without personalization consent, the default
 * variant is shown and the answer says why.
 */
import { timeOrderedId } from '../core/index.ts'
import { consentGiven, type ProfileState, rankAffinities } from '../profiles/index.ts'

export interface Variant {
  id: string
  /** A category path: the variant suits people interested in it (or in a category under it). */
  category?: string
  brand?: string
  /** Shown when nothing targets the person (else the first variant without a target). */
  default?: boolean
}

export interface DecisionRequest {
  userId?: string
  anonymousId?: string
  placement: string
  variants: Variant[]
}

export interface Decision {
  decisionId: string
  placement: string
  variant: string
  personalized: boolean
  reason: string
}

export interface DeciderSettings {
  consentDefaults: Record<string, boolean>
  halfLifeMs: number
}

const under = (name: string, prefix: string) => name === prefix || name.startsWith(`${prefix} > `)

/** The variant for a person's state (null: none known), and why. */
export function chooseVariant(
  variants: readonly Variant[],
  state: Readonly<ProfileState> | null,
  settings: DeciderSettings,
  isSensitive: (path: string) => boolean,
  now = Date.now(),
): { variant: Variant; personalized: boolean; reason: string } {
  const fallback = variants.find((v) => v.default) ?? variants.find((v) => !v.category && !v.brand) ?? variants[0]!
  if (!state) return { variant: fallback, personalized: false, reason: 'no profile: the default variant' }
  if (!consentGiven(state, 'personalization', settings.consentDefaults)) return { variant: fallback, personalized: false, reason: 'no personalization consent: the default variant' }
  const mayUseSensitive = consentGiven(state, 'sensitive', {})
  const categories = rankAffinities(state.categories, state.preferences.categories.liked, state.preferences.categories.disliked, now, settings.halfLifeMs, Number.MAX_SAFE_INTEGER)
  const brands = rankAffinities(state.brands, state.preferences.brands.liked, state.preferences.brands.disliked, now, settings.halfLifeMs, Number.MAX_SAFE_INTEGER)
  let best: { variant: Variant; score: number; why: string } | null = null
  for (const variant of variants) {
    if (variant.category && (mayUseSensitive || !isSensitive(variant.category))) {
      // Interest in the category or anything under it; explicit likes rank above every inference.
      const score = categories.filter((a) => under(a.name, variant.category!)).reduce((sum, a) => sum + a.score, 0)
      if (score > 0 && (!best || score > best.score)) best = { variant, score, why: `interested in ${variant.category}` }
    }
    if (variant.brand) {
      const score = brands.find((a) => a.name === variant.brand)?.score ?? 0
      if (score > 0 && (!best || score > best.score)) best = { variant, score, why: `interested in ${variant.brand}` }
    }
  }
  return best ? { variant: best.variant, personalized: true, reason: best.why } : { variant: fallback, personalized: false, reason: 'no interest matches a variant: the default variant' }
}

export function decision(placement: string, chosen: { variant: Variant; personalized: boolean; reason: string }): Decision {
  return { decisionId: timeOrderedId(), placement, variant: chosen.variant.id, personalized: chosen.personalized, reason: chosen.reason }
}
