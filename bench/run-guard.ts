/**
 * Benchmark: main-thread cost of the live run guard (abortOnFail thresholds + knee search) per
 * one-second tick, on a synthetic run fed one second at a time, as the run feeds it. Prints the
 * per-tick cost in a window ending at each probe time; asserts nothing. No network.
 *
 *   node dist/bench/run-guard.js [--probes 600,3600] [--window 30] [--check-every 1] [--guard both|thresholds|knee]
 *
 * `--check-every N` checks only every N seconds outside the probe windows (to measure a slow
 * guard at 1 h without waiting for thousands of slow ticks); each window starts with 5 unmeasured
 * warm-up ticks.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRunGuard } from '../src/orchestrator/run-guard.js';
import { LatencyHistogram } from '../src/metrics/histogram.js';
import { seriesKey } from '../src/metrics/names.js';
import { SnapshotAccumulator, emptySnapshot, type MetricsSnapshot } from '../src/metrics/snapshot.js';
import { parseScenario } from '../src/scenario/load.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const probes = arg('probes', '600,3600').split(',').map(Number);
const windowSec = Number(arg('window', '30'));
const checkEvery = Number(arg('check-every', '1'));
const only = arg('guard', 'both');
const STEP_SEC = 10;
const APIS = ['Connect', 'CreateKeysAndCertificate', 'RegisterThing', 'VerifyConnect'];

const scenario = parseScenario(
  {
    fleet: { devices: 1_000_000, templateName: 'fleet-prov-test-template', parameters: { SerialNumber: '{serial}' } },
    load: only === 'thresholds' ? { model: 'closed', concurrency: 20 } : { model: 'step', start: 5, increment: 0.05, stepDuration: `${STEP_SEC}s`, maxRate: 100 },
    thresholds: [
      'p99(provision) < 5s',
      'count(failed) < 1000000',
      'ratio(rejected{api=RegisterThing}) < 0.5',
      'rate(provisioned) > 1',
      'ratio(failed) < 0.5',
    ].map((expression) => ({ expression, abortOnFail: only !== 'knee' })),
    emulator: { templates: [{ name: 'fleet-prov-test-template', file: 'templates/fleet-prov-test-template.json' }] },
  },
  { file: 'bench.yaml', baseDir: fileURLToPath(new URL('../../scenarios/', import.meta.url)), env: {} },
);

/** One second of a steady run: ~20 keys, all passing the thresholds and the step conditions. */
function second(t: number): MetricsSnapshot {
  const s = emptySnapshot();
  const counts: Record<string, number> = {};
  const put = (name: string, labels: Record<string, string> | undefined, n: number) => {
    if (n > 0) counts[seriesKey(name, labels)] = (counts[seriesKey(name, labels)] ?? 0) + n;
  };
  put('started', undefined, 20);
  for (const api of APIS) {
    put('offered', { api }, 20);
    put('accepted', { api }, t % 4 === 0 ? 19 : 20);
    put('rejected', { api, status: '429', code: 'Throttled' }, t % 4 === 0 ? 1 : 0);
    put('timeout', { api }, t % 7 === 0 ? 1 : 0);
  }
  put('retries', { reason: 'throttled', step: 'register_thing' }, t % 4 === 0 ? 1 : 0);
  const failed = t % 10 === 0 ? 1 : 0;
  put('provisioned', undefined, 19 - failed);
  put('failed', { reason: 'register_thing: rejected 429 Throttled' }, failed);
  s.series[String(t)] = counts;
  s.outcomes = { provisioned: 19 - failed, failed: failed > 0 ? { 'register_thing: rejected 429 Throttled': failed } : {}, dropped: {} };
  const h = new LatencyHistogram();
  for (let i = 0; i < 19; i++) h.recordMillis(250 + ((t * 7 + i * 13) % 100));
  const enc = h.encode();
  h.destroy();
  s.histograms = { provision: enc, [`provision{window=${Math.floor(t / STEP_SEC)}}`]: enc };
  return s;
}

const guard = createRunGuard(scenario);
if (guard === undefined) throw new Error('no guard');
const acc = new SnapshotAccumulator();
const end = Math.max(...probes);
const inWindow = (t: number) => probes.some((p) => t >= p - windowSec - 5 && t < p);
const times: number[] = [];
const what = [only === 'knee' ? '' : `${scenario.thresholds.length} abortOnFail thresholds`, only === 'thresholds' ? '' : `knee search (${STEP_SEC} s steps)`].filter((w) => w !== '');
console.log(`run guard per tick: ${what.join(' + ')}; checks every ${checkEvery} s outside the windows`);
for (let t = 0; t < end; t++) {
  acc.add(second(t));
  const elapsedMs = (t + 1) * 1000;
  if (!inWindow(t) && t % checkEvery !== 0) continue;
  const t0 = performance.now();
  const d = guard.check(acc, 1_000_000, elapsedMs);
  const took = performance.now() - t0;
  if (d !== undefined) throw new Error(`the guard stopped the synthetic run at ${t} s: ${d.detail}`);
  if (probes.some((p) => t >= p - windowSec && t < p)) times.push(took);
  const probe = probes.find((p) => t === p - 1);
  if (probe !== undefined) {
    const sorted = [...times].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const med = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const max = sorted[sorted.length - 1] ?? 0;
    console.log(`  at ${probe / 60} min: ${sorted.length} ticks, mean ${mean.toFixed(3)} ms, median ${med.toFixed(3)} ms, max ${max.toFixed(3)} ms`);
    times.length = 0;
  }
}
