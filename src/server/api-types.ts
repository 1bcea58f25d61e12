/**
 * The API's request and response types for the dashboard, which imports them type-only from here
 * (one source of types: the routes' TypeBox schemas). One line per route file.
 */
export type * from './routes/overview-report.ts'
export type * from './routes/reports.ts'
