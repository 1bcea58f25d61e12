/**
 * Settings (admins only): API keys (create, shown once with a copy button; revoke), staff users (add, change
 * the role, reset the password, remove), consent defaults (editable), and the configuration in force (read
 * only, secrets masked by the server). Editors and viewers see why there is nothing for them here.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react'
import type { ApiKeyList, ConfigReply, CreatedApiKey, SettingsReply, StaffRole, StaffUser } from '../../../src/server/api-types.ts'
import { ApiError, api } from '../api.ts'
import { type Column, DataTable } from '../components/data-table.tsx'
import { Button, ConfirmButton, SelectField, TextField } from '../components/form.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, ErrorNote, QueryView } from '../components/states.tsx'
import { formatAgo, formatTime } from '../format.ts'
import { useSession } from '../session.tsx'

type KeyRow = ApiKeyList['data'][number]
/** What POST /v1/staff/users and PATCH …/{id} answer (src/server/routes/staff-users.ts). */
type StaffReply = { user: StaffUser; password: string | null }

const ROLES: readonly { value: StaffRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer (reads everything)' },
  { value: 'editor', label: 'Editor (also changes people, catalogue, models)' },
  { value: 'admin', label: 'Admin (also keys, staff and settings)' },
]

export function SettingsPage() {
  const { can, user } = useSession()
  if (!can('admin'))
    return (
      <Page title="Settings" ready>
        <Empty title="Settings are for admins only">
          <p>
            API keys, staff accounts, consent defaults and the engine's configuration can be seen and changed by admins. You are signed in as{' '}
            <strong>{user.email}</strong> with the role <strong>{user.role}</strong>: ask an admin if you need a change here.
          </p>
        </Empty>
      </Page>
    )
  return <AdminSettings />
}

function AdminSettings() {
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => api.get<ApiKeyList>('/v1/keys') })
  const staff = useQuery({ queryKey: ['staff-users'], queryFn: () => api.get<{ data: StaffUser[] }>('/v1/staff/users') })
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.get<SettingsReply>('/v1/settings') })
  const config = useQuery({ queryKey: ['config'], queryFn: () => api.get<ConfigReply>('/v1/config') })
  const ready = [keys, staff, settings, config].every((q) => q.data !== undefined || q.isError)
  return (
    <Page title="Settings" ready={ready}>
      <Section title="API keys">
        <QueryView query={keys} what="API keys">
          {(data) => <KeysTable rows={data.data} />}
        </QueryView>
        <CreateKey />
      </Section>
      <Section title="Staff users">
        <QueryView query={staff} what="staff users">
          {(data) => <StaffTable rows={data.data} />}
        </QueryView>
        <AddStaff />
      </Section>
      <Section title="Consent defaults">
        <QueryView query={settings} what="settings">
          {(data) => <ConsentDefaults settings={data} />}
        </QueryView>
      </Section>
      <Section title="Configuration">
        <QueryView query={config} what="the configuration">
          {(data) => <ConfigTable config={data} />}
        </QueryView>
      </Section>
    </Page>
  )
}

