// Placeholder until this page lands (issue 13): replace the whole file.
import { Page } from '../components/page.tsx'

export function DataQualityPage() {
  return (
    <Page title="Data quality" ready>
      <p>This page is being built.</p>
    </Page>
  )
}
