/**
 * The synthetic shop's catalogue and its seeded random numbers. The category tree is fixed; each leaf has
 * its own words (nouns, adjectives, features, materials, tags) so titles and descriptions carry signal for
 * a content model, a price range, and a repeat interval for consumables. Items get a latent popularity.
 */
import type { ItemInput } from '../core/index.ts'

/** mulberry32: small and fast; the generator never touches Math.random, so output is reproducible. */
export class ShopRng {
  #a: number
  constructor(seed: number) {
    this.#a = seed >>> 0
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0
    let t = Math.imul(this.#a ^ (this.#a >>> 15), 1 | this.#a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  /** An index drawn with probability proportional to `weights`. */
  weighted(weights: ArrayLike<number>): number {
    let total = 0
    for (let i = 0; i < weights.length; i++) total += weights[i]!
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) if ((r -= weights[i]!) < 0) return i
    return weights.length - 1
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next())
  }
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }
  /** Marsaglia-Tsang; shapes below 1 through the boost gamma(a + 1) * u^(1/a). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      const x = this.normal()
      const v = (1 + c * x) ** 3
      if (v > 0 && Math.log(1 - this.next()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
    }
  }
  /** A point on the simplex; a small alpha puts most of the mass on a few entries. */
  dirichlet(n: number, alpha: number): number[] {
    const g = Array.from({ length: n }, () => this.gamma(alpha) + 1e-12)
    const sum = g.reduce((a, b) => a + b, 0)
    return g.map((x) => x / sum)
  }
}

/** An independent stream per purpose (FNV-1a of the parts), so adding people does not reshuffle items. */
export function rngFor(...parts: (string | number)[]): ShopRng {
  let h = 2166136261
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
  return new ShopRng(h >>> 0)
}

interface Group {
  brands: string[]
  /** Apparel-like goods have colours; creams and vitamins do not. */
  colours: boolean
  sensitive?: boolean
  /** leaf|nouns|adjectives|features|materials|tags|min-max price|repeat days (0: not a consumable) */
  leaves: string[]
}

