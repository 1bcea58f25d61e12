/**
 * @module profiles
 * Per-person data derived from the event log. Today: activity counters kept by the workers.
 */
export { ActivityProjector, ACTIVITY_CONSUMER } from './activity-projector.ts'
