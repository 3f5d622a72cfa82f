/**
 * The worker pool end to end (programmatic API): real worker threads, the embedded emulator in its
 * own thread, real mTLS. Each test checks that every device ends with exactly one outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario, runScenario, targetStarter } from '../../../src/index.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import type { RunEvent } from '../../../src/report/events.js';
import { makeWorkspace, smallScenario } from '../../helpers/cli.js';

async function run(yaml: string, opts: Parameters<typeof runScenario>[0] extends infer O ? Partial<O> : never = {}) {
  const ws = makeWorkspace({ 'scenarios/s.yaml': yaml });
  const loaded = await loadScenario(path.join(ws, 'scenarios/s.yaml'));
  return runScenario({ loaded, startTarget: targetStarter(loaded), outDir: path.join(ws, 'out'), ...opts });
}

function events(runDir: string): RunEvent[] {
  return readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
}

test('2 workers: the merged histogram count equals the sum of the workers\' counts', async () => {
  const { report, runDir } = await run(smallScenario(40, 'model: closed\n  concurrency: 8'), { workers: 2 });
  assert.equal(report.outcomes.provisioned, 40);
  assert.equal(report.generator.workers, 2);
  const perWorker = new Map<number, LatencyHistogram>();
  for (const e of events(runDir)) {
    if (e.type !== 'progress') continue;
    const enc = e.snapshot.histograms.provision;
    if (enc === undefined) continue;
    const h = perWorker.get(e.worker) ?? new LatencyHistogram();
    h.addEncoded(enc);
    perWorker.set(e.worker, h);
  }
  assert.equal(perWorker.size, 2, 'both workers provisioned devices');
  const sum = [...perWorker.values()].reduce((n, h) => n + h.count, 0);
  assert.equal(sum, 40);
  assert.equal(report.steps.provision?.count, sum);
  // each worker got an exact share: 20 + 20
  assert.deepEqual([...perWorker.values()].map((h) => h.count).sort(), [20, 20]);
});

test('a worker that dies: its devices end as worker_crashed and the outcomes still add up', async () => {
  let killed = false;
  const { report } = await run(
    smallScenario(60, 'model: open\n  stages:\n    - rate: 20\n      duration: 3s\n  maxInFlight: 20'),
    {
      workers: 2,
      onPoolStarted: (pool) => {
        setTimeout(() => {
          pool.killWorker(0);
          killed = true;
        }, 1200);
      },
    },
  );
  assert.ok(killed);
  assert.equal(report.status, 'completed', 'continue is the default');
  assert.equal(report.outcomes.total, 60);
  const crashed = (report.outcomes.failed.worker_crashed ?? 0) + (report.outcomes.dropped.worker_crashed ?? 0);
  assert.ok(crashed > 0, `some devices of the dead worker are worker_crashed: ${JSON.stringify(report.outcomes)}`);
  assert.ok(report.outcomes.provisioned >= 25, 'the other worker carried on');
  assert.equal(report.crashes.length, 1);
  assert.match(report.warnings.join('\n'), /worker 0 crashed/);
});

test('onWorkerCrash: stop ends the run as failed, outcomes still add up', async () => {
  const { report } = await run(
    smallScenario(60, 'model: open\n  stages:\n    - rate: 15\n      duration: 4s\n  maxInFlight: 20', 'generator:\n  onWorkerCrash: stop\n'),
    { workers: 2, onPoolStarted: (pool) => setTimeout(() => pool.killWorker(1), 1000) },
  );
  assert.equal(report.status, 'failed');
  assert.equal(report.statusReason, 'worker_crashed');
  assert.equal(report.outcomes.total, 60);
  assert.ok((report.outcomes.dropped.worker_crashed ?? 0) > 0, JSON.stringify(report.outcomes));
});

test('a starved generator (tiny maxInFlight) drops arrivals and says why', async () => {
  const { report } = await run(
    // every device needs at least 300 ms (injected service latency), so one slot serves ~3/s of the 30/s offered
    smallScenario(
      60,
      'model: open\n  stages:\n    - rate: 30\n      duration: 2s\n  maxInFlight: 1\n  startTolerance: 100ms',
      '  latency:\n    CreateKeysAndCertificate: {fixed: 300ms}\n',
    ),
    { workers: 1 },
  );
  assert.equal(report.outcomes.total, 60);
  const dropped = report.outcomes.dropped.max_in_flight ?? 0;
  assert.ok(dropped > 20, `most arrivals dropped at the in-flight cap: ${JSON.stringify(report.outcomes)}`);
  assert.equal(report.outcomes.provisioned + dropped + (report.outcomes.dropped.generator_behind ?? 0), 60);
  assert.equal(Object.keys(report.outcomes.failed).length, 0);
});

test('open model: provision is measured from the intended start, service time beside it', async () => {
  const { report } = await run(smallScenario(20, 'model: open\n  stages:\n    - rate: 20\n      duration: 1s\n  maxInFlight: 50'), { workers: 1 });
  assert.equal(report.outcomes.provisioned, 20);
  const p = report.steps.provision;
  const s = report.steps.provision_service;
  assert.ok(p !== undefined && s !== undefined);
  assert.equal(p.count, s.count);
  assert.ok(p.max >= s.max - 0.01, 'intended-start latency is never shorter than service time');
  assert.ok(report.series['0']?.['started'] !== undefined);
});
