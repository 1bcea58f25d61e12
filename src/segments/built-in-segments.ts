/**
 * Segments shipped with the engine (seeded at start, editable, restorable): PyMC-Marketing's five named RFM
 * segments, new customers, recent buyers and high predicted lifetime value.
 */
import type { SegmentRule } from './rule-types.ts'

export interface BuiltInSegment {
  key: string
  name: string
  description: string
  definition: SegmentRule
}

const rfm = (key: string, name: string, segment: 'Premium Customer' | 'Repeat Customer' | 'Top Spender' | 'At Risk Customer' | 'Inactive Customer', description: string): BuiltInSegment => ({
  key,
  name,
  description: `${description} PyMC-Marketing's "${segment}" quartile RFM segment.`,
  definition: { profile: { rfm: { segment } } },
})

export const BUILT_IN_SEGMENTS: readonly BuiltInSegment[] = [
  rfm('rfm_premium', 'Premium customers', 'Premium Customer', 'In the top two quartiles for recency, frequency and spend.'),
  rfm('rfm_repeat', 'Repeat customers', 'Repeat Customer', 'Buy often, and either recently or for a lot.'),
  rfm('rfm_top_spender', 'Top spenders', 'Top Spender', 'Spend the most per order, and either buy often or recently.'),
  rfm('rfm_at_risk', 'At-risk customers', 'At Risk Customer', 'In the bottom two quartiles for two or more of recency, frequency and spend.'),
  rfm('rfm_inactive', 'Inactive customers', 'Inactive Customer', 'In the bottom quartile for two or more of recency, frequency and spend.'),
  {
    key: 'new_customers',
    name: 'New customers',
    description: 'Placed their first order in the last 30 days.',
    definition: { profile: { firstOrder: { within: '30d' } } },
  },
  {
    key: 'bought_last_30_days',
    name: 'Bought in the last 30 days',
    description: 'Placed an order in the last 30 days; people leave 30 days after their last order.',
    definition: { profile: { lastOrder: { within: '30d' } } },
  },
  {
    key: 'high_clv',
    name: 'High CLV (top 20 %)',
    description: "In the top 20 % of buyers by predicted 12-month value (the last training run's CLV model; historical value when data is too thin to fit it).",
    definition: { prediction: { percentile: { gte: 0.8 } } },
  },
]