/** A secret shown once, with a copy button (and, where the browser refuses the clipboard, selected text to copy by hand). */
function OneTimeSecret({ title, secret, children, onDone }: { title: string; secret: string; children?: ReactNode; onDone(): void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'by-hand'>('no')
  const field = useRef<HTMLInputElement>(null)
  const id = useId()
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('yes')
    } catch {
      field.current?.select()
      setCopied('by-hand')
    }
  }
  return (
    <div className="one-time" role="region" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`}>
        <strong>{title}</strong>
      </p>
      {children}
      <div className="row">
        <div className="field one-time-value">
          <label htmlFor={id}>Shown only now: copy it and store it somewhere safe</label>
          <input id={id} ref={field} readOnly value={secret} onFocus={(e) => e.currentTarget.select()} spellCheck={false} autoComplete="off" />
        </div>
        <Button variant="secondary" onClick={() => void copy()}>
          Copy
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Done
        </Button>
      </div>
      <p role="status" className="hint">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'by-hand' ? 'The browser did not allow copying: the text is selected, press Ctrl+C (⌘C on a Mac).' : ''}
      </p>
    </div>
  )
}

function KeysTable({ rows }: { rows: readonly KeyRow[] }) {
  const queries = useQueryClient()
  const [error, setError] = useState<unknown>(null)
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/v1/keys/${encodeURIComponent(id)}`),
    onMutate: () => setError(null),
    onError: setError,
    onSettled: () => queries.invalidateQueries({ queryKey: ['keys'] }),
  })
  const activeSecrets = rows.filter((k) => k.kind === 'secret' && k.active).length
  const columns: Column<KeyRow>[] = [
    { header: 'Name', cell: (k) => k.name },
    { header: 'Kind', cell: (k) => (k.kind === 'secret' ? 'Secret (server side)' : 'Write (browsers, apps)') },
    { header: 'Created', cell: (k) => formatTime(k.createdAt) },
    { header: 'Last used', cell: (k) => (k.lastUsedAt ? <span title={formatTime(k.lastUsedAt)}>{formatAgo(k.lastUsedAt)}</span> : 'Never') },
    {
      header: 'Status',
      cell: (k) => (k.active ? <span className="badge ok">Active</span> : <span className="badge muted">Revoked {formatTime(k.revokedAt)}</span>),
    },
    {
      header: 'Actions',
      cell: (k) =>
        !k.active ? null : k.kind === 'secret' && activeSecrets === 1 ? (
          <span className="hint">The last secret key: create another before revoking this one.</span>
        ) : (
          <ConfirmButton confirmLabel={`Revoke “${k.name}”`} onConfirm={() => revoke.mutate(k.id)} busy={revoke.isPending && revoke.variables === k.id}>
            Revoke<span className="visually-hidden"> “{k.name}”</span>
          </ConfirmButton>
        ),
    },
  ]
  return (
    <>
      <p className="hint">
        Revoked keys stop working at once on this server and within 10 seconds on the others. Keys are stored only as digests: a lost key is replaced, not shown again.
      </p>
      {error !== null && <ErrorNote error={error} />}
      <DataTable caption="API keys" columns={columns} rows={rows} rowKey={(k) => k.id} empty={<p>No keys yet: create one below.</p>} />
    </>
  )
}

function CreateKey() {
  const queries = useQueryClient()
  const [name, setName] = useState('')
  const [kind, setKind] = useState<'write' | 'secret'>('write')
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const create = useMutation({
    mutationFn: () => api.post<CreatedApiKey>('/v1/keys', { kind, name }),
    onSuccess: (reply) => {
      setCreated(reply)
      setName('')
      void queries.invalidateQueries({ queryKey: ['keys'] })
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate()
  }
  return (
    <>
      {created && (
        <OneTimeSecret title={`New ${created.apiKey.kind} key “${created.apiKey.name}”`} secret={created.key} onDone={() => setCreated(null)}>
          <p className="hint">
            {created.apiKey.kind === 'write'
              ? 'Put it in your shop pages (the browser SDK) or apps: it may send events and ask for recommendations.'
              : 'Keep it on your servers only: it may do everything.'}
          </p>
        </OneTimeSecret>
      )}
      <form className="row" onSubmit={submit} aria-label="Create an API key">
        <TextField label="New key's name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. storefront" />
        <SelectField
          label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'write' | 'secret')}
          options={[
            { value: 'write', label: 'Write key (public)' },
            { value: 'secret', label: 'Secret key (server side)' },
          ]}
        />
        <Button type="submit" busy={create.isPending}>
          Create key
        </Button>
      </form>
      {create.isError && <ErrorNote error={create.error} />}
    </>
  )
}

