// Placeholder until this page lands (issue 13): replace the whole file.
import { Page } from '../components/page.tsx'

export function CataloguePage() {
  return (
    <Page title="Catalogue" ready>
      <p>This page is being built.</p>
    </Page>
  )
}
