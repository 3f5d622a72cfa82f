/** Baseline comparison: identical runs pass, an injected regression is flagged, noise is tolerated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareReports, formatComparison, loadReportFile, parseTolerance } from '../../../src/report/compare.js';
import { InputError } from '../../../src/util/errors.js';
import { sampleReport } from './sample-run.js';

test('an identical pair has no regression', () => {
  const a = sampleReport({ devices: 50 });
  const c = compareReports(a, structuredClone(a));
  assert.equal(c.regressions, 0);
  assert.ok(c.rows.some((r) => r.kind === 'latency' && r.subject === 'register_thing' && r.metric === 'p99 ms' && r.deltaPct === 0));
  assert.ok(c.rows.some((r) => r.kind === 'rate' && r.subject === 'RegisterThing' && r.baseline === 10));
  assert.match(formatComparison(c), /no regressions/);
});

test('slower steps are latency regressions; fewer accepted per second is a rate regression', () => {
  const base = sampleReport({ devices: 50 });
  const slow = sampleReport({ devices: 50, slowerMs: 30 });
  const c = compareReports(base, slow, { tolerancePct: 10 });
  const reg = c.rows.filter((r) => r.regression);
  assert.ok(reg.some((r) => r.subject === 'register_thing' && r.metric === 'p99 ms'));
  assert.ok(reg.some((r) => r.subject === 'provision' && r.metric === 'p50 ms'));
  assert.equal(reg.filter((r) => r.kind === 'rate').length, 0, 'same rates');
  // half the rate: the same devices spread over twice the seconds
  const halfRate = sampleReport({ devices: 50, perSecond: 5 });
  const c2 = compareReports(base, halfRate);
  const rate = c2.rows.find((r) => r.kind === 'rate' && r.subject === 'RegisterThing');
  assert.equal(rate?.baseline, 10);
  assert.equal(rate?.current, 5);
  assert.equal(rate?.deltaPct, -50);
  assert.equal(rate?.regression, true);
  assert.match(formatComparison(c2), /REGRESSION\s+RegisterThing\s+accepted\/s/);
  // a faster run is not a regression
  assert.equal(compareReports(slow, base).regressions, 0);
});

test('changes within the tolerance, or below the latency noise floor, are not regressions', () => {
  const base = sampleReport({ devices: 50 });
  const bit = sampleReport({ devices: 50, slowerMs: 2 });
  assert.equal(compareReports(base, bit, { tolerancePct: 20 }).regressions, 0);
  assert.ok(compareReports(base, bit, { tolerancePct: 1 }).regressions > 0);
  assert.equal(compareReports(base, bit, { tolerancePct: 1, minLatencyDeltaMs: 100 }).regressions, 0);
});

test('fewer devices provisioned is a regression', () => {
  const base = sampleReport({ devices: 20 });
  const cur = structuredClone(base);
  cur.outcomes.provisioned = 10;
  cur.outcomes.failed = { timeout: 10 };
  const row = compareReports(base, cur).rows.find((r) => r.kind === 'outcome');
  assert.deepEqual([row?.baseline, row?.current, row?.regression], [1, 0.5, true]);
});

test('parseTolerance and loadReportFile', () => {
  assert.equal(parseTolerance('10%'), 10);
  assert.equal(parseTolerance(' 12.5 '), 12.5);
  assert.equal(parseTolerance('ten'), undefined);
  assert.equal(parseTolerance('-3%'), undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-cmp-'));
  const r = sampleReport({ devices: 5 });
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(r));
  assert.equal(loadReportFile(dir).runId, r.runId);
  writeFileSync(path.join(dir, 'newer.json'), JSON.stringify({ ...r, schemaVersion: 99 }));
  assert.throws(() => loadReportFile(path.join(dir, 'newer.json')), (e: unknown) => e instanceof InputError && /newer fleetsim/.test(e.message));
  assert.throws(() => loadReportFile(path.join(dir, 'none')), (e: unknown) => e instanceof InputError && /cannot read/.test(e.message));
  writeFileSync(path.join(dir, 'bad.json'), '{"a":1}');
  assert.throws(() => loadReportFile(path.join(dir, 'bad.json')), /not a fleetsim report/);
});