function StaffTable({ rows }: { rows: readonly StaffUser[] }) {
  const { user: me } = useSession()
  const queries = useQueryClient()
  const [error, setError] = useState<unknown>(null)
  const [reset, setReset] = useState<StaffReply | null>(null)
  const refresh = () => queries.invalidateQueries({ queryKey: ['staff-users'] })
  const change = useMutation({
    mutationFn: (input: { id: string; role?: StaffRole; resetPassword?: boolean }) =>
      api.patch<StaffReply>(`/v1/staff/users/${encodeURIComponent(input.id)}`, { ...(input.role && { role: input.role }), ...(input.resetPassword && { resetPassword: true }) }),
    onMutate: () => setError(null),
    onSuccess: (reply) => {
      if (reply.password) setReset(reply)
    },
    onError: setError,
    onSettled: refresh,
  })
  const remove = useMutation({
    mutationFn: (id: string) => api.delete(`/v1/staff/users/${encodeURIComponent(id)}`),
    onMutate: () => setError(null),
    onError: setError,
    onSettled: refresh,
  })
  const columns: Column<StaffUser>[] = [
    { header: 'Email', cell: (u) => (u.id === me.id ? `${u.email} (you)` : u.email) },
    {
      header: 'Role',
      cell: (u) => (
        <div className="cell-field">
          <SelectField
            label={`Role of ${u.email}`}
            value={u.role}
            disabled={change.isPending}
            onChange={(e) => change.mutate({ id: u.id, role: e.target.value as StaffRole })}
            options={ROLES.map((r) => ({ value: r.value, label: r.value }))}
          />
        </div>
      ),
    },
    { header: 'Password', cell: (u) => (u.mustChangePassword ? 'One-time (not changed yet)' : 'Set by them') },
    { header: 'Added', cell: (u) => formatTime(u.createdAt) },
    {
      header: 'Actions',
      cell: (u) => (
        <div className="row">
          <ConfirmButton confirmLabel={`Reset the password of ${u.email}`} onConfirm={() => change.mutate({ id: u.id, resetPassword: true })}>
            Reset password<span className="visually-hidden"> of {u.email}</span>
          </ConfirmButton>
          {u.id !== me.id && (
            <ConfirmButton confirmLabel={`Remove ${u.email}`} onConfirm={() => remove.mutate(u.id)} busy={remove.isPending && remove.variables === u.id}>
              Remove<span className="visually-hidden"> {u.email}</span>
            </ConfirmButton>
          )}
        </div>
      ),
    },
  ]
  return (
    <>
      <p className="hint">A role change, a password reset or a removal signs that person out everywhere. There is always at least one admin.</p>
      {error !== null && <ErrorNote error={error} />}
      {reset?.password && (
        <OneTimeSecret title={`New one-time password for ${reset.user.email}`} secret={reset.password} onDone={() => setReset(null)}>
          <p className="hint">Give it to them: they choose their own at the next sign-in.</p>
        </OneTimeSecret>
      )}
      <DataTable caption="Staff users" columns={columns} rows={rows} rowKey={(u) => u.id} />
    </>
  )
}

function AddStaff() {
  const queries = useQueryClient()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<StaffRole>('viewer')
  const [added, setAdded] = useState<StaffReply | null>(null)
  const add = useMutation({
    mutationFn: () => api.post<StaffReply>('/v1/staff/users', { email, role }),
    onSuccess: (reply) => {
      setAdded(reply)
      setEmail('')
      void queries.invalidateQueries({ queryKey: ['staff-users'] })
    },
  })
  return (
    <>
      {added?.password && (
        <OneTimeSecret title={`Added ${added.user.email} as ${added.user.role}`} secret={added.password} onDone={() => setAdded(null)}>
          <p className="hint">Their one-time password: they sign in with it and choose their own.</p>
        </OneTimeSecret>
      )}
      <form
        className="row"
        aria-label="Add a staff user"
        onSubmit={(event) => {
          event.preventDefault()
          add.mutate()
        }}
      >
        <TextField label="New user's email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={254} autoComplete="off" />
        <SelectField label="Their role" value={role} onChange={(e) => setRole(e.target.value as StaffRole)} options={ROLES} />
        <Button type="submit" busy={add.isPending}>
          Add user
        </Button>
      </form>
      {add.isError && <ErrorNote error={add.error} />}
    </>
  )
}

const PURPOSES: Record<string, string> = {
  personalization: 'Personal recommendations, content and inferred tastes',
  email: 'Email marketing',
  advertising: 'Advertising',
  sensitive: 'Sensitive categories (health and the like)',
}

