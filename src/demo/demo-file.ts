/**
 * `<dataDir>/demo.json`: the demo's plaintext write key and when the demo was loaded. The store keeps
 * only key hashes, but the demo pages must print the key in their SDK tag. Write keys are public by
 * design (every instrumented page shows one), so keeping it in a file is no leak.
 */
import fs from 'node:fs'
import path from 'node:path'

export interface DemoFile {
  writeKey: string
  /** ISO time of the load. */
  loadedAt: string
  people: number
  items: number
  days: number
  /** User ids of a few shoppers with a history, to try signing in as (the login page lists them). */
  shoppers?: string[]
}

export function demoFilePath(dataDir: string): string {
  return path.join(dataDir, 'demo.json')
}

/** The demo's file, or null when no demo was loaded into this data dir (or the file is unreadable). */
export function readDemoFile(dataDir: string): DemoFile | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(demoFilePath(dataDir), 'utf8')) as Partial<DemoFile>
    return typeof parsed.writeKey === 'string' && parsed.writeKey !== '' ? (parsed as DemoFile) : null
  } catch {
    return null
  }
}

export function writeDemoFile(dataDir: string, demo: DemoFile): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  // Write then rename, so a server starting meanwhile never reads half a file.
  const file = demoFilePath(dataDir)
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(`${file}.tmp`, file)
}
