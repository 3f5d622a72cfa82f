/** The knee search under flow.claim trusted-user finds a configured CreateProvisioningClaim quota (the control plane's, not an MQTT API's). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLibraryInProcess } from '../../helpers/library.js';

test('throttle-knee with trusted-user apps: CreateProvisioningClaim sustains its quota and stops the search', { timeout: 90_000 }, async () => {
  const q = 6;
  const { report } = await runLibraryInProcess('throttle-knee', (doc) => {
    doc.fleet.devices = 200;
    doc.flow.claim = 'trusted-user';
    doc.load.start = 2;
    doc.load.increment = 2;
    doc.load.stepDuration = '3s';
    doc.load.maxRate = 14;
    doc.load.stopWhen.p99 = '10s'; // a loaded test machine must not stop the search on latency
    doc.emulator.quotas = { CreateProvisioningClaim: { rate: q, burst: 3 } };
  });
  const knee = report.analysis.knee;
  assert.ok(knee !== undefined, 'a knee analysis');
  assert.equal(report.statusReason, 'knee_found');
  assert.ok(knee.stoppedAt !== undefined, knee.summary);
  assert.ok(
    knee.stoppedAt.reasons.some((x) => x.startsWith('CreateProvisioningClaim')),
    knee.stoppedAt.reasons.join('; '),
  );
  const claim = knee.apis.CreateProvisioningClaim;
  assert.equal(claim?.bound, 'throttled');
  assert.ok(claim !== undefined && Math.abs(claim.sustainablePerSec - q) <= 0.2 * q, `sustainable ${claim?.sustainablePerSec}/s vs quota ${q}/s`);
  // RegisterThing had no quota: it was never the bound
  assert.notEqual(knee.apis.RegisterThing?.bound, 'throttled');
  assert.equal(report.outcomes.total, 200);
  assert.match(report.analysis.verdict, /CreateProvisioningClaim sustains \d+(\.\d)?\/s/);
});