const TREE: Record<string, Group> = {
  Shoes: { brands: ['Stride', 'Trailhead', 'Kinetic', 'Urbanwalk', 'Northpeak'], colours: true, leaves: [
    'Running|running shoe,racing flat|cushioned,responsive,lightweight,breathable|a breathable mesh upper,a springy foam midsole,reflective details,a grippy rubber outsole|mesh,foam,knit|road,marathon,cushioning,race day|60-180|0',
    'Trail|trail shoe,hiking shoe|rugged,grippy,waterproof,stable|deep lugs,a rock plate,a gusseted tongue,a waterproof membrane|mesh,rubber,suede|trail,mud,mountain,grip|70-200|0',
    'Casual|sneaker,loafer,slip-on|classic,minimal,retro,everyday|a padded collar,a cupsole,contrast stitching,a removable insole|leather,canvas,suede|streetwear,everyday,classic|40-140|0',
    'Boots|ankle boot,chelsea boot,winter boot|warm,waterproof,sturdy,lined|a shearling lining,a lug sole,a side zip,a waxed finish|leather,suede,nubuck|winter,snow,waterproof|80-260|0',
  ] },
  Apparel: { brands: ['Loom & Co', 'Northpeak', 'Fieldwear', 'Vela', 'Basecamp'], colours: true, leaves: [
    'Jackets|rain jacket,down jacket,softshell|packable,insulated,windproof,waterproof|taped seams,an adjustable hood,zipped pockets,a recycled down fill|nylon,polyester,down|rain,insulation,layering|70-320|0',
    'T-shirts|t-shirt,tee,polo|soft,organic,relaxed,slim|a crew neck,a printed logo,flat seams,a curved hem|cotton,linen,merino|basics,summer,organic|12-45|0',
    'Trousers|chino,jeans,jogger|tapered,stretch,relaxed,tailored|a button fly,deep pockets,an elastic waist,a tapered leg|denim,cotton,twill|denim,office,weekend|35-120|0',
    'Dresses|midi dress,wrap dress,maxi dress|floral,flowing,elegant,casual|a wrap front,puff sleeves,a tie waist,side pockets|viscose,linen,silk|summer,party,floral|40-160|0',
    'Socks|running socks,hiking socks,crew socks|cushioned,moisture-wicking,seamless,padded|a padded heel,arch support,a seamless toe,a reinforced sole|merino,nylon,cotton|running,hiking,everyday|6-25|0',
    'Shorts|running shorts,trail shorts,training shorts|lightweight,quick-dry,stretch,breathable|a built-in liner,a zipped pocket,an elastic waist,reflective details|polyester,nylon,cotton|running,training,summer|15-60|0',
  ] },
  Outdoor: { brands: ['Basecamp', 'Northpeak', 'Wildfern', 'Summitline'], colours: true, leaves: [
    'Tents|dome tent,tunnel tent,backpacking tent|lightweight,freestanding,roomy,storm-proof|two vestibules,colour-coded poles,a bathtub floor,mesh ventilation|nylon,polyester,aluminium|camping,backpacking,festival|90-600|0',
    'Backpacks|daypack,hiking backpack,travel pack|ventilated,padded,roll-top,adjustable|a hip belt,a hydration sleeve,a rain cover,a padded laptop pocket|nylon,polyester,cordura|hiking,travel,commute|40-250|0',
    'Sleeping bags|sleeping bag,quilt,mummy bag|warm,compressible,three-season,ultralight|a draft collar,a mummy hood,a two-way zip,a compression sack|down,polyester,nylon|camping,cold nights,sleep|50-380|0',
    'Sleeping mats|sleeping mat,camping pad,air mattress|insulated,inflatable,self-inflating,ultralight|a pump sack,a high R-value,a non-slip top,a stuff sack|foam,nylon,polyester|camping,backpacking,sleep|25-180|0',
  ] },
  Home: { brands: ['Hearth', 'Oakline', 'Nordhaus', 'Casa Viva'], colours: true, leaves: [
    'Kitchen|chef knife,frying pan,coffee grinder|forged,non-stick,precise,durable|a full tang,an induction base,a ceramic burr,an ergonomic handle|steel,cast iron,ceramic|cooking,coffee,kitchen|20-220|0',
    'Bedding|duvet cover,pillow,sheet set|crisp,percale,cosy,hypoallergenic|a hidden zip,corner ties,an envelope closure,deep pockets|cotton,linen,bamboo|bedroom,sleep,linen|30-180|0',
    'Decor|vase,table lamp,throw blanket|handmade,scandinavian,warm,sculptural|a matte glaze,a dimmable bulb,fringed edges,a weighted base|ceramic,wool,glass|living room,gifts,design|15-150|0',
  ] },
  Beauty: { brands: ['Lumiere', 'Dewdrop', 'Botanica', 'Velvetine'], colours: false, leaves: [
    'Skin care|face cream,serum,cleanser|hydrating,gentle,brightening,fragrance-free|hyaluronic acid,vitamin c,niacinamide,ceramides|cream,gel,oil|skincare,hydration,daily|12-70|30',
    'Fragrance|eau de parfum,eau de toilette,body mist|woody,floral,fresh,citrus|notes of bergamot,a vanilla base,a cedar heart,a travel spray|glass,aluminium,alcohol-free|perfume,scent,evening|30-150|0',
    'Hair care|shampoo,conditioner,hair mask|nourishing,volumising,sulphate-free,repairing|argan oil,keratin,rosemary extract,a pump bottle|liquid,cream,bar|haircare,curls,daily|8-40|35',
  ] },
  Health: { brands: ['Vitalis', 'NutriCore', 'Greenleaf'], colours: false, sensitive: true, leaves: [
    'Vitamins|vitamin d,multivitamin,omega-3|daily,vegan,slow-release,high-strength|a 90-day supply,easy-swallow capsules,no added sugar,third-party testing|capsule,tablet,gummy|supplements,immunity,wellness|8-45|30',
    'First aid|first aid kit,bandage set,thermometer|compact,essential,reusable,travel-size|sterile dressings,a hard case,a digital display,a printed guide|fabric,plastic,cotton|first aid,travel,safety|6-60|0',
  ] },
  Electronics: { brands: ['Voltix', 'Sonora', 'Pixelon', 'Auralite'], colours: true, leaves: [
    'Headphones|headphones,earbuds,headset|wireless,noise-cancelling,foldable,sweatproof|a 40-hour battery,active noise cancelling,a carry case,multipoint bluetooth|plastic,aluminium,memory foam|audio,music,travel|25-350|0',
    'Smartwatches|smartwatch,fitness tracker,sport watch|gps,waterproof,always-on,lightweight|heart-rate tracking,sleep tracking,built-in gps,a week of battery|aluminium,silicone,titanium|fitness,running,tracking|50-450|0',
    'Cameras|mirrorless camera,action camera,instant camera|compact,4k,stabilised,rugged|a flip screen,image stabilisation,weather sealing,a fast autofocus|magnesium,plastic,aluminium|photography,video,travel|80-1200|0',
  ] },
  Toys: { brands: ['Brickly', 'Playfox', 'Tinytown', 'Meeple & Co'], colours: true, leaves: [
    'Board games|board game,card game,jigsaw puzzle|strategic,cooperative,family,party|2-6 players,a 30-minute playtime,illustrated cards,wooden pieces|cardboard,wood,paper|family,strategy,party|10-60|0',
    'Building sets|building set,construction kit,marble run|creative,modular,educational,compatible|250 pieces,step-by-step instructions,motorised parts,a storage box|plastic,wood,metal|creative,stem,kids|15-150|0',
    'Plush|teddy bear,plush toy,cuddly bunny|soft,huggable,washable,classic|embroidered eyes,a satin ribbon,recycled filling,a gift box|plush,cotton,velvet|kids,baby,gifts|10-50|0',
  ] },
}

