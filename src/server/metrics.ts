/** Prometheus metrics for one app instance (its own registry, so tests can run several apps). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export class Metrics {
  readonly registry = new Registry()
  readonly httpRequests = new Counter({
    name: 'attune_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  })
  readonly httpDuration = new Histogram({
    name: 'attune_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })
  readonly events = new Counter({
    name: 'attune_events_total',
    help: 'Events received by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })
  readonly commitSize = new Histogram({
    name: 'attune_event_commit_events',
    help: 'Events per group commit',
    buckets: [1, 10, 100, 500, 1000, 5000, 20000],
    registers: [this.registry],
  })
  readonly commitDuration = new Histogram({
    name: 'attune_event_commit_duration_seconds',
    help: 'Duration of one group commit of the event log',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  })
  readonly pendingEvents: Gauge

  /** `identity`: the profile projector's running totals (this process's worker, when it runs one). */
  constructor(pending: () => number, identity?: () => Record<string, number>, answers?: () => { hits: number; misses: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'attune_' })
    this.pendingEvents = new Gauge({
      name: 'attune_event_writer_pending',
      help: 'Events accepted by a request and waiting for their group commit',
      registers: [this.registry],
      collect() {
        this.set(pending())
      },
    })
    const totals: [string, string, string][] = [
      ['attune_profile_events_applied_total', 'Events applied to identities and profiles by this process', 'events'],
      ['attune_identity_merges_total', 'People merged by the identity rules or the API', 'merges'],
      ['attune_identity_merges_refused_total', 'Events whose identifiers pointed at two people the rules keep apart', 'refusedMerges'],
      ['attune_identity_reassigned_total', 'Device or browser identifiers moved to a new user on a shared device', 'reassigned'],
      ['attune_identity_links_refused_total', 'New identifiers not linked because a person reached the limit for their type', 'refusedLinks'],
      ['attune_profiles_recomputed_total', 'Profiles recomputed from the log (merges, unmerges, gifts marked later)', 'recomputed'],
    ]
    // Counters read from their owners at scrape time: the projector's totals and the answer cache's.
    const read: [string, string, () => number][] = [
      ...totals.map(([name, help, key]): [string, string, () => number] => [name, help, () => identity?.()[key] ?? 0]),
      ['attune_recommendation_cache_hits_total', 'Non-personalized recommendation answers reused for an identical request', () => answers?.().hits ?? 0],
      ['attune_recommendation_cache_misses_total', 'Non-personalized recommendation answers computed (not found in the answer cache)', () => answers?.().misses ?? 0],
    ]
    for (const [name, help, value] of read) {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset()
          this.inc(value())
        },
      })
    }
  }
}
