/**
 * Staff accounts and their sessions, kept in the store so every API node accepts a session another node
 * issued. Sessions are stored by the SHA-256 digest of their token: the store never holds a usable cookie.
 */
import type { Kysely } from 'kysely'
import type { Database } from './tables.ts'

export type StaffRole = 'admin' | 'editor' | 'viewer'

export interface StaffUser {
  id: string
  /** Lower-cased; unique. */
  email: string
  role: StaffRole
  /** `scrypt$N$r$p$salt$hash` (see src/staff/passwords.ts). */
  passwordHash: string
  /** A generated password must be replaced at the first sign-in. */
  mustChangePassword: boolean
  createdAt: number
  updatedAt: number
}

export interface StaffSession {
  /** SHA-256 hex of the cookie's token. */
  tokenHash: string
  userId: string
  /** The synchronizer token every change must send back in `x-csrf-token`. */
  csrfToken: string
  createdAt: number
  /** Last request seen (written at most once a minute). */
  seenAt: number
  expiresAt: number
}

export interface StaffStore {
  insertUser(user: StaffUser): Promise<void>
  /** Changes role, password or the must-change flag; false when the user does not exist. */
  updateUser(id: string, change: Partial<Pick<StaffUser, 'role' | 'passwordHash' | 'mustChangePassword'>>, now: number): Promise<boolean>
  deleteUser(id: string): Promise<boolean>
  getUser(id: string): Promise<StaffUser | null>
  getUserByEmail(email: string): Promise<StaffUser | null>
  listUsers(): Promise<StaffUser[]>
  countUsers(): Promise<number>

  insertSession(session: StaffSession): Promise<void>
  getSession(tokenHash: string): Promise<StaffSession | null>
  touchSession(tokenHash: string, seenAt: number, expiresAt: number): Promise<void>
  deleteSession(tokenHash: string): Promise<void>
  /** Signs a user out everywhere (password change, removal, role change), except `keep`. */
  deleteSessionsOf(userId: string, keep?: string): Promise<void>
  /** Removes expired sessions; returns how many. */
  pruneSessions(now: number): Promise<number>
}

export interface StaffUsersTable {
  id: string
  email: string
  role: string
  password_hash: string
  must_change_password: number
  created_at: number
  updated_at: number
}

export interface StaffSessionsTable {
  token_hash: string
  user_id: string
  csrf_token: string
  created_at: number
  seen_at: number
  expires_at: number
}

const toUser = (r: StaffUsersTable): StaffUser => ({
  id: r.id,
  email: r.email,
  role: r.role as StaffRole,
  passwordHash: r.password_hash,
  mustChangePassword: Number(r.must_change_password) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
})

const toSession = (r: StaffSessionsTable): StaffSession => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  csrfToken: r.csrf_token,
  createdAt: Number(r.created_at),
  seenAt: Number(r.seen_at),
  expiresAt: Number(r.expires_at),
})

export class KyselyStaff implements StaffStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async insertUser(u: StaffUser): Promise<void> {
    await this.#db
      .insertInto('staff_users')
      .values({
        id: u.id,
        email: u.email,
        role: u.role,
        password_hash: u.passwordHash,
        must_change_password: u.mustChangePassword ? 1 : 0,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
      })
      .execute()
  }

  async updateUser(id: string, change: Partial<Pick<StaffUser, 'role' | 'passwordHash' | 'mustChangePassword'>>, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('staff_users')
      .set({
        updated_at: now,
        ...(change.role !== undefined && { role: change.role }),
        ...(change.passwordHash !== undefined && { password_hash: change.passwordHash }),
        ...(change.mustChangePassword !== undefined && { must_change_password: change.mustChangePassword ? 1 : 0 }),
      })
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('staff_sessions').where('user_id', '=', id).execute()
      const result = await trx.deleteFrom('staff_users').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async getUser(id: string): Promise<StaffUser | null> {
    const row = await this.#db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toUser(row) : null
  }

  async getUserByEmail(email: string): Promise<StaffUser | null> {
    const row = await this.#db.selectFrom('staff_users').selectAll().where('email', '=', email).executeTakeFirst()
    return row ? toUser(row) : null
  }

  async listUsers(): Promise<StaffUser[]> {
    return (await this.#db.selectFrom('staff_users').selectAll().orderBy('email').execute()).map(toUser)
  }

  async countUsers(): Promise<number> {
    const row = await this.#db.selectFrom('staff_users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async insertSession(s: StaffSession): Promise<void> {
    await this.#db
      .insertInto('staff_sessions')
      .values({ token_hash: s.tokenHash, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.createdAt, seen_at: s.seenAt, expires_at: s.expiresAt })
      .execute()
  }

  async getSession(tokenHash: string): Promise<StaffSession | null> {
    const row = await this.#db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
    return row ? toSession(row) : null
  }

  async touchSession(tokenHash: string, seenAt: number, expiresAt: number): Promise<void> {
    await this.#db.updateTable('staff_sessions').set({ seen_at: seenAt, expires_at: expiresAt }).where('token_hash', '=', tokenHash).execute()
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute()
  }

  async deleteSessionsOf(userId: string, keep?: string): Promise<void> {
    let query = this.#db.deleteFrom('staff_sessions').where('user_id', '=', userId)
    if (keep !== undefined) query = query.where('token_hash', '!=', keep)
    await query.execute()
  }

  async pruneSessions(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('staff_sessions').where('expires_at', '<=', now).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
