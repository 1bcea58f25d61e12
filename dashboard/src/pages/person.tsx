// Placeholder until this page lands (issue 13): replace the whole file.
import { Page } from '../components/page.tsx'

export function PersonPage() {
  return (
    <Page title="Person" ready>
      <p>This page is being built.</p>
    </Page>
  )
}
