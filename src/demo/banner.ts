/**
 * The home page's banner, chosen on the server: the visitor's strongest top-level category affinity
 * picks it when a profile is known by their cookies and allows personalization; everyone else sees
 * the default one. Sensitive categories never headline a banner (a shop window is seen by others too).
 */
import type { Config } from '../core/index.ts'
import { consentGiven, type ProfileService, rankAffinities } from '../profiles/index.ts'
import { categoryUrl } from './shop-views.ts'

export interface Banner {
  /** The top-level category the banner advertises; null for the default banner. */
  category: string | null
  headline: string
  text: string
  url: string
  action: string
}

const BANNERS: Record<string, { headline: string; text: string }> = {
  Shoes: { headline: 'Fresh miles ahead', text: 'Running, trail and everyday shoes, picked from what you looked at.' },
  Apparel: { headline: 'Layers for every season', text: 'Jackets, tees and trousers in the styles you keep coming back to.' },
  Outdoor: { headline: 'Your next camp starts here', text: 'Tents, packs and sleeping bags for nights under the stars.' },
  Home: { headline: 'Make home feel like yours', text: 'Kitchen, bedding and decor to match your taste.' },
  Beauty: { headline: 'Your daily ritual, refreshed', text: 'Skin care, fragrance and hair care you might love next.' },
  Electronics: { headline: 'Sound and pictures, upgraded', text: 'Headphones, watches and cameras for what you do.' },
  Toys: { headline: 'Playtime, sorted', text: 'Games, building sets and plush friends for every age.' },
}

export const DEFAULT_BANNER: Banner = {
  category: null,
  headline: 'Welcome to the Attune demo store',
  text: 'Browse, add things to your cart and check out: the recommendations below learn from every click.',
  url: '/demo/c/Shoes',
  action: 'Start browsing',
}

export interface Visitor {
  userId: string | null
  anonymousId: string | null
}

export interface BannerSources {
  config: Config
  profiles: ProfileService
}

export async function chooseBanner(engine: BannerSources, visitor: Visitor, isSensitive: (path: string) => boolean, now = Date.now()): Promise<Banner> {
  const root =
    (visitor.userId ? await engine.profiles.find(visitor.userId, 'user_id') : null) ??
    (visitor.anonymousId ? await engine.profiles.find(visitor.anonymousId, 'anonymous_id') : null)
  if (!root) return DEFAULT_BANNER
  const state = await engine.profiles.state(root)
  if (!state || !consentGiven(state, 'personalization', engine.config.consentDefaults)) return DEFAULT_BANNER
  const prefs = state.preferences.categories
  const halfLifeMs = engine.config.affinityHalfLifeDays * 24 * 3600 * 1000
  const ranked = rankAffinities(state.categories, prefs.liked, prefs.disliked, now, halfLifeMs, Number.MAX_SAFE_INTEGER)
  const top = ranked.find((a) => !a.name.includes(' > ') && BANNERS[a.name] && !isSensitive(a.name))
  if (!top) return DEFAULT_BANNER
  const banner = BANNERS[top.name]!
  return { category: top.name, ...banner, url: categoryUrl(top.name), action: `Shop ${top.name}` }
}
