/**
 * Live events: the debugger. Incoming events as they arrive (polled every 2 s with `after`, pausable),
 * filtered by kind or by a user or anonymous id, each with its normalised kind and the person it was
 * stitched to; and, in the second tab, the events the engine refused with the error code and field.
 */
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import { api, query } from '../api.ts'
import { DataTable, LoadMore } from '../components/data-table.tsx'
import { Button, SelectField, TextField } from '../components/form.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, ErrorNote, Loading } from '../components/states.tsx'
import { formatInteger, formatTime } from '../format.ts'
import type { ErrorCode, EventKind, FeedEventView, RejectedEventView } from '../../../src/server/api-types.ts'

const POLL_MS = 2000
const KEEP_ROWS = 500
/** Rows whose person is still unknown are read again for this long (the workers stitch within moments). */
const RESTITCH_MS = 60_000

/** Every kind, with how it reads (a Record, so the compiler checks it against the server's list). */
const KIND_LABELS: Record<EventKind, string> = {
  product_viewed: 'Product viewed',
  product_clicked: 'Product clicked',
  product_added: 'Product added',
  product_removed: 'Product removed',
  product_list_viewed: 'Product list viewed',
  cart_viewed: 'Cart viewed',
  checkout_started: 'Checkout started',
  order_completed: 'Order completed',
  order_refunded: 'Order refunded',
  order_cancelled: 'Order cancelled',
  products_searched: 'Products searched',
  email_opened: 'Email opened',
  email_link_clicked: 'Email link clicked',
  promotion_viewed: 'Promotion viewed',
  promotion_clicked: 'Promotion clicked',
  product_rated: 'Product rated',
  page_viewed: 'Page viewed',
  screen_viewed: 'Screen viewed',
  identify: 'Identify',
  alias: 'Alias',
  group: 'Group',
  custom: 'Custom (not an e-commerce event)',
  preferences_updated: 'Preferences updated',
  consent_updated: 'Consent updated',
  identities_merged: 'Identities merged',
  identities_unmerged: 'Identities unmerged',
  audience_entered: 'Audience entered',
  audience_exited: 'Audience exited',
}
const KIND_OPTIONS = [{ value: '', label: 'All kinds' }, ...Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))]

/** The codes the tracking API refuses events with. */
const REJECT_CODES: readonly ErrorCode[] = ['missing_field', 'invalid_field', 'payload_too_large', 'unknown_call_type', 'invalid_json']
const CODE_OPTIONS = [{ value: '', label: 'All codes' }, ...REJECT_CODES.map((c) => ({ value: c, label: c }))]

interface Rows<T> {
  rows: T[]
  /** Cursor to older rows (from the first page), null at the end. */
  older: string | null
}

/**
 * A newest-first list that polls for newer rows with `after` while live. `key(row)` is its position
 * (seq or id); `pending(row)` says a row should be read again (its person is not known yet).
 */
function useLiveList<T>(path: string, filters: Record<string, string>, live: boolean, key: (row: T) => number, pending: (row: T) => boolean) {
  const [state, setState] = useState<Rows<T> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [checkedAt, setCheckedAt] = useState<number | null>(null)
  /** A poll found more new rows than it reads at once: some were not shown. */
  const [skipped, setSkipped] = useState(false)
  const rowsRef = useRef<T[]>([])
  const filterKey = JSON.stringify(filters)
  const generation = useRef(0)

  const load = useCallback(async () => {
    const mine = ++generation.current
    setError(null)
    try {
      const page = await api.get<{ data: T[]; nextCursor: string | null }>(`${path}${query({ limit: 50, ...filters })}`)
      if (mine !== generation.current) return
      rowsRef.current = page.data
      setSkipped(false)
      setState({ rows: page.data, older: page.nextCursor })
      setCheckedAt(Date.now())
    } catch (e) {
      if (mine === generation.current) setError(e)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, filterKey])

  useEffect(() => {
    setState(null)
    void load()
  }, [load])

  useEffect(() => {
    if (!live || state === null) return
    let stopped = false
    const timer = setInterval(async () => {
      const rows = rowsRef.current
      const newest = rows.length > 0 ? key(rows[0]!) : 0
      // Re-read from just before the oldest row still waiting for its person, so the answer fills it in.
      const waiting = rows.filter(pending)
      const after = waiting.length > 0 ? Math.min(newest, key(waiting.at(-1)!) - 1) : newest
      const mine = generation.current
      try {
        const page = await api.get<{ data: T[]; nextCursor: string | null }>(`${path}${query({ limit: 200, after, ...filters })}`)
        if (stopped || mine !== generation.current) return
        setCheckedAt(Date.now())
        if (page.nextCursor !== null) setSkipped(true)
        if (page.data.length === 0) return
        const byKey = new Map(page.data.map((r) => [key(r), r]))
        const merged = [...page.data.filter((r) => key(r) > newest), ...rowsRef.current.map((r) => byKey.get(key(r)) ?? r)].slice(0, KEEP_ROWS)
        rowsRef.current = merged
        setState((s) => (s ? { ...s, rows: merged } : s))
        setError(null)
      } catch (e) {
        if (!stopped) setError(e)
      }
    }, POLL_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [live, state === null, path, filterKey, key, pending])

  const loadOlder = async () => {
    if (!state?.older) return
    setLoadingOlder(true)
    try {
      const page = await api.get<{ data: T[]; nextCursor: string | null }>(`${path}${query({ limit: 50, cursor: state.older, ...filters })}`)
      rowsRef.current = [...rowsRef.current, ...page.data]
      setState({ rows: rowsRef.current, older: page.nextCursor })
    } catch (e) {
      setError(e)
    } finally {
      setLoadingOlder(false)
    }
  }
  return { state, error, reload: load, loadOlder, loadingOlder, checkedAt, skipped }
}

const eventKey = (e: FeedEventView) => e.seq
const eventPending = (e: FeedEventView) => e.personId === null && Date.now() - Date.parse(e.receivedAt ?? '') < RESTITCH_MS
const rejectedKey = (r: RejectedEventView) => r.id
const never = () => false

function Message({ summary, text, note }: { summary: string; text: string; note?: string }) {
  return (
    <details>
      <summary>{summary}</summary>
      {note && <p className="hint">{note}</p>}
      <pre>{text}</pre>
    </details>
  )
}

function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2)
  } catch {
    return raw
  }
}

