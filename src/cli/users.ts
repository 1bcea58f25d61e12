/** `attune users`: dashboard staff accounts (add, list, remove, set a role, reset a password). */
import { loadConfig } from '../core/index.ts'
import { StaffService } from '../staff/index.ts'
import { openStore } from '../storage/index.ts'

async function withStaff<T>(fn: (staff: StaffService) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
  try {
    await store.migrate()
    return await fn(new StaffService(store.staff))
  } finally {
    await store.close()
  }
}

export async function addUser(email: string, options: { role: string; password?: string }): Promise<void> {
  await withStaff(async (staff) => {
    // A password on the command line lands in shell history: prefer the generated one, or ATTUNE_NEW_PASSWORD.
    const password = options.password ?? process.env.ATTUNE_NEW_PASSWORD
    const { user, password: generated } = await staff.add({ email, role: options.role, ...(password !== undefined && { password }) })
    process.stderr.write(`added ${user.role} ${user.email} (${user.id})\n`)
    if (generated) {
      process.stdout.write(`${generated}\n`)
      process.stderr.write('the password above is shown only now; it must be changed at the first sign-in\n')
    }
  })
}

export async function listUsers(): Promise<void> {
  await withStaff(async (staff) => {
    for (const u of await staff.list()) {
      process.stdout.write(`${u.id}  ${u.role.padEnd(6)}  ${u.email}${u.mustChangePassword ? '  (must change password)' : ''}  (created ${u.createdAt})\n`)
    }
  })
}

export async function removeUser(idOrEmail: string): Promise<void> {
  await withStaff(async (staff) => {
    const user = await staff.remove(idOrEmail)
    process.stderr.write(`removed ${user.email}; their sessions are ended\n`)
  })
}

export async function setUserRole(idOrEmail: string, role: string): Promise<void> {
  await withStaff(async (staff) => {
    const user = await staff.setRole(idOrEmail, role)
    process.stderr.write(`${user.email} is now ${user.role}\n`)
  })
}

export async function resetUserPassword(idOrEmail: string): Promise<void> {
  await withStaff(async (staff) => {
    const { user, password } = await staff.resetPassword(idOrEmail)
    process.stdout.write(`${password}\n`)
    process.stderr.write(`new password for ${user.email}, shown only now; it must be changed at the next sign-in, and their sessions are ended\n`)
  })
}