function ConsentDefaults({ settings }: { settings: SettingsReply }) {
  const queries = useQueryClient()
  const [draft, setDraft] = useState<Record<string, boolean>>({ ...settings.consentDefaults })
  // Saved here or elsewhere (a reload after a conflict): the form starts again from what is in force.
  const [version, setVersion] = useState(settings.version)
  if (version !== settings.version) {
    setVersion(settings.version)
    setDraft({ ...settings.consentDefaults })
  }
  const [newPurpose, setNewPurpose] = useState('')
  const save = useMutation({
    mutationFn: (consentDefaults: Record<string, boolean>) => api.put<SettingsReply>('/v1/settings', { consentDefaults, version: settings.version }),
    onSuccess: (reply) => queries.setQueryData(['settings'], reply),
  })
  const changed = JSON.stringify(draft) !== JSON.stringify(settings.consentDefaults)
  // The engine's own purposes first, in the order of PURPOSES, then the shop's own by name.
  const known = Object.keys(PURPOSES)
  const rank = (p: string) => (known.includes(p) ? known.indexOf(p) : known.length)
  const purposes = Object.keys(draft).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const addPurpose = () => {
    const name = newPurpose.trim().toLowerCase()
    if (!/^[a-z][a-z0-9_]{0,49}$/.test(name) || name in draft) return
    setDraft({ ...draft, [name]: false })
    setNewPurpose('')
  }
  const validNew = /^[a-z][a-z0-9_]{0,49}$/.test(newPurpose.trim().toLowerCase()) && !(newPurpose.trim().toLowerCase() in draft)
  return (
    <form
      className="stack wide"
      aria-label="Consent defaults"
      onSubmit={(event) => {
        event.preventDefault()
        save.mutate(draft)
      }}
    >
      <p className="hint">
        What the engine assumes for a person who never said yes or no to a purpose. A change counts at once for recommendations and content, and for profiles from
        the next event on (what was not learnt while a purpose was denied is not learnt later).
      </p>
      <p>
        {settings.updatedAt
          ? `Last changed by ${settings.updatedBy ?? 'someone'} at ${formatTime(settings.updatedAt)}.`
          : 'Never changed here: these are the configured defaults (ATTUNE_CONSENT_DEFAULTS).'}
      </p>
      <table>
        <caption className="visually-hidden">Consent defaults per purpose</caption>
        <thead>
          <tr>
            <th scope="col">Purpose</th>
            <th scope="col">Default</th>
            <th scope="col">Configured</th>
          </tr>
        </thead>
        <tbody>
          {purposes.map((purpose) => (
            <tr key={purpose}>
              <th scope="row">
                <code>{purpose}</code>
                {PURPOSES[purpose] && <div className="hint">{PURPOSES[purpose]}</div>}
              </th>
              <td>
                {purpose === 'sensitive' ? (
                  <span>Denied: each person must consent themselves</span>
                ) : (
                  <div className="cell-field">
                    <SelectField
                      label={`Default for ${purpose}`}
                      value={draft[purpose] ? 'granted' : 'denied'}
                      onChange={(e) => setDraft({ ...draft, [purpose]: e.target.value === 'granted' })}
                      options={[
                        { value: 'granted', label: 'Granted' },
                        { value: 'denied', label: 'Denied' },
                      ]}
                    />
                  </div>
                )}
              </td>
              <td>{purpose in settings.configuredConsentDefaults ? (settings.configuredConsentDefaults[purpose] ? 'Granted' : 'Denied') : 'Not configured (denied)'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <TextField
          label="Add a purpose of your own"
          value={newPurpose}
          onChange={(e) => setNewPurpose(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              addPurpose()
            }
          }}
          hint="Lower-case letters, digits and _, as your consent events name it; it starts denied."
          maxLength={50}
        />
        <Button variant="secondary" onClick={addPurpose} disabled={!validNew}>
          Add purpose
        </Button>
      </div>
      <div className="row">
        <Button type="submit" busy={save.isPending} disabled={!changed}>
          Save consent defaults
        </Button>
        <Button variant="secondary" onClick={() => setDraft({ ...settings.consentDefaults })} disabled={!changed}>
          Discard changes
        </Button>
        {settings.storedConsentDefaults !== null && Object.keys(settings.storedConsentDefaults).length > 0 && (
          <ConfirmButton confirmLabel="Go back to the configured defaults" onConfirm={() => save.mutate({})} busy={save.isPending}>
            Use the configured defaults
          </ConfirmButton>
        )}
      </div>
      <p role="status" className="hint">
        {save.isSuccess && !changed ? 'Saved. Other servers follow within 10 seconds.' : changed ? 'Unsaved changes.' : ''}
      </p>
      {save.isError && (
        <ErrorNote
          error={save.error}
          retry={
            save.error instanceof ApiError && save.error.status === 409
              ? () => {
                  save.reset()
                  void queries.invalidateQueries({ queryKey: ['settings'] })
                }
              : undefined
          }
        />
      )}
    </form>
  )
}

function ConfigTable({ config }: { config: ConfigReply }) {
  type Entry = ConfigReply['entries'][number]
  const show = (e: Entry) => {
    if (e.value === null) return <span className="hint">not set</span>
    const text = typeof e.value === 'string' ? e.value : JSON.stringify(e.value)
    return (
      <>
        <code>{text}</code>
        {e.masked && <span className="badge muted">secret hidden</span>}
      </>
    )
  }
  const columns: Column<Entry>[] = [
    { header: 'Setting', cell: (e) => <code>{e.name}</code> },
    { header: 'Environment variable', cell: (e) => (e.env ? <code>{e.env}</code> : <span className="hint">fixed</span>) },
    {
      header: 'Value in force',
      cell: (e) => (
        <>
          {show(e)}
          {e.overriddenBy === 'settings' && <div className="hint">Overridden by the consent defaults above.</div>}
        </>
      ),
    },
  ]
  return (
    <>
      <p className="hint">
        Read only: set these in the engine's environment and restart it (see docs/config.md). Keys, passwords and the credentials in URLs are never shown.
      </p>
      <DataTable caption="Configuration" columns={columns} rows={config.entries} rowKey={(e) => e.name} />
    </>
  )
}
