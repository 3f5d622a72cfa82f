/**
 * The scenario library, each run through the CLI in a shortened form (fewer devices, shorter
 * stages, smaller quotas). launch-burst, throttle-knee and hook-denylist are checked in depth in
 * test/integration/throttling/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/emulator.js';
import { runLibraryScenario, type LibraryRun } from '../helpers/library.js';
import { loadScenario, loadTemplates } from '../../src/index.js';

function assertAllPassed(r: LibraryRun): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.report.outcomes.total, r.report.devices);
  for (const t of r.report.thresholds) assert.equal(t.ok, true, `${t.expression}: ${t.detail}`);
  for (const e of r.report.expectations) assert.equal(e.ok, true, `${e.name}: ${e.detail}`);
  assert.ok(r.stdout.includes(`Verdict  ${r.report.analysis.verdict}`), 'the console prints the verdict');
}

test('every library scenario validates, templates and hooks included', async () => {
  const names = readdirSync(path.join(REPO_ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml') && f !== 'aws-example.yaml');
  for (const f of ['launch-burst', 'launch-ramp', 'reconnect-storm', 'throttle-knee', 'hook-denylist', 'csr-rsa', 'cbor', 'flaky-network', 'nightly-capacity']) {
    assert.ok(names.includes(`${f}.yaml`), `scenarios/${f}.yaml exists`);
  }
  for (const f of names) {
    const loaded = await loadScenario(path.join(REPO_ROOT, 'scenarios', f), {});
    assert.ok(loadTemplates(loaded).length > 0, f);
  }
});

test('quickstart (20 devices)', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('quickstart', (d) => {
    d.fleet.devices = 20;
    d.load.concurrency = 10;
  });
  assertAllPassed(r);
  assert.equal(r.report.outcomes.provisioned, 20);
  assert.match(r.report.analysis.verdict, /^No API was throttled; all 20 devices provisioned by t=\d+ s; none lost/);
});

test('launch-ramp: throttling starts once the arrival rate passes the quota', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('launch-ramp', (d) => {
    d.fleet.devices = 40;
    d.load.stages = [{ from: 1, rate: 15, duration: '5s' }];
    d.emulator.quotas.RegisterThing = { rate: 5, burst: 5 };
    d.retry.baseDelay = '300ms';
    d.retry.maxDelay = '1s';
    d.retry.maxAttempts = 100;
    d.expectations.acceptedRate = { api: 'RegisterThing', perSec: 5, tolerance: '20%' };
    d.expectations.provisionWithin = '2m';
  });
  assertAllPassed(r);
  const reg = r.report.analysis.apis.RegisterThing;
  assert.ok(reg?.onset !== undefined);
  // the ramp reaches 5/s at t≈1.3 s; before that nothing can be throttled
  assert.ok(reg.onset.tSec >= 1, `onset at ${reg.onset.tSec}`);
  assert.ok(reg.onset.offeredPerSec >= 5, `offered ${reg.onset.offeredPerSec}/s at the onset`);
  assert.match(r.stdout, /Throttling per API/);
  assert.match(r.stdout, /RegisterThing +\d+ +40 +\d+ +0 +[4-6]\.\d/);
});

test('reconnect-storm: the fleet reconnects at once and the connect quota throttles it', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('reconnect-storm', (d) => {
    d.fleet.devices = 30;
    d.load.stages = [{ rate: 10, duration: '3s' }];
    d.flow.reconnect.at = '5s';
    d.emulator.quotas.connectPerAccount = { rate: 30, burst: 10 };
  });
  assertAllPassed(r);
  assert.equal(r.report.steps.reconnect?.count, 30, 'every device reconnected once');
  const storm = r.report.analysis.apis.Reconnect;
  assert.ok(storm !== undefined && storm.throttled > 0, 'throttled reconnects');
  assert.ok((storm.onset?.tSec ?? 0) >= 5, `the storm starts at t=5 s, not ${storm.onset?.tSec}`);
  assert.equal(storm.accepted, 30);
  assert.match(r.report.analysis.verdict, /Reconnect at [\d.]+\/s from t=\d+ s|Reconnect was throttled/);
});

test('csr-rsa: RSA-2048 keys made on the device, CreateCertificateFromCsr', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('csr-rsa', (d) => {
    d.fleet.devices = 4;
    d.load.concurrency = 2;
  });
  assertAllPassed(r);
  assert.equal(r.report.analysis.apis.CreateCertificateFromCsr?.accepted, 4);
  assert.equal(r.report.analysis.apis.CreateKeysAndCertificate, undefined);
});

test('cbor: the flow over the CBOR topics', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('cbor', (d) => {
    d.fleet.devices = 20;
    d.load.concurrency = 10;
  });
  assertAllPassed(r);
  assert.equal(r.report.outcomes.provisioned, 20);
});

test('flaky-network: dropped replies, 500s and disconnects are retried and every device provisions', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('flaky-network', (d) => {
    d.fleet.devices = 40;
    d.load.concurrency = 20;
    d.flow.replyTimeout = '1s';
    d.emulator.faults = { seed: 7, dropReplies: 0.05, error500: 0.05, disconnect: { ratio: 0.05, at: 'RegisterThing' } };
  });
  assertAllPassed(r);
  const retries = Object.values(r.report.retries).reduce((a, b) => a + b, 0);
  assert.ok(retries > 0, `faults were injected and retried (${JSON.stringify(r.report.retries)})`);
});

test('nightly-capacity: exit 0 when every threshold holds, exit 1 with the failing ones and their values when not', { timeout: 90_000 }, async () => {
  // 3 s instead of 60 s: the partial first and last seconds weigh more, so the rate gate is 6/s here
  const shrink = (d: { fleet: { devices: number }; load: { stages: unknown }; thresholds: unknown[] }) => {
    d.fleet.devices = 30;
    d.load.stages = [{ rate: 10, duration: '3s' }];
    d.thresholds = d.thresholds.map((t) => (t === 'rate(accepted{api=RegisterThing}) >= 9/s' ? 'rate(accepted{api=RegisterThing}) >= 6/s' : t));
  };
  const pass = await runLibraryScenario('nightly-capacity', shrink);
  assertAllPassed(pass);
  assert.match(pass.stdout, /Thresholds +all 7 passed/);
  // the same night with a quota that was cut to 2/s: throttling and the accepted rate break
  const fail = await runLibraryScenario('nightly-capacity', (d) => {
    shrink(d);
    d.emulator.quotas.RegisterThing = { rate: 2, burst: 2 };
    d.retry.maxAttempts = 1;
  });
  assert.equal(fail.code, 1, `${fail.stdout}\n${fail.stderr}`);
  const failed = fail.report.thresholds.filter((t) => !t.ok).map((t) => t.expression);
  assert.ok(failed.includes('ratio(rejected{api=RegisterThing,status=429}) < 0.05'), failed.join('; '));
  assert.ok(failed.includes('rate(accepted{api=RegisterThing}) >= 6/s'), failed.join('; '));
  assert.match(fail.stderr, /threshold failed: ratio\(rejected\{api=RegisterThing,status=429\}\) < 0\.05 \(actual 0\.\d+/);
  assert.match(fail.stderr, /threshold failed: rate\(accepted\{api=RegisterThing\}\) >= 6\/s \(actual [\d.]+/);
  assert.match(fail.stdout, /✗ rate\(accepted\{api=RegisterThing\}\) >= 6\/s/);
});

test('abortOnFail: a failing threshold stops the run early; the rest is dropped and the exit code is 1', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario(
    'hook-denylist',
    (d) => {
      d.fleet.devices = 100;
      d.load.concurrency = 2;
      // each device takes >= 200 ms, so the run lasts far longer than the 1 s threshold check
      d.emulator.latency = { RegisterThing: { fixed: '200ms' } };
      d.thresholds = [{ expression: 'count(failed) == 0', abortOnFail: true }];
    },
    { env: { FLEETSIM_DENY_SERIALS: '000,001' } },
  );
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.report.status, 'completed');
  assert.equal(r.report.statusReason, 'threshold_aborted');
  assert.ok((r.report.outcomes.dropped.threshold_aborted ?? 0) > 0, JSON.stringify(r.report.outcomes));
  assert.equal(r.report.outcomes.total, 100);
  assert.match(r.stderr, /threshold failed: count\(failed\) == 0 \(actual [12]/);
  assert.match(r.report.analysis.verdict, /^Stopped at t=\d+ s by a failing abortOnFail threshold: /);
});
