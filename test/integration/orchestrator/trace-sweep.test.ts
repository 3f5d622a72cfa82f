/**
 * Incident replay end to end against the embedded emulator: a trace replayed at 10x meets quotas
 * 10x higher and keeps its throttled share; a sweep over RegisterThing rates writes one run folder
 * per value and provisions everyone sooner as the rate rises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenario, runScenario, runSweepFile, targetStarter } from '../../../src/index.js';
import type { RunReport } from '../../../src/report/types.js';
import type { SweepReport } from '../../../src/report/sweep.js';
import { writeSweepReport } from '../../../src/report/sweep.js';
import { makeWorkspace, smallScenario } from '../../helpers/cli.js';

/** 60 arrivals over 3 s (20/s) against RegisterThing 10/s (burst 5) with no retries: about 40% are throttled. */
const TRACE = Array.from({ length: 60 }, (_, i) => (i * 0.05).toFixed(2)).join('\n');

function replayScenario(speed: string): string {
  return smallScenario(60, `model: trace\n  file: arrivals.txt\n  speed: ${speed}`, '  quotas:\n    RegisterThing: { rate: 10, burst: 5 }\n');
}

// The throttled share at 1x and 10x is compared exactly in test/unit/load/trace-speed.test.ts (the
// emulator's token bucket against the two schedules); a live comparison here would depend on this
// machine's timing. This run checks the wiring: quotas scaled, the replay analysed.
test('a trace replayed at 10x: the emulator runs with its quotas 10x higher and the verdict says how long devices waited', async () => {
  const ws = makeWorkspace({ 'scenarios/arrivals.txt': TRACE, 'scenarios/fast.yaml': replayScenario('10x') });
  const loaded = await loadScenario(path.join(ws, 'scenarios', 'fast.yaml'), {}, { set: ['flow.verify.enabled=false'] });
  const { report } = await runScenario({ loaded, startTarget: targetStarter(loaded), outDir: path.join(ws, 'out'), workers: 1 });
  assert.equal(report.outcomes.total, 60);
  assert.deepEqual((report.emulator?.quotas as Record<string, unknown> | undefined)?.RegisterThing, { rate: 100, burst: 5 });
  assert.ok((report.analysis.apis.RegisterThing?.throttled ?? 0) > 0, 'the burst of arrivals met the quota');
  const replay = report.analysis.replay;
  assert.ok(replay !== undefined && replay.speed === 10);
  assert.equal(replay.unprovisioned?.count, report.outcomes.provisioned);
  assert.match(report.analysis.verdict, /Devices stayed unprovisioned for p50 .* after they arrived \(at 10x; as recorded/);
  assert.match(report.plan, /replayed at 10x/);
  assert.deepEqual((report.scenario.load as { resolved?: { perSecond?: number[] } }).resolved?.perSecond, [60], 'the report keeps the arrival curve');
});

// 6 devices at t=0 against RegisterThing 1/s, 2/s and 6/s (burst 1): the quota alone takes 5 s,
// 2.5 s and under 1 s; the rest of each run (worker start, connects) is the same for all three.
test('sweep over three RegisterThing rates: three run folders, time to provision all decreasing', async () => {
  const yaml = smallScenario(6, 'model: burst', '  quotas:\n    RegisterThing: { rate: 1, burst: 1 }\n') +
    'retry:\n  maxAttempts: 200\n  baseDelay: 50ms\n  maxDelay: 200ms\n';
  const ws = makeWorkspace({ 'scenarios/s.yaml': yaml });
  const { report, sweepDir } = await runSweepFile({
    file: path.join(ws, 'scenarios', 's.yaml'),
    overrides: { set: ['flow.verify.enabled=false', 'emulator.quotas.RegisterThing.rate=1,2,6'] },
    outDir: path.join(ws, 'out'),
    sweepId: 'sweep-test',
    env: {},
  });
  const files = writeSweepReport(sweepDir, report);
  const runs = readdirSync(sweepDir).filter((n) => !n.startsWith('sweep.')).sort();
  assert.deepEqual(runs, ['01-1', '02-2', '03-6']);
  for (const r of runs) assert.ok(existsSync(path.join(sweepDir, r, 'report.json')), `${r} has its report`);
  const one = JSON.parse(readFileSync(path.join(sweepDir, '01-1', 'report.json'), 'utf8')) as RunReport;
  assert.deepEqual(one.overrides, ['flow.verify.enabled=false', 'emulator.quotas.RegisterThing.rate=1'], 'each run records its overrides');
  assert.deepEqual(report.fixed, ['flow.verify.enabled=false']);
  const saved = JSON.parse(readFileSync(files.json, 'utf8')) as SweepReport;
  assert.deepEqual(saved.rows.map((r) => r.value), ['1', '2', '6']);
  const times = saved.rows.map((r) => r.timeToProvisionAllMs);
  assert.ok(times.every((t) => t !== null), `every run provisioned all: ${JSON.stringify(times)}`);
  const [a, b, c] = times as [number, number, number];
  assert.ok(a > b && b > c, `time to provision all decreases as the rate rises: ${times.join(', ')} ms`);
  assert.match(readFileSync(files.html, 'utf8'), /<svg[^>]*aria-label="sweep outcomes per value"/);
});
