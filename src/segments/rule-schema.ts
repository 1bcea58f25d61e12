/**
 * TypeBox schemas of the rule language and trait definitions, for OpenAPI and the dashboard's types. The
 * checks that give field-naming messages are `checkSegmentRule` / `checkTraitDefinition`; a test keeps these
 * schemas accepting what the checks accept (docs/segments.md is the reference).
 */
import Type from 'typebox'
import { EVENT_KINDS } from '../core/index.ts'
import { PREDICTION_FIELDS, RFM_SEGMENT_NAMES, TRAIT_TYPES } from './rule-types.ts'

const strict = { additionalProperties: false } as const
const Text = (maxLength = 500) => Type.String({ minLength: 1, maxLength })
const OneOrMany = <T extends Parameters<typeof Type.Array>[0]>(t: T) => Type.Union([t, Type.Array(t, { minItems: 1, maxItems: 500 })])
const Scalar = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()])
const Duration = Type.String({ pattern: '^[0-9]{1,7}(m|h|d|w)$', description: 'A whole number of minutes (m), hours (h), days (d) or weeks (w), such as "14d"; at most 3650 days.' })
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}', description: 'ISO 8601 date or date-time ("2026-11-27", "2026-11-27T09:00:00Z").' })
const Key = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })

const ValueOps = {
  eq: Type.Optional(Scalar),
  neq: Type.Optional(Scalar),
  gt: Type.Optional(Type.Number()),
  gte: Type.Optional(Type.Number()),
  lt: Type.Optional(Type.Number()),
  lte: Type.Optional(Type.Number()),
  in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 500 })),
  contains: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()])),
  exists: Type.Optional(Type.Boolean()),
}
const NumberComparison = Type.Object(
  { eq: Type.Optional(Type.Number()), neq: Type.Optional(Type.Number()), gt: Type.Optional(Type.Number()), gte: Type.Optional(Type.Number()), lt: Type.Optional(Type.Number()), lte: Type.Optional(Type.Number()) },
  { ...strict, minProperties: 1 },
)
const PropertyCondition = Type.Object({ path: Text(200), ...ValueOps }, { ...strict, minProperties: 2 })
const Conditions = Type.Array(PropertyCondition, { minItems: 1, maxItems: 50 })

const ItemCondition = Type.Object(
  {
    id: Type.Optional(OneOrMany(Text())),
    category: Type.Optional(OneOrMany(Text())),
    brand: Type.Optional(OneOrMany(Text())),
    price: Type.Optional(NumberComparison),
    attributes: Type.Optional(Conditions),
  },
  { ...strict, minProperties: 1, description: 'A product line of the event names an item matching every field; category matches its descendants.' },
)
const MatchFields = {
  kind: Type.Optional(OneOrMany(Type.Enum(EVENT_KINDS))),
  name: Type.Optional(OneOrMany(Text(200))),
  where: Type.Optional(Conditions),
  item: Type.Optional(ItemCondition),
}
const WindowFields = { within: Type.Optional(Duration), from: Type.Optional(DateText), to: Type.Optional(DateText) }
const EventMatch = Type.Object(MatchFields, strict)
const DateCondition = Type.Object({ ...WindowFields, olderThan: Type.Optional(Duration) }, { ...strict, minProperties: 1 })

const ProfileCondition = Type.Object(
  {
    trait: Type.Optional(Type.Object({ name: Text(200), ...ValueOps }, { ...strict, minProperties: 2 })),
    consent: Type.Optional(Text(100)),
    orders: Type.Optional(NumberComparison),
    revenue: Type.Optional(NumberComparison),
    firstOrder: Type.Optional(DateCondition),
    lastOrder: Type.Optional(DateCondition),
    lastSeen: Type.Optional(DateCondition),
    rfm: Type.Optional(
      Type.Object(
        { code: Type.Optional(OneOrMany(Type.String({ pattern: '^[1-4]{3}$' }))), segment: Type.Optional(OneOrMany(Type.Enum(RFM_SEGMENT_NAMES))) },
        { ...strict, minProperties: 1 },
      ),
    ),
    topCategory: Type.Optional(Type.Object({ category: Text(), rank: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })) }, strict)),
  },
  { ...strict, minProperties: 1 },
)

const PredictionCondition = Type.Object(Object.fromEntries(PREDICTION_FIELDS.map((f) => [f, Type.Optional(NumberComparison)])), { ...strict, minProperties: 1 })

const one = (key: string, value: Parameters<typeof Type.Array>[0], description: string) => Type.Object({ [key]: value }, { ...strict, required: [key], description })

export const SegmentRuleSchema = Type.Cyclic(
  {
    SegmentRule: Type.Union([
      one('all', Type.Array(Type.Ref('SegmentRule'), { minItems: 1, maxItems: 50 }), 'Every rule holds.'),
      one('any', Type.Array(Type.Ref('SegmentRule'), { minItems: 1, maxItems: 50 }), 'At least one rule holds.'),
      one('not', Type.Ref('SegmentRule'), 'The rule does not hold.'),
      one('event', Type.Object({ ...MatchFields, ...WindowFields, count: Type.Optional(NumberComparison) }, strict), 'Matching events in the window, counted (default at least one).'),
      one(
        'abandonment',
        Type.Object({ did: EventMatch, thenNot: EventMatch, timeout: Duration, sameItem: Type.Optional(Type.Boolean()), ...WindowFields, count: Type.Optional(NumberComparison) }, strict),
        'Did X and then did not do Y within timeout.',
      ),
      one('profile', ProfileCondition, 'Profile facts.'),
      one('computed', Type.Object({ key: Key, ...ValueOps }, { ...strict, minProperties: 2 }), 'A computed trait value.'),
      one('prediction', PredictionCondition, "The CLV model's predictions."),
      one('segment', Type.Object({ key: Key }, strict), 'Member of another segment.'),
      one('during', Type.Object({ from: Type.Optional(DateText), to: Type.Optional(DateText) }, { ...strict, minProperties: 1 }), 'Now is within these dates.'),
    ]),
  },
  'SegmentRule',
  { description: 'A segment rule (docs/segments.md).' },
)

export const TraitDefinitionSchema = Type.Object(
  {
    type: Type.Enum(TRAIT_TYPES),
    event: EventMatch,
    property: Type.Optional(Text(200)),
    ...WindowFields,
  },
  { ...strict, description: 'A computed trait (docs/segments.md).' },
)
