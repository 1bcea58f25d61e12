// Placeholder until this page lands (issue 13): replace the whole file.
import { Page } from '../components/page.tsx'

export function RecommendationsPage() {
  return (
    <Page title="Recommendations" ready>
      <p>This page is being built.</p>
    </Page>
  )
}
