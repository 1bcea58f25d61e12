/**
 * Who is signed in. The app asks GET /v1/session once; without a session it shows the sign-in form, with a
 * generated password the password change, and otherwise the pages. `can(role)` hides controls a role may not
 * use (the server checks every call anyway: a hidden button is a courtesy, not the protection).
 */
import { useQueryClient } from '@tanstack/react-query'
import { createContext, type FormEvent, type ReactNode, useCallback, useContext, useEffect, useState } from 'react'
import type { SessionReply, StaffRole, StaffUser } from '../../src/server/api-types.ts'
import { ApiError, api, setCsrfToken, whenSignedOut } from './api.ts'
import { ErrorNote } from './components/states.tsx'
import { Button, TextField } from './components/form.tsx'

const RANK: Record<StaffRole, number> = { viewer: 1, editor: 2, admin: 3 }

export interface Session {
  user: StaffUser
  /** Whether the signed-in role includes `role` (admin ⊃ editor ⊃ viewer). */
  can(role: StaffRole): boolean
  signOut(): Promise<void>
}

const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession outside <SessionGate>')
  return session
}

type State = { phase: 'loading' } | { phase: 'signed-out'; notice?: string } | { phase: 'signed-in'; reply: SessionReply } | { phase: 'failed'; error: ApiError }

export function SessionGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ phase: 'loading' })
  const queries = useQueryClient()

  const accept = useCallback((reply: SessionReply) => {
    setCsrfToken(reply.csrfToken)
    setState({ phase: 'signed-in', reply })
  }, [])

  const load = useCallback(async () => {
    try {
      accept(await api.get<SessionReply>('/v1/session'))
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setState({ phase: 'signed-out' })
      else setState({ phase: 'failed', error: error as ApiError })
    }
  }, [accept])

  useEffect(() => {
    whenSignedOut(() => {
      queries.clear()
      setState({ phase: 'signed-out', notice: 'Your session ended. Sign in again.' })
    })
    void load()
  }, [load, queries])

  if (state.phase === 'loading') return <p className="boot">Loading…</p>
  if (state.phase === 'failed')
    return (
      <main className="gate">
        <h1>Attune</h1>
        <ErrorNote error={state.error} retry={load} />
      </main>
    )
  if (state.phase === 'signed-out') return <SignIn notice={state.notice} onSignedIn={accept} />
  if (state.reply.user.mustChangePassword) return <ChangePassword forced onChanged={accept} />

  const { user } = state.reply
  const session: Session = {
    user,
    can: (role) => RANK[user.role] >= RANK[role],
    signOut: async () => {
      await api.delete('/v1/session')
      queries.clear()
      setState({ phase: 'signed-out', notice: 'You are signed out.' })
    },
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
}

function SignIn({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn(reply: SessionReply): void }) {
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await api.post<SessionReply>('/v1/session', { email: String(form.get('email')), password: String(form.get('password')) }))
    } catch (failure) {
      setError(failure as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <main className="gate">
      <h1>Sign in to Attune</h1>
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={submit} className="stack" aria-label="Sign in">
        <TextField label="Email" name="email" type="email" autoComplete="username" required autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
        {error && <ErrorNote error={error} />}
        <Button type="submit" busy={busy}>
          Sign in
        </Button>
      </form>
      <p className="hint">
        The first start printed an admin email and a one-time password. Lost it? Run <code>npx attune users reset-password admin@localhost</code>.
      </p>
    </main>
  )
}

export function ChangePassword({ forced = false, onChanged }: { forced?: boolean; onChanged(reply: SessionReply): void }) {
  const [error, setError] = useState<ApiError | null>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const target = event.currentTarget
    const form = new FormData(target)
    const next = String(form.get('newPassword'))
    if (next !== String(form.get('confirmPassword'))) {
      setError(new ApiError(400, 'invalid_field', 'The two new passwords differ.', 'confirmPassword'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      onChanged(await api.put<SessionReply>('/v1/session/password', { currentPassword: String(form.get('currentPassword')), newPassword: next }))
      target.reset()
      setDone(true)
    } catch (failure) {
      setError(failure as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const body = (
    <form onSubmit={submit} className="stack" aria-label="Change password">
      <TextField label={forced ? 'One-time password' : 'Current password'} name="currentPassword" type="password" autoComplete="current-password" required />
      <TextField label="New password (at least 12 characters)" name="newPassword" type="password" autoComplete="new-password" minLength={12} required />
      <TextField label="New password again" name="confirmPassword" type="password" autoComplete="new-password" minLength={12} required />
      {error && <ErrorNote error={error} />}
      {done && <p role="status">Password changed. Your other sessions were signed out.</p>}
      <Button type="submit" busy={busy}>
        Change password
      </Button>
    </form>
  )
  if (!forced) return body
  return (
    <main className="gate">
      <h1>Choose your password</h1>
      <p>You signed in with a one-time password. Choose your own before you go on.</p>
      {body}
    </main>
  )
}
