/** hook-denylist: exactly the listed serials are rejected with 403; every other device provisions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runLibraryInProcess } from '../../helpers/library.js';
import type { RunEvent } from '../../../src/report/events.js';

test('hook-denylist: the rejected set equals the deny list exactly', { timeout: 60_000 }, async (t) => {
  const denied = ['003', '011', '027'];
  const before = process.env.FLEETSIM_DENY_SERIALS;
  process.env.FLEETSIM_DENY_SERIALS = denied.join(',');
  t.after(() => {
    if (before === undefined) delete process.env.FLEETSIM_DENY_SERIALS;
    else process.env.FLEETSIM_DENY_SERIALS = before;
  });
  const { report, runDir } = await runLibraryInProcess('hook-denylist', (doc) => {
    doc.fleet.devices = 30;
    doc.load.concurrency = 10;
  });
  const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RunEvent);
  const failed = new Map<string, string>();
  for (const e of events) {
    if (e.type !== 'progress') continue;
    for (const r of e.results) if (r.outcome.kind === 'failed') failed.set(String(r.index).padStart(3, '0'), r.outcome.reason);
  }
  assert.deepEqual([...failed.keys()].sort(), denied);
  for (const reason of failed.values()) assert.equal(reason, 'register_thing: rejected 403 AccessDenied');
  assert.equal(report.outcomes.provisioned, 30 - denied.length);
  assert.deepEqual(
    report.rejections.map((r) => [r.api, r.statusCode, r.errorCode, r.count]),
    [['RegisterThing', 403, 'AccessDenied', denied.length]],
  );
  assert.equal(report.analysis.apis.RegisterThing?.rejected['403 AccessDenied'], denied.length);
  for (const th of report.thresholds) assert.equal(th.ok, true, `${th.expression}: ${th.detail}`);
  assert.match(report.analysis.verdict, /^No API was throttled; 27 of 30 devices provisioned by t=\d+ s; 3 failed \(register_thing: rejected 403 AccessDenied\)/);
});
