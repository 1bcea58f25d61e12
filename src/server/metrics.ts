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

  constructor(pending: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'attune_' })
    this.pendingEvents = new Gauge({
      name: 'attune_event_writer_pending',
      help: 'Events accepted by a request and waiting for their group commit',
      registers: [this.registry],
      collect() {
        this.set(pending())
      },
    })
  }
}
