/**
 * Staff accounts, sign-in and sessions for the dashboard. Roles nest: a viewer reads, an editor also
 * changes what marketers steer (people, catalogue marks, models, later segments, flows, content and
 * experiments), an admin also manages keys, staff and settings. There is always at least one admin.
 */
import { createHash, randomBytes } from 'node:crypto'
import { AttuneError, newId } from '../core/index.ts'
import type { StaffRole, StaffSession, StaffStore, StaffUser } from '../storage/index.ts'
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.ts'

export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'editor', 'viewer']
const RANK: Record<StaffRole, number> = { viewer: 1, editor: 2, admin: 3 }

/** Whether `role` may do what `needed` may. */
export function roleAllows(role: StaffRole, needed: StaffRole): boolean {
  return RANK[role] >= RANK[needed]
}

/** What the API shows of a staff user (never the password hash). */
export interface StaffUserView {
  id: string
  email: string
  role: StaffRole
  mustChangePassword: boolean
  createdAt: string
  updatedAt: string
}

export function staffUserView(u: StaffUser): StaffUserView {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    mustChangePassword: u.mustChangePassword,
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
  }
}

export interface SignedIn {
  user: StaffUser
  session: StaffSession
}

export interface SessionLimits {
  /** Signed out after this long without a request. */
  idleMs: number
  /** Signed out this long after signing in, however active. */
  maxMs: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 12 * 3600_000, maxMs: 7 * 24 * 3600_000 }
/** A session's last-seen time is written at most this often (not on every request). */
const TOUCH_MS = 60_000

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}$/

export function normaliseEmail(email: unknown, field = 'email'): string {
  if (typeof email !== 'string' || email.trim() === '') throw new AttuneError('missing_field', 'an email address is required', field)
  const value = email.trim().toLowerCase()
  if (!EMAIL.test(value)) throw new AttuneError('invalid_field', 'must be an email address like name@example.com', field)
  return value
}

export function checkRole(role: unknown, field = 'role'): StaffRole {
  if (typeof role !== 'string' || !STAFF_ROLES.includes(role as StaffRole)) throw new AttuneError('invalid_field', `must be one of ${STAFF_ROLES.join(', ')}`, field)
  return role as StaffRole
}

function checkNewPassword(password: unknown, field: string): string {
  if (typeof password !== 'string') throw new AttuneError('missing_field', 'a password is required', field)
  const problem = passwordProblem(password)
  if (problem) throw new AttuneError('invalid_field', `the password ${problem}`, field)
  return password
}

export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex')

export class StaffService {
  readonly #staff: StaffStore
  readonly #limits: SessionLimits
  /** Compared against when the email is unknown, so a wrong email costs as long as a wrong password. */
  #decoy: Promise<string> | null = null

  constructor(staff: StaffStore, limits: SessionLimits = DEFAULT_SESSION_LIMITS) {
    this.#staff = staff
    this.#limits = limits
  }

