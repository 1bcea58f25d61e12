/** Monthly partitions of the events table by event time (UTC), named events_pYYYYMM. */
export interface MonthPartition {
  name: string
  /** Inclusive lower bound, ms since the epoch. */
  from: number
  /** Exclusive upper bound, ms since the epoch. */
  to: number
}

export function monthPartitions(timestamps: Iterable<number>): MonthPartition[] {
  const byName = new Map<string, MonthPartition>()
  for (const ts of timestamps) {
    const d = new Date(ts)
    const year = d.getUTCFullYear()
    const month = d.getUTCMonth()
    const name = `events_p${String(year).padStart(4, '0')}${String(month + 1).padStart(2, '0')}`
    if (byName.has(name)) continue
    byName.set(name, { name, from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1) })
  }
  return [...byName.values()]
}
