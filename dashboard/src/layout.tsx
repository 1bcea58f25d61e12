/** The frame around every page: a skip link, the navigation, who is signed in, and sign-out. */
import { type ReactNode, useEffect, useRef } from 'react'
import { NavLink, useLocation } from 'react-router'
import { PAGES } from './pages/index.ts'
import { useSession } from './session.tsx'

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession()
  const location = useLocation()
  const main = useRef<HTMLElement>(null)
  // After navigating, move focus to the new page's heading so keyboard and screen-reader users land on it.
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus()
  }, [location.pathname])
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Dashboard">
        <div className="brand">Attune</div>
        <ul>
          {PAGES.filter((p) => p.nav).map((p) => (
            <li key={p.path}>
              <NavLink to={p.path} end={p.path === '/'}>
                {p.title}
              </NavLink>
            </li>
          ))}
        </ul>
        <div className="who">
          <div>
            Signed in as <strong>{user.email}</strong>
          </div>
          <div>Role: {user.role}</div>
          <NavLink to="/account">Your account</NavLink>
          <button type="button" className="button secondary small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}
