/**
 * launch-burst against the real emulator, checked against token-bucket arithmetic: a burst of
 * devices against RegisterThing {rate r, burst b} gets accepted ≈ b + r·τ (τ = time since the
 * first request), a plateau of r, and an onset as soon as demand exceeds what the bucket gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLibraryInProcess } from '../../helpers/library.js';

test('launch-burst: accepted follows b + r·t, the plateau is r, the onset comes with the excess demand', { timeout: 60_000 }, async () => {
  const r = 5;
  const b = 5;
  const devices = 60;
  const { report } = await runLibraryInProcess('launch-burst', (doc) => {
    doc.fleet.devices = devices;
    doc.load.maxInFlight = devices;
    doc.emulator.quotas.RegisterThing = { rate: r, burst: b };
    // retries at least every second, so that the waiting devices keep demand far above r
    doc.retry.baseDelay = '300ms';
    doc.retry.maxDelay = '1s';
    doc.retry.maxAttempts = 100;
    doc.expectations.acceptedRate = { api: 'RegisterThing', perSec: r, tolerance: '20%' };
    doc.expectations.provisionWithin = '2m';
  });
  assert.equal(report.outcomes.provisioned, devices, JSON.stringify(report.outcomes));
  const reg = report.analysis.apis.RegisterThing;
  assert.ok(reg !== undefined);
  const secs = reg.perSecond;
  const t0 = secs.find((s) => s.offered > 0)?.t ?? -1;
  assert.ok(t0 >= 0);

  // plateau: r within 20%
  assert.ok(reg.plateauPerSec !== null && Math.abs(reg.plateauPerSec - r) <= 0.2 * r, `plateau ${reg.plateauPerSec}`);

  // onset: no later than the first second in which the requests so far exceeded what the bucket
  // can have given (b + r per started second), and not before the first request
  let cumOffered = 0;
  let tExceed = Infinity;
  for (const s of secs) {
    cumOffered += s.offered;
    if (s.t >= t0 && cumOffered > b + r * (s.t + 1 - t0)) {
      tExceed = s.t;
      break;
    }
  }
  assert.ok(reg.onset !== undefined, 'throttled');
  // (+1: a 429 is counted when its reply arrives, which for a request sent at the end of a second
  // is the next second)
  assert.ok(reg.onset.tSec >= t0 && reg.onset.tSec <= tExceed + 1, `onset ${reg.onset.tSec}, first request ${t0}, demand exceeded the bucket at ${tExceed}`);

  // Cumulative accepted by the end of second t, while throttled. Upper bound: the bucket (full
  // before the first request) can grant at most b + r·(t+1-t0). Lower bound: from the onset on,
  // demand exceeds supply, so at least b + r·(t-onset) were granted. Tolerance: 2 requests
  // (token granularity, and replies that cross a second boundary).
  let cum = 0;
  const lastThrottled = reg.recovery?.lastThrottledSec ?? -1;
  let checked = 0;
  for (const s of secs) {
    cum += s.accepted;
    if (s.t < reg.onset.tSec || s.t >= lastThrottled) continue;
    assert.ok(cum <= b + r * (s.t + 1 - t0) + 2, `t=${s.t}: ${cum} accepted > b + r·(t+1-t0) = ${b + r * (s.t + 1 - t0)}`);
    assert.ok(cum >= b + r * (s.t - reg.onset.tSec) - 2, `t=${s.t}: ${cum} accepted < b + r·(t-onset) = ${b + r * (s.t - reg.onset.tSec)}`);
    checked++;
  }
  assert.ok(checked >= 5, `checked ${checked} throttled seconds`);

  // the emulator's own counts agree with what the devices saw
  const server = secs.reduce((a, s) => ({ accepted: a.accepted + (s.server?.accepted ?? 0), throttled: a.throttled + (s.server?.throttled ?? 0) }), { accepted: 0, throttled: 0 });
  assert.equal(server.accepted, reg.accepted);
  assert.equal(server.throttled, reg.throttled);

  // expectations and thresholds of the scenario
  for (const e of report.expectations) assert.equal(e.ok, true, `${e.name}: ${e.detail}`);
  for (const t of report.thresholds) assert.equal(t.ok, true, `${t.expression}: ${t.detail}`);
  assert.equal(report.analysis.outOfRetries, 0);
  assert.match(report.analysis.verdict, new RegExp(`^RegisterThing was throttled at [4-6]\\.\\d/s from t=${reg.onset.tSec} s; all ${devices} devices provisioned by t=\\d+ s with at most \\d+ attempts at RegisterThing; none lost`));
});
