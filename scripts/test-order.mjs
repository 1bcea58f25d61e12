// The order scripts/run-tests.mjs starts test files in: longest first, so that the workers finish at about
// the same time (a long file started last would run alone at the end). Durations are those of the last
// run on this machine (.tmp/test-durations.json, not committed); a file never timed goes first, ordered by
// a guess from its kind and size, since it may well be long.
import fs from 'node:fs'

/** A guess in no particular unit, only to order files that were never timed. */
export function guess(file, bytes) {
  const kind = /(^|\/)browser-|\.integration\.test\.ts$/.test(file) ? 4 : file.includes('e2e/') ? 2 : 1
  return kind * bytes
}

/** `files` ordered for a run: untimed ones first (largest guess first), then by last duration, longest first. */
export function orderFiles(files, durations, sizeOf) {
  const untimed = files.filter((f) => !(durations[f] > 0))
  const timed = files.filter((f) => durations[f] > 0)
  untimed.sort((a, b) => guess(b, sizeOf(b)) - guess(a, sizeOf(a)) || (a < b ? -1 : 1))
  timed.sort((a, b) => durations[b] - durations[a] || (a < b ? -1 : 1))
  return [...untimed, ...timed]
}

export function readDurations(file) {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
    return parsed && typeof parsed === 'object' ? parsed : {}
  } catch {
    return {}
  }
}
