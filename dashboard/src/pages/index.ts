/**
 * Every page of the dashboard: its path under /dashboard/, its title in the navigation, and its component.
 * A capability's page is one file here (or a folder for a big one) and one row below.
 */
import type { ComponentType } from 'react'
import { AccountPage } from './account.tsx'
import { CataloguePage } from './catalogue.tsx'
import { DataQualityPage } from './data-quality.tsx'
import { ItemPage } from './item.tsx'
import { LiveEventsPage } from './live-events.tsx'
import { ModelsPage } from './models.tsx'
import { OverviewPage } from './overview.tsx'
import { PeoplePage } from './people.tsx'
import { PersonPage } from './person.tsx'
import { RecommendationsPage } from './recommendations.tsx'
import { SegmentPage } from './segment.tsx'
import { EditSegmentPage, NewSegmentPage } from './segment-edit.tsx'
import { SegmentsPage } from './segments.tsx'
import { SettingsPage } from './settings.tsx'
import { NewTraitPage, TraitPage } from './trait.tsx'
import { TraitsPage } from './traits.tsx'

export interface PageEntry {
  path: string
  title: string
  /** Listed in the navigation (detail pages are reached from their list). */
  nav: boolean
  Component: ComponentType
}

export const PAGES: readonly PageEntry[] = [
  { path: '/', title: 'Overview', nav: true, Component: OverviewPage },
  { path: '/events', title: 'Live events', nav: true, Component: LiveEventsPage },
  { path: '/data-quality', title: 'Data quality', nav: true, Component: DataQualityPage },
  { path: '/people', title: 'People', nav: true, Component: PeoplePage },
  { path: '/people/:id', title: 'Person', nav: false, Component: PersonPage },
  { path: '/segments', title: 'Segments', nav: true, Component: SegmentsPage },
  { path: '/segments/new', title: 'New segment', nav: false, Component: NewSegmentPage },
  { path: '/segments/:id', title: 'Segment', nav: false, Component: SegmentPage },
  { path: '/segments/:id/edit', title: 'Change segment', nav: false, Component: EditSegmentPage },
  { path: '/traits', title: 'Computed traits', nav: false, Component: TraitsPage },
  { path: '/traits/new', title: 'New computed trait', nav: false, Component: NewTraitPage },
  { path: '/traits/:id', title: 'Computed trait', nav: false, Component: TraitPage },
  { path: '/catalogue', title: 'Catalogue', nav: true, Component: CataloguePage },
  { path: '/catalogue/:id', title: 'Item', nav: false, Component: ItemPage },
  { path: '/recommendations', title: 'Recommendations', nav: true, Component: RecommendationsPage },
  { path: '/models', title: 'Models', nav: true, Component: ModelsPage },
  { path: '/settings', title: 'Settings', nav: true, Component: SettingsPage },
  { path: '/account', title: 'Your account', nav: false, Component: AccountPage },
]
