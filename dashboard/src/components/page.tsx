/**
 * A page's frame: its title (also the document title) and `data-ready="true"` once its first data is shown,
 * which the browser tests and the bench wait for.
 */
import { type ReactNode, useEffect } from 'react'

export function Page({ title, ready, actions, children }: { title: string; ready: boolean; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Attune`
  }, [title])
  return (
    <section className="page" data-ready={ready ? 'true' : 'false'} aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions && <div className="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  )
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-header">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  )
}

/** One headline figure, e.g. "Orders 1,204". */
export function Stat({ label, value, detail }: { label: string; value: ReactNode; detail?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {detail && <div className="stat-detail">{detail}</div>}
    </div>
  )
}

export function Stats({ children }: { children: ReactNode }) {
  return <div className="stats">{children}</div>
}
