import { Link } from 'react-router'
import { Page } from '../components/page.tsx'

export function NotFound() {
  return (
    <Page title="Page not found" ready>
      <p>
        There is no dashboard page at this address. Go to the <Link to="/">overview</Link>, or pick a page from the navigation.
      </p>
    </Page>
  )
}
