// LiveSettings against a real SQLite store, with one read held back so it ends after a change: the node
// must keep the newer document, not bring the older one back.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../core/index.ts'
import { openStore, type SettingsDocument, type Store } from '../storage/index.ts'
import { LiveSettings } from './live-settings.ts'

test('a read that started before a change and ends after it does not undo the change', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-live-settings-'))
  const store = await openStore(`sqlite://${path.join(dir, 'attune.db')}`)
  try {
    await store.migrate()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let holdNext = true
    const real = store.settings
    const settings: Store['settings'] = {
      read: async (): Promise<SettingsDocument> => {
        const document = await real.read()
        if (holdNext) {
          holdNext = false
          await held
        }
        return document
      },
      write: (values, change) => real.write(values, change),
      revokeApiKey: (id, at) => real.revokeApiKey(id, at),
      recordKeyUses: (uses) => real.recordKeyUses(uses),
      keyUses: () => real.keyUses(),
    }
    const slowStore = Object.create(store, { settings: { value: settings } }) as Store
    const live = new LiveSettings(slowStore, loadConfig({ dataDir: dir }, {}))
    assert.equal(live.consentDefaults.personalization, true)

    const stale = live.refresh() // reads version 0, then waits
    await new Promise((resolve) => setTimeout(resolve, 20))
    const changed = await live.update({ consentDefaults: { personalization: false } }, { updatedBy: 'test' })
    assert.equal(changed.version, 1)
    release()
    await stale
    assert.equal(live.consentDefaults.personalization, false, 'the change stays in force')
    assert.equal(live.view().version, 1)
  } finally {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