  /** Creates a user; without a password one is generated (returned once) and must be changed at first sign-in. */
  async add(input: { email: unknown; role: unknown; password?: unknown }, now = Date.now()): Promise<{ user: StaffUserView; password: string | null }> {
    const email = normaliseEmail(input.email)
    const role = checkRole(input.role)
    const generated = input.password === undefined ? generatePassword() : null
    const password = generated ?? checkNewPassword(input.password, 'password')
    if (await this.#staff.getUserByEmail(email)) throw new AttuneError('conflict', `a staff user with the email ${email} exists`, 'email')
    const user: StaffUser = { id: newId(), email, role, passwordHash: await hashPassword(password), mustChangePassword: generated !== null, createdAt: now, updatedAt: now }
    await this.#staff.insertUser(user)
    return { user: staffUserView(user), password: generated }
  }

  async list(): Promise<StaffUserView[]> {
    return (await this.#staff.listUsers()).map(staffUserView)
  }

  /** A user by id or email, or a 404 naming `field`. */
  async find(idOrEmail: string, field = 'id'): Promise<StaffUser> {
    const user = (await this.#staff.getUser(idOrEmail)) ?? (idOrEmail.includes('@') ? await this.#staff.getUserByEmail(idOrEmail.trim().toLowerCase()) : null)
    if (!user) throw new AttuneError('not_found', `no staff user ${JSON.stringify(idOrEmail)}`, field)
    return user
  }

  async remove(idOrEmail: string): Promise<StaffUserView> {
    const user = await this.find(idOrEmail)
    if (user.role === 'admin') await this.#keepOneAdmin(user.id, 'remove')
    await this.#staff.deleteUser(user.id)
    return staffUserView(user)
  }

  async setRole(idOrEmail: string, role: unknown, now = Date.now()): Promise<StaffUserView> {
    const user = await this.find(idOrEmail)
    const next = checkRole(role)
    if (user.role === 'admin' && next !== 'admin') await this.#keepOneAdmin(user.id, 'demote')
    await this.#staff.updateUser(user.id, { role: next }, now)
    return staffUserView({ ...user, role: next, updatedAt: now })
  }

  /** An admin sets a new password for someone (who must change it at next sign-in); signs them out everywhere. */
  async resetPassword(idOrEmail: string, now = Date.now()): Promise<{ user: StaffUserView; password: string }> {
    const user = await this.find(idOrEmail)
    const password = generatePassword()
    await this.#staff.updateUser(user.id, { passwordHash: await hashPassword(password), mustChangePassword: true }, now)
    await this.#staff.deleteSessionsOf(user.id)
    return { user: staffUserView({ ...user, mustChangePassword: true, updatedAt: now }), password }
  }

  /** The signed-in user replaces their password; their other sessions end. */
  async changePassword(signedIn: SignedIn, current: unknown, next: unknown, now = Date.now()): Promise<StaffUserView> {
    if (typeof current !== 'string' || !(await verifyPassword(current, signedIn.user.passwordHash))) {
      throw new AttuneError('invalid_credentials', 'the current password is not right', 'currentPassword')
    }
    const password = checkNewPassword(next, 'newPassword')
    if (password === current) throw new AttuneError('invalid_field', 'the new password must differ from the current one', 'newPassword')
    await this.#staff.updateUser(signedIn.user.id, { passwordHash: await hashPassword(password), mustChangePassword: false }, now)
    await this.#staff.deleteSessionsOf(signedIn.user.id, signedIn.session.tokenHash)
    return staffUserView({ ...signedIn.user, mustChangePassword: false, updatedAt: now })
  }

  /** Checks the password and opens a session; the token (the cookie's value) is returned only here. */
  async signIn(emailInput: unknown, password: unknown, now = Date.now()): Promise<SignedIn & { token: string }> {
    const email = typeof emailInput === 'string' ? emailInput.trim().toLowerCase() : ''
    const user = email === '' ? null : await this.#staff.getUserByEmail(email)
    const given = typeof password === 'string' && password.length <= 1024 ? password : ''
    this.#decoy ??= hashPassword(generatePassword())
    const valid = await verifyPassword(given, user?.passwordHash ?? (await this.#decoy))
    // One answer for an unknown email and a wrong password: the reply does not tell which emails exist.
    if (!user || !valid) throw new AttuneError('invalid_credentials', 'the email or password is not right')
    const token = randomBytes(32).toString('base64url')
    const session: StaffSession = {
      tokenHash: tokenDigest(token),
      userId: user.id,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      seenAt: now,
      expiresAt: Math.min(now + this.#limits.idleMs, now + this.#limits.maxMs),
    }
    await this.#staff.insertSession(session)
    if (Math.random() < 0.05) void this.#staff.pruneSessions(now).catch(() => {})
    return { user, session, token }
  }

  /** The user and session of a cookie token, or null when it is unknown, expired or its user is gone. */
  async resolve(token: string, now = Date.now()): Promise<SignedIn | null> {
    if (token.length === 0 || token.length > 100) return null
    const session = await this.#staff.getSession(tokenDigest(token))
    if (!session || session.expiresAt <= now) return null
    const user = await this.#staff.getUser(session.userId)
    if (!user) return null
    if (now - session.seenAt >= TOUCH_MS) {
      const expiresAt = Math.min(now + this.#limits.idleMs, session.createdAt + this.#limits.maxMs)
      await this.#staff.touchSession(session.tokenHash, now, expiresAt)
      return { user, session: { ...session, seenAt: now, expiresAt } }
    }
    return { user, session }
  }

  async signOut(token: string): Promise<void> {
    await this.#staff.deleteSession(tokenDigest(token))
  }

  /**
   * At the first start (no staff at all) creates the admin: `ATTUNE_ADMIN_EMAIL` (default admin@localhost)
   * with `ATTUNE_ADMIN_PASSWORD`, or a generated password that is returned to be shown once and must be
   * changed at the first sign-in. Later starts change nothing.
   */
  async ensureAdmin(email: string | undefined, password: string | undefined): Promise<{ email: string; password: string | null } | null> {
    if ((await this.#staff.countUsers()) > 0) return null
    try {
      const created = await this.add({ email: email ?? 'admin@localhost', role: 'admin', ...(password !== undefined && { password }) })
      return { email: created.user.email, password: created.password }
    } catch (error) {
      // Another node created it at the same moment.
      if (error instanceof AttuneError && error.code === 'conflict') return null
      if (error instanceof AttuneError) throw new AttuneError(error.code, `ATTUNE_ADMIN_${error.field === 'email' ? 'EMAIL' : 'PASSWORD'}: ${error.message}`)
      throw error
    }
  }

  async #keepOneAdmin(userId: string, action: string): Promise<void> {
    const admins = (await this.#staff.listUsers()).filter((u) => u.role === 'admin' && u.id !== userId)
    if (admins.length === 0) throw new AttuneError('conflict', `cannot ${action} the last admin: make another admin first`)
  }
}
