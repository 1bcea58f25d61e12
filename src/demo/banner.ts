/**
 * The home page's banner, chosen on the server by the content decider (content/decide.ts): the
 * department of the visitor's strongest interest when their browser said yes to personalization (the
 * demo's consent cookie, set with the SDK's consent) and a profile known by their cookies allows it;
 * everyone else sees the default one. Sensitive departments have no banner: a shop window is seen by
 * others too.
 */
import type { Config } from '../core/index.ts'
import { chooseVariant, type Variant } from '../content/index.ts'
import type { PeopleCache } from '../recommend/index.ts'
import { categoryUrl } from './shop-views.ts'

export interface Banner {
  /** The top-level category the banner advertises; null for the default banner. */
  category: string | null
  headline: string
  text: string
  url: string
  action: string
}

const BANNERS = new Map<string, { headline: string; text: string }>(Object.entries({
  Shoes: { headline: 'Fresh miles ahead', text: 'Running, trail and everyday shoes, picked from what you looked at.' },
  Apparel: { headline: 'Layers for every season', text: 'Jackets, tees and trousers in the styles you keep coming back to.' },
  Outdoor: { headline: 'Your next camp starts here', text: 'Tents, packs and sleeping bags for nights under the stars.' },
  Home: { headline: 'Make home feel like yours', text: 'Kitchen, bedding and decor to match your taste.' },
  Beauty: { headline: 'Your daily ritual, refreshed', text: 'Skin care, fragrance and hair care you might love next.' },
  Electronics: { headline: 'Sound and pictures, upgraded', text: 'Headphones, watches and cameras for what you do.' },
  Toys: { headline: 'Playtime, sorted', text: 'Games, building sets and plush friends for every age.' },
}))

export const DEFAULT_BANNER: Banner = {
  category: null,
  headline: 'Welcome to the Attune demo store',
  text: 'Browse, add things to your cart and check out: the recommendations below learn from every click.',
  url: '/demo/c/Shoes',
  action: 'Start browsing',
}

export interface Visitor {
  /** The browser's answer: true only after "Accept" (a declined or unanswered banner is no). */
  personalization: boolean
  userId: string | null
  anonymousId: string | null
}

export interface BannerSources {
  config: Config
  /** The people the engine serves (the recommender's cache: hot state first). */
  people: Pick<PeopleCache, 'get'>
  /** The consent defaults in force (the stored settings over the configuration). */
  settings: { readonly consentDefaults: Readonly<Record<string, boolean>> }
}

// One content variant per department with a banner; the content decider picks among them.
const VARIANTS: Variant[] = [...[...BANNERS.keys()].map((name) => ({ id: name, category: name })), { id: 'default', default: true }]

export async function chooseBanner(engine: BannerSources, visitor: Visitor, isSensitive: (path: string) => boolean, now = Date.now()): Promise<Banner> {
  // The browser's refusal wins over whatever the stored profile allows (it may predate the refusal).
  if (!visitor.personalization) return DEFAULT_BANNER
  const served =
    (visitor.userId ? await engine.people.get(visitor.userId, 'user_id') : null) ??
    (visitor.anonymousId ? await engine.people.get(visitor.anonymousId, 'anonymous_id') : null)
  const settings = { consentDefaults: engine.settings.consentDefaults, halfLifeMs: engine.config.affinityHalfLifeDays * 86_400_000 }
  const { variant } = chooseVariant(VARIANTS, served?.state ?? null, settings, isSensitive, now)
  const banner = BANNERS.get(variant.id)
  return banner ? { category: variant.id, ...banner, url: categoryUrl(variant.id), action: `Shop ${variant.id}` } : DEFAULT_BANNER
}
