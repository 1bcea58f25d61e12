/** `attune import` end to end: the real command in a child process, then the store it wrote. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { openStore } from '../storage/index.ts'
import type { ImportSummary } from './import-summary.ts'

const bin = fileURLToPath(new URL('../../bin/attune.mjs', import.meta.url))

describe('attune import (CLI)', () => {
  let dir: string
  const attune = (...args: string[]) => {
    const env = { ...process.env, ATTUNE_DATA_DIR: path.join(dir, 'data'), ATTUNE_DATABASE_URL: '' }
    return spawnSync(process.execPath, [bin, 'import', ...args], { env, encoding: 'utf8', timeout: 60_000 })
  }
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-import-cli-'))
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('imports order lines, prints a JSON summary, and the store holds the orders', async () => {
    const file = path.join(dir, 'lines.csv')
    fs.writeFileSync(
      file,
      [
        'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
        '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
        '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom',
        '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom',
        'C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527,United Kingdom',
        '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,not a date,1.69,13047,United Kingdom',
      ].join('\n'),
    )
    const run = attune('orders', file, '--preset', 'online-retail', '--json')
    assert.equal(run.status, 0, run.stderr)
    const summary = JSON.parse(run.stdout) as ImportSummary
    assert.equal(summary.command, 'orders')
    assert.equal(summary.preset, 'online-retail')
    assert.equal(summary.rowsRead, 5)
    assert.equal(summary.eventsStored, 2)
    assert.equal(summary.duplicatesSkipped, 0)
    assert.equal(summary.rowsSkipped, 1)
    assert.equal(summary.rowsRejected, 1)
    assert.deepEqual(summary.problems.map((p) => [p.line, p.field]), [[6, 'InvoiceDate']])
    assert.equal(summary.itemsCreated, 3)
    assert.ok(summary.elapsedSeconds >= 0 && summary.rowsPerSecond >= 0)

    const store = await openStore(`sqlite://${path.join(dir, 'data', 'attune.db')}`)
    try {
      const [order, refund] = await store.getEventsByMessageId(['import:order:536365', 'import:refund:C536379'])
      assert.equal(order?.userId, '17850')
      assert.equal(order?.data.revenue, 35.64)
      assert.equal(order?.data.currency, 'GBP')
      assert.equal(order?.timestamp, Date.parse('2010-12-01T08:26:00Z'))
      assert.deepEqual(order?.message.context, { location: { country: 'United Kingdom' } })
      assert.equal(refund?.kind, 'order_refunded')
      assert.equal((await store.getItem('71053'))?.title, 'WHITE METAL LANTERN')
      assert.equal(await store.countEvents(), 2)
    } finally {
      await store.close()
    }

    const again = JSON.parse(attune('orders', file, '--preset', 'online-retail', '--json').stdout) as ImportSummary
    assert.equal(again.eventsStored, 0)
    assert.equal(again.duplicatesSkipped, 2)
  })

  it('exits 2 naming the file or option when the command line is wrong', () => {
    const missing = attune('events', path.join(dir, 'nope.csv'))
    assert.equal(missing.status, 2)
    assert.match(missing.stderr, /cannot read .*nope\.csv/)

    const file = path.join(dir, 'r.csv')
    fs.writeFileSync(file, 'a,b\n1,2\n')
    const badMap = attune('events', file, '--map', 'who=a')
    assert.equal(badMap.status, 2)
    assert.match(badMap.stderr, /--map: unknown field "who"/)

    const noRating = attune('events', file, '--no-progress')
    assert.equal(noRating.status, 2)
    assert.match(noRating.stderr, /no column "value" for ratings.*--event-type/)

    const noColumn = attune('events', file, '--event-type', 'view')
    assert.equal(noColumn.status, 2)
    assert.match(noColumn.stderr, /no column "person".*--map person=COLUMN/)

    const badChoice = attune('events', file, '--event-type', 'like')
    assert.equal(badChoice.status, 2)
    assert.match(badChoice.stderr, /--event-type/)
  })
})