function LiveStatus({ live, checkedAt, count, what }: { live: boolean; checkedAt: number | null; count: number; what: string }) {
  return (
    <p className="hint" role="status" aria-live="polite">
      {live ? `Live: checking for new ${what} every ${POLL_MS / 1000} s.` : `Paused: new ${what} are not fetched until you resume.`} Showing {formatInteger(count)}
      {checkedAt !== null && <> · last checked {formatTime(checkedAt)}</>}
    </p>
  )
}

function EventsTab({ live, onReady }: { live: boolean; onReady(): void }) {
  const [kind, setKind] = useState('')
  const [idText, setIdText] = useState('')
  const [id, setId] = useState('')
  const filters = { ...(kind && { kind }), ...(id && { id }) }
  const list = useLiveList<FeedEventView>('/v1/events', filters, live, eventKey, eventPending)
  useEffect(() => {
    if (list.state !== null || list.error !== null) onReady()
  }, [list.state, list.error, onReady])
  const rows = list.state?.rows ?? []
  return (
    <>
      <form
        className="row"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault()
          setId(idText.trim())
        }}
      >
        <SelectField label="Kind" value={kind} onChange={(e) => setKind(e.target.value)} options={KIND_OPTIONS} />
        <TextField label="User or anonymous id" value={idText} onChange={(e) => setIdText(e.target.value)} maxLength={255} placeholder="e.g. user-00002" />
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        {(id || kind) && (
          <Button
            variant="secondary"
            onClick={() => {
              setKind('')
              setId('')
              setIdText('')
            }}
          >
            Clear filters
          </Button>
        )}
      </form>
      <LiveStatus live={live} checkedAt={list.checkedAt} count={rows.length} what="events" />
      {list.skipped && <p className="hint">Events arrived faster than this page shows them (more than 200 in 2 seconds): some are not listed. Filter by kind or id to follow fewer.</p>}
      {list.error !== null && <ErrorNote error={list.error} retry={() => void list.reload()} />}
      {list.state === null ? (
        list.error === null && <Loading what="events" />
      ) : (
        <DataTable
          caption="Incoming events, newest first"
          rows={rows}
          rowKey={(e) => String(e.seq)}
          empty={
            <Empty title={id || kind ? 'No events match these filters.' : 'No events yet.'}>
              {id || kind ? 'Clear the filters, or check the id (it must be the exact userId or anonymousId).' : 'Send events to /v1/track or /v1/batch with the write key (or open the demo shop); they appear here within seconds.'}
            </Empty>
          }
          columns={[
            { header: 'Received', cell: (e) => <time dateTime={e.receivedAt ?? undefined}>{formatTime(e.receivedAt)}</time> },
            { header: 'Call', cell: (e) => (e.event ? `${e.type}: ${e.event}` : e.type) },
            { header: 'Kind', cell: (e) => <span className={`badge ${e.kind === 'custom' ? 'muted' : 'ok'}`}>{KIND_LABELS[e.kind as EventKind] ?? e.kind}</span> },
            {
              header: 'Ids',
              cell: (e) => (
                <>
                  {e.userId !== null && <div>user: <code>{e.userId}</code></div>}
                  {e.anonymousId !== null && <div>anonymous: <code>{e.anonymousId}</code></div>}
                </>
              ),
            },
            { header: 'Item', cell: (e) => (e.itemId === null ? '—' : <Link to={`/catalogue/${encodeURIComponent(e.itemId)}`}>{e.itemId}</Link>) },
            {
              header: 'Stitched to',
              cell: (e) =>
                e.personId === null ? (
                  <span className="badge muted">not processed yet</span>
                ) : (
                  <Link to={`/people/${encodeURIComponent(e.personId)}`} aria-label={`Person ${e.personId}`}>
                    {e.personId}
                  </Link>
                ),
            },
            { header: 'Message', cell: (e) => <Message summary="Show message" text={JSON.stringify(e.message, null, 2)} /> },
          ]}
        />
      )}
      <LoadMore label="Load older" hasMore={list.state?.older != null} loading={list.loadingOlder} onMore={() => void list.loadOlder()} />
    </>
  )
}