/** The smallest catalogue `generateCatalog` makes: one item per leaf category. */
export const MIN_CATALOG_ITEMS = Object.values(TREE).reduce((n, group) => n + group.leaves.length, 0)

/**
 * Goods bought together across categories: when a shopper puts an item of the key leaf in the cart, each
 * complement leaf follows with its chance (running shoes with socks and shorts, a tent with a mat). These
 * are the pairs "complete the look" has to find in the baskets.
 */
const COMPLEMENTS: Record<string, [string, number][]> = {
  'Shoes > Running': [['Apparel > Socks', 0.45], ['Apparel > Shorts', 0.35]],
  'Shoes > Trail': [['Apparel > Socks', 0.35], ['Outdoor > Backpacks', 0.2]],
  'Outdoor > Tents': [['Outdoor > Sleeping mats', 0.5], ['Outdoor > Sleeping bags', 0.3]],
  'Apparel > Dresses': [['Beauty > Fragrance', 0.2]],
  'Electronics > Cameras': [['Outdoor > Backpacks', 0.2]],
}

const COLOURS = ['black', 'white', 'navy', 'grey', 'red', 'green', 'blue', 'beige', 'olive', 'pink', 'orange', 'yellow']
const MODELS = ['Nova', 'Aero', 'Terra', 'Luma', 'Vento', 'Alto', 'Flux', 'Orbit', 'Pulse', 'Ridge', 'Summit', 'Echo', 'Drift', 'Arc', 'Zen', 'Ember']

/** A leaf category as the generator uses it. */
export interface SyntheticCategory {
  path: string
  top: string
  sensitive: boolean
  /** Days until a bought item runs out (consumables), else 0. */
  repeatDays: number
  brands: string[]
  priceRange: [number, number]
  /** Catalogue positions of the leaf's items. */
  items: number[]
  /** Leaves (by position) whose items are put in the cart next to this leaf's, with their chance. */
  complements: { leaf: number; chance: number }[]
}

/** An item with the latent facts the simulation needs next to what the API sees. */
export interface CatalogEntry {
  item: ItemInput
  leaf: number
  brand: string
  price: number
  title: string
  /** Position in the leaf's price range, 0 (cheapest) .. 1. */
  pricePosition: number
  /** Latent popularity (log-normal): popular items are viewed more by everybody. */
  popularity: number
}

