// Placeholder until this page lands (issue 13): replace the whole file.
import { Page } from '../components/page.tsx'

export function ItemPage() {
  return (
    <Page title="Item" ready>
      <p>This page is being built.</p>
    </Page>
  )
}
