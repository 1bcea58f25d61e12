/** A PostgreSQL database made for one test run (unique name), dropped afterwards. Test support only. */
import pg from 'pg'

export const TEST_POSTGRES_URL = process.env.ATTUNE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export async function testDatabase(purpose: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `attune_${purpose}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}