export interface Catalog {
  leaves: SyntheticCategory[]
  entries: CatalogEntry[]
  /** Top-level paths with their sensitivity, ready for POST /v1/categories. */
  categories: { path: string; sensitive: boolean }[]
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const split = (s: string | undefined) => (s ?? '').split(',')

/** Builds `count` items (at least one per leaf); depends only on (seed, count). */
export function generateCatalog(seed: number, count: number, currency = 'EUR'): Catalog {
  const rng = rngFor(seed, 'catalog')
  const leaves: (SyntheticCategory & { words: string[][] })[] = []
  for (const [top, group] of Object.entries(TREE)) {
    for (const line of group.leaves) {
      const [name, nouns, adjectives, features, materials, tags, range, repeat] = line.split('|')
      const [lo, hi] = (range ?? '10-100').split('-').map(Number)
      leaves.push({
        path: `${top} > ${name}`, top, sensitive: group.sensitive === true, repeatDays: Number(repeat), brands: group.brands,
        priceRange: [lo ?? 10, hi ?? 100], items: [], complements: [], words: [split(nouns), split(adjectives), split(features), split(materials), split(tags)],
      })
    }
  }
  for (const leaf of leaves) {
    leaf.complements = (COMPLEMENTS[leaf.path] ?? []).map(([path, chance]) => ({ leaf: leaves.findIndex((l) => l.path === path), chance }))
  }
  if (count < MIN_CATALOG_ITEMS) throw new RangeError(`items must be at least ${MIN_CATALOG_ITEMS} (one per leaf category)`)
  // Leaves differ in size; every leaf gets one item first so every category can be shown and bought.
  const size = leaves.map(() => rng.gamma(5))
  const entries: CatalogEntry[] = []
  for (let i = 0; i < count; i++) {
    const l = i < leaves.length ? i : rng.weighted(size)
    const leaf = leaves[l]!
    const [nouns = [], adjectives = [], features = [], materials = [], tags = []] = leaf.words
    const id = `sku-${String(i + 1).padStart(4, '0')}`
    // Brands are Zipf-weighted within a group: a few big brands, a long tail.
    const brand = leaf.brands[rng.weighted(leaf.brands.map((_, k) => 1 / (k + 1)))]!
    const pos = Math.pow(rng.next(), 1.3) // more cheap items than premium ones
    const [lo, hi] = leaf.priceRange
    const price = Math.max(1, Math.round(lo * Math.pow(hi / lo, pos))) - 0.01
    const band = pos < 1 / 3 ? 'budget' : pos < 2 / 3 ? 'mid' : 'premium'
    const noun = rng.pick(nouns)
    const adjective = rng.pick(adjectives)
    const material = rng.pick(materials)
    const colour = TREE[leaf.top]!.colours ? rng.pick(COLOURS) : null
    const [f1, f2] = [rng.pick(features), rng.pick(features)]
    const tagSet = [...new Set([rng.pick(tags), rng.pick(tags), band])]
    const title = `${brand} ${rng.pick(MODELS)} ${cap(adjective)} ${noun.split(' ').map(cap).join(' ')}`
    const description = `${cap(adjective)} ${noun} from ${brand} with ${f1}${f2 === f1 ? '' : ` and ${f2}`}. ` +
      (colour ? `In ${colour} ${material}. ` : `Made with ${material}. `) + `Made for ${tagSet[0]}.`
    const available = !rng.chance(0.03)
    const item: ItemInput = {
      id, title, description, categories: [leaf.path], brand, price, currency,
      imageUrl: `/demo/img/${id}.svg`, url: `/demo/p/${id}`, tags: tagSet, available,
      inventory: available ? 5 + rng.int(196) : 0,
      attributes: { ...(colour ? { colour } : {}), material, priceBand: band },
    }
    leaf.items.push(i)
    entries.push({ item, leaf: l, brand, price, title, pricePosition: pos, popularity: Math.exp(0.9 * rng.normal()) })
  }
  const categories = Object.entries(TREE).map(([path, g]) => ({ path, sensitive: g.sensitive === true }))
  return { leaves: leaves.map(({ words: _words, ...leaf }) => leaf), entries, categories }
}
