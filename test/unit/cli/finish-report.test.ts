/**
 * The exit codes of the report commands (cli/finish-report.ts): every code the README documents,
 * from the one function that decides them, and what each says on which stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeFor, finishReport, resolveTolerance, type ReportContext } from '../../../src/cli/finish-report.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { reportError } from '../../../src/cli/output.js';
import { compareReports } from '../../../src/report/compare.js';
import { makeChalk } from '../../../src/report/console.js';
import type { RunReport } from '../../../src/report/build.js';
import { FleetsimError, InputError, RunError } from '../../../src/util/errors.js';
import { sampleReport } from '../report/sample-run.js';

type Status = 'completed' | 'interrupted' | 'failed';

function report(o: { status?: Status; failedThreshold?: boolean; aborted?: boolean; regression?: boolean } = {}): RunReport {
  const r = sampleReport({ devices: 20, status: o.status ?? 'completed' });
  if (o.failedThreshold === true) r.thresholds = [{ expression: 'provision.p99 < 1ms', ok: false, actual: 25, detail: 'p99 25 ms' }];
  if (o.aborted === true) r.statusReason = 'threshold_aborted';
  if (o.regression === true) {
    // a baseline far faster than this run: every latency regressed
    const baseline = sampleReport({ devices: 20, runId: 'base', slowerMs: -5 });
    const slow = sampleReport({ devices: 20, slowerMs: 500 });
    r.comparison = compareReports(baseline, slow, { tolerancePct: 10, baselineSource: 'base' });
    assert.ok(r.comparison.regressions > 0, 'the fixture regresses');
  }
  return r;
}

const RUN: ReportContext = { command: 'run', shards: 1 };

test('run: 0 when the run completed and every check passed, with nothing to say', () => {
  assert.deepEqual(exitCodeFor(report(), RUN), { code: ExitCode.Pass, out: [], err: [] });
  assert.equal(ExitCode.Pass, 0);
});

test('run: 1 for a failed threshold, naming it on stderr', () => {
  const v = exitCodeFor(report({ failedThreshold: true }), RUN);
  assert.equal(v.code, ExitCode.ThresholdsFailed);
  assert.equal(v.code, 1);
  assert.match(v.err.join('\n'), /threshold failed: provision\.p99 < 1ms \(actual 25/);
  assert.deepEqual(v.out, []);
});

test('run: 1 when a threshold with abortOnFail stopped the run', () => {
  const v = exitCodeFor(report({ aborted: true }), RUN);
  assert.equal(v.code, 1);
  assert.match(v.err.join('\n'), /stopped early by a threshold/);
});

test('run: 1 for a regression against the baseline, with the count and the tolerance', () => {
  const r = report({ regression: true });
  const v = exitCodeFor(r, RUN);
  assert.equal(v.code, 1);
  assert.deepEqual(v.err, [`fleetsim: ${r.comparison?.regressions} regression(s) against the baseline beyond 10%`]);
});

test('run: 3 for a run that could not complete, 130 for an interrupted one, whatever the checks say', () => {
  assert.equal(exitCodeFor(report({ status: 'failed', failedThreshold: true }), RUN).code, ExitCode.RunFailed);
  assert.equal(ExitCode.RunFailed, 3);
  assert.equal(exitCodeFor(report({ status: 'interrupted', failedThreshold: true, regression: true }), RUN).code, ExitCode.Interrupted);
  assert.equal(ExitCode.Interrupted, 130);
});

test('run: one shard of several is not judged alone, but says so on stdout', () => {
  const shard: ReportContext = { command: 'run', shards: 3 };
  const missed = exitCodeFor(report({ failedThreshold: true }), shard);
  assert.equal(missed.code, 0);
  assert.match(missed.out.join('\n'), /this shard alone misses a check/);
  assert.deepEqual(missed.err, []);
  assert.equal(exitCodeFor(report({ regression: true }), shard).code, 0);
  assert.deepEqual(exitCodeFor(report(), shard), { code: 0, out: [], err: [] });
  // a shard that did not complete is still a failed or interrupted run
  assert.equal(exitCodeFor(report({ status: 'interrupted' }), shard).code, 130);
  assert.equal(exitCodeFor(report({ status: 'failed' }), shard).code, 3);
});

test('merge: 3 when a shard did not complete (said on stderr), 1 when a check failed, then the baseline', () => {
  const merge: ReportContext = { command: 'merge' };
  const incomplete = exitCodeFor(report({ status: 'interrupted' }), merge);
  assert.equal(incomplete.code, 3);
  assert.match(incomplete.err.join('\n'), /the merged run is interrupted: a shard did not complete/);
  const both = exitCodeFor(report({ status: 'failed', failedThreshold: true }), merge);
  assert.equal(both.code, 1, 'a failed check wins over an incomplete shard');
  assert.match(both.err.join('\n'), /merged run is failed/);
  assert.deepEqual(exitCodeFor(report({ failedThreshold: true }), merge), { code: 1, out: [], err: [] });
  assert.equal(exitCodeFor(report({ regression: true }), merge).code, 1);
  assert.deepEqual(exitCodeFor(report(), merge), { code: 0, out: [], err: [] });
});

test('rebuild: only a baseline can fail a rebuilt run', () => {
  const rebuild: ReportContext = { command: 'rebuild' };
  assert.equal(exitCodeFor(report({ failedThreshold: true }), rebuild).code, 0);
  assert.equal(exitCodeFor(report({ status: 'interrupted' }), rebuild).code, 0);
  const reg = exitCodeFor(report({ regression: true }), rebuild);
  assert.equal(reg.code, 1);
  assert.match(reg.err.join('\n'), /regression\(s\) against the baseline/);
});

test('compare: 1 on a regression and nothing else counts; the table says why', () => {
  const compare: ReportContext = { command: 'compare' };
  assert.deepEqual(exitCodeFor(report({ regression: true }), compare), { code: 1, out: [], err: [] });
  assert.deepEqual(exitCodeFor(report({ failedThreshold: true, status: 'failed' }), compare), { code: 0, out: [], err: [] });
});

/** Run `fn` with stdout and stderr captured. */
function captured<T>(fn: () => T): { value: T; stdout: string; stderr: string } {
  const write = { out: process.stdout.write, err: process.stderr.write };
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    return { value: fn(), stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

test('2 is bad input: reportError maps errors to the documented codes', () => {
  const bad = captured(() => reportError(new InputError('x.yaml: bad', { issues: [{ path: 'fleet.devices', message: 'must be > 0' }] })));
  assert.equal(bad.value, ExitCode.BadInput);
  assert.equal(bad.value, 2);
  assert.match(bad.stderr, /fleet\.devices/);
  assert.equal(captured(() => reportError(new RunError('TARGET_DOWN', 'no target'))).value, 3);
  assert.equal(captured(() => reportError(new FleetsimError('STOPPED', 'stopped', { exitCategory: 'interrupted' }))).value, 130);
  assert.throws(() => resolveTolerance('ten'), (e: unknown) => e instanceof InputError && captured(() => reportError(e)).value === 2);
});

test('finishReport writes the comparison into the files, prints the summary and returns the verdict', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-finish-'));
  const baseline = sampleReport({ devices: 20, runId: 'base', slowerMs: -5 });
  const current = sampleReport({ devices: 20, slowerMs: 500 });
  const r = captured(() =>
    finishReport(current, {
      dir,
      formats: ['json'],
      baseline: { report: baseline, source: 'base/report.json', tolerancePct: 10 },
      summary: true,
      color: makeChalk(false),
      after: ['credentials: somewhere'],
      context: { command: 'run', shards: 1 },
    }),
  );
  assert.equal(r.value, 1);
  const written = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as RunReport;
  assert.equal(written.comparison?.baseline.source, 'base/report.json');
  assert.ok((written.comparison?.regressions ?? 0) > 0);
  assert.match(r.stdout, /Baseline comparison/);
  assert.match(r.stdout, /report: .*report\.json\ncredentials: somewhere\n/);
  assert.match(r.stderr, /regression\(s\) against the baseline beyond 10%/);
});
