/** A PostgreSQL database per test run, for tests outside the storage module (which owns the helper). */
export { TEST_POSTGRES_URL, testDatabase } from '../../src/storage/postgres/test-database.ts'
