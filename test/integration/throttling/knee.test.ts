/** throttle-knee against the real emulator: the knee search finds the configured quota. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLibraryInProcess } from '../../helpers/library.js';

test('throttle-knee: the sustainable RegisterThing rate is within 20% of the quota; the rest is dropped as knee_found', { timeout: 60_000 }, async () => {
  const q = 6;
  const { report } = await runLibraryInProcess('throttle-knee', (doc) => {
    doc.fleet.devices = 200;
    doc.load.start = 2;
    doc.load.increment = 2;
    doc.load.stepDuration = '3s';
    doc.load.maxRate = 14;
    doc.load.stopWhen.p99 = '10s'; // a loaded test machine must not stop the search on latency
    doc.emulator.quotas.RegisterThing = { rate: q, burst: 3 };
  });
  const knee = report.analysis.knee;
  assert.ok(knee !== undefined, 'a knee analysis');
  assert.equal(report.status, 'completed');
  assert.equal(report.statusReason, 'knee_found');
  assert.ok(knee.stoppedAt !== undefined, knee.summary);
  assert.ok(
    knee.stoppedAt.reasons.some((x) => x.startsWith('RegisterThing 429 share')),
    knee.stoppedAt.reasons.join('; '),
  );
  assert.ok(knee.stoppedAt.ratePerSec >= q, `stopped at ${knee.stoppedAt.ratePerSec}/s, below the quota`);
  const reg = knee.apis.RegisterThing;
  assert.equal(reg?.bound, 'throttled');
  assert.ok(reg !== undefined && Math.abs(reg.sustainablePerSec - q) <= 0.2 * q, `sustainable ${reg?.sustainablePerSec}/s vs quota ${q}/s`);
  // the evidence: one row per step up to the one that stopped the search
  assert.equal(knee.steps.length, knee.stoppedAt.step);
  assert.deepEqual(
    knee.steps.map((s) => s.ratePerSec),
    [2, 4, 6, 8, 10, 12, 14].slice(0, knee.steps.length),
  );
  for (const s of knee.steps.slice(0, -1)) assert.equal(s.passed, true);
  // the devices the search never needed are dropped as knee_found, and the outcomes add up
  assert.ok((report.outcomes.dropped.knee_found ?? 0) > 0, JSON.stringify(report.outcomes));
  assert.equal(report.outcomes.total, 200);
  assert.equal(report.outcomes.dropped.interrupted, undefined);
  assert.match(report.analysis.verdict, /^(Knee at \d+\/s offered \(step \d\); stopped at|No sustainable rate)/);
  assert.match(report.analysis.verdict, /RegisterThing sustains \d+(\.\d)?\/s/);
});