function RejectedTab({ live, onReady }: { live: boolean; onReady(): void }) {
  const [code, setCode] = useState('')
  const list = useLiveList<RejectedEventView>('/v1/events/rejected', code ? { code } : {}, live, rejectedKey, never)
  useEffect(() => {
    if (list.state !== null || list.error !== null) onReady()
  }, [list.state, list.error, onReady])
  const rows = list.state?.rows ?? []
  return (
    <>
      <div className="row">
        <SelectField label="Error code" value={code} onChange={(e) => setCode(e.target.value)} options={CODE_OPTIONS} />
      </div>
      <p className="hint">Kept for 7 days (at most 10,000). Requests without a valid key are refused before they are read and are not listed.</p>
      <LiveStatus live={live} checkedAt={list.checkedAt} count={rows.length} what="rejected events" />
      {list.error !== null && <ErrorNote error={list.error} retry={() => void list.reload()} />}
      {list.state === null ? (
        list.error === null && <Loading what="rejected events" />
      ) : (
        <DataTable
          caption="Rejected events, newest first"
          rows={rows}
          rowKey={(r) => String(r.id)}
          empty={<Empty title={code ? `No events rejected with ${code}.` : 'No rejected events.'}>Every event sent with a valid key passed the checks{code ? ' for this code' : ''}.</Empty>}
          columns={[
            { header: 'Received', cell: (r) => <time dateTime={r.receivedAt ?? undefined}>{formatTime(r.receivedAt)}</time> },
            { header: 'Error', cell: (r) => <span className="badge bad">{r.code}</span> },
            { header: 'Field', cell: (r) => (r.field ? <code>{r.field}</code> : '—') },
            { header: 'Reason', cell: (r) => r.message },
            { header: 'Call', cell: (r) => `${r.endpoint}${r.index !== null ? ` #${r.index}` : ''}${r.type && r.endpoint === 'batch' ? ` (${r.type})` : ''}` },
            { header: 'Key', cell: (r) => (r.keyId ? <code>{r.keyId}</code> : '—') },
            {
              header: 'Message as sent',
              cell: (r) => <Message summary="Show message" text={pretty(r.raw)} note={r.truncated ? 'Cut at 4,096 characters: the rest was not kept.' : undefined} />,
            },
          ]}
        />
      )}
      <LoadMore label="Load older" hasMore={list.state?.older != null} loading={list.loadingOlder} onMore={() => void list.loadOlder()} />
    </>
  )
}

const TABS = [
  { id: 'events', label: 'Incoming events' },
  { id: 'rejected', label: 'Rejected events' },
] as const
type TabId = (typeof TABS)[number]['id']

function Tabs({ value, onChange, panels }: { value: TabId; onChange(tab: TabId): void; panels: Record<TabId, ReactNode> }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({})
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === value)
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1
    if (next < 0) return
    e.preventDefault()
    onChange(TABS[next]!.id)
    refs.current[TABS[next]!.id]?.focus()
  }
  return (
    <>
      <div className="tabs" role="tablist" aria-label="What to show" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={value === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={value === t.id ? 0 : -1}
            onClick={() => onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {TABS.map((t) => (
        <div key={t.id} role="tabpanel" id={`panel-${t.id}`} aria-labelledby={`tab-${t.id}`} hidden={value !== t.id}>
          {value === t.id && panels[t.id]}
        </div>
      ))}
    </>
  )
}

export function LiveEventsPage() {
  const [live, setLive] = useState(true)
  const [tab, setTab] = useState<TabId>('events')
  // Ready once the first list answered: its table (or empty state, or error) is on the page.
  const [ready, setReady] = useState(false)
  const onReady = useCallback(() => setReady(true), [])
  return (
    <Page
      title="Live events"
      ready={ready}
      actions={
        <Button variant="secondary" aria-pressed={!live} onClick={() => setLive(!live)}>
          {live ? 'Pause' : 'Resume'}
        </Button>
      }
    >
      <Section title="Events as they arrive">
        <p className="hint">Each event with the kind the engine normalised it to and the person it was stitched to. Open a person to see their whole profile.</p>
        <Tabs value={tab} onChange={setTab} panels={{ events: <EventsTab live={live} onReady={onReady} />, rejected: <RejectedTab live={live} onReady={onReady} /> }} />
      </Section>
    </Page>
  )
}
