/**
 * Synthetic runs for report tests, recorded through the real MetricsRecorder and folded by the real
 * RunState + buildReport: a device k takes a deterministic latency, its requests are counted in
 * second ⌊k / perSecond⌋, and every device provisions (or, for `throttle`, RegisterThing gets 429s).
 */
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { deviceRetriesKey, flowAttemptsKey } from '../../../src/metrics/names.js';
import { buildReport } from '../../../src/report/build.js';
import type { RunReport } from '../../../src/report/types.js';
import type { ResultRecord, RunEvent } from '../../../src/report/events.js';
import { RunState } from '../../../src/report/run-state.js';
import { scenarioSchema, type Scenario } from '../../../src/scenario/schema.js';

export function sampleScenario(devices: number, extra: Record<string, unknown> = {}): Scenario {
  return scenarioSchema.parse({
    name: 'sample',
    fleet: { devices, templateName: 'tpl', parameters: { SerialNumber: '{serial}' } },
    load: { model: 'closed', concurrency: 10 },
    emulator: { templates: [{ name: 'tpl', file: 'tpl.json' }] },
    ...extra,
  });
}

export interface SampleOptions {
  runId?: string;
  startMs?: number;
  devices: number;
  /** 1-based shard and shard count; default 1/1 */
  shard?: { index: number; count: number };
  scenario?: Scenario;
  scenarioHash?: string;
  perSecond?: number;
  /** ms added to every latency */
  slowerMs?: number;
  /** RegisterThing: this many 429s per device before it is accepted */
  throttle?: number;
  /** leave out the end event (a killed shard) */
  noEnd?: boolean;
  status?: 'completed' | 'interrupted' | 'failed';
}

const STEPS: Array<[string, string | undefined, number]> = [
  ['connect', 'Connect', 40],
  ['subscribe', undefined, 10],
  ['create_certificate', 'CreateKeysAndCertificate', 25],
  ['register_thing', 'RegisterThing', 30],
  ['verify_connect', 'VerifyConnect', 35],
  ['verify_publish', 'VerifyPublish', 8],
];

/** The events.jsonl lines of one (shard of a) run. */
export function sampleEvents(o: SampleOptions): RunEvent[] {
  const shard = o.shard ?? { index: 1, count: 1 };
  const startMs = o.startMs ?? 1_800_000_000_000;
  const scenario = o.scenario ?? sampleScenario(o.devices);
  const perSecond = o.perSecond ?? 10;
  const mine: number[] = [];
  for (let k = shard.index - 1; k < o.devices; k += shard.count) mine.push(k);
  const events: RunEvent[] = [
    {
      type: 'meta',
      schemaVersion: 1,
      runId: o.runId ?? 'sample-run',
      startedAt: new Date(startMs).toISOString(),
      startMs,
      scenarioFile: '/tmp/sample.yaml',
      scenarioHash: o.scenarioHash ?? 'hash-sample',
      scenario,
      shard,
      devices: mine.length,
      workers: 1,
      target: 'emulator 127.0.0.1:1',
      plan: 'closed model: sample',
    },
  ];
  const halves = [mine.filter((_, i) => i % 2 === 0), mine.filter((_, i) => i % 2 === 1)];
  let lastT = startMs;
  halves.forEach((part, h) => {
    const rec = new MetricsRecorder(startMs);
    const results: ResultRecord[] = [];
    for (const k of part) {
      const at = startMs + Math.floor(k / perSecond) * 1000 + 10;
      const extra = o.slowerMs ?? 0;
      for (const [step, api, base] of STEPS) {
        const ms = base + (k % 7) * 3 + extra;
        rec.recordMicros(step, ms * 1000);
        if (step === 'subscribe') rec.recordMicros(step, ms * 1000);
        if (api === undefined) continue;
        if (api === 'RegisterThing') {
          for (let i = 0; i < (o.throttle ?? 0); i++) {
            rec.count('offered', { api }, 1, at);
            rec.count('rejected', { api, status: 429, code: 'ThrottlingException' }, 1, at);
            rec.rejection(api, 429, 'ThrottlingException');
          }
        }
        rec.count('offered', { api }, 1, at);
        rec.count('accepted', { api }, 1, at);
      }
      rec.recordMicros('provision', (250 + (k % 7) * 20 + 6 * (o.slowerMs ?? 0)) * 1000);
      rec.count('started', undefined, 1, at);
      rec.outcome({ kind: 'provisioned' });
      rec.total(flowAttemptsKey(1 + (o.throttle ?? 0)));
      rec.total(deviceRetriesKey(o.throttle ?? 0));
      results.push({ index: k, outcome: { kind: 'provisioned' }, attempts: 1 + (o.throttle ?? 0), thingName: `thing-${k}`, certificateId: `cert-${k}` });
    }
    lastT = startMs + (Math.floor(o.devices / perSecond) + 1) * 1000 + h;
    events.push({
      type: 'progress',
      t: lastT,
      worker: 0,
      snapshot: rec.drain(),
      results,
      inFlight: 0,
      health: { eventLoopP99Ms: 12 + h, eventLoopMaxMs: 20, utilization: 0.5, starts: part.length, lateStarts: h, heapUsed: 1 },
    });
  });
  if (o.noEnd !== true) events.push({ type: 'end', t: lastT + 5, endedAt: new Date(lastT + 5).toISOString(), status: o.status ?? 'completed', peakRssBytes: 100 + shard.index });
  return events;
}

export function foldReport(...eventLists: RunEvent[][]): RunReport {
  const state = new RunState();
  for (const list of eventLists) for (const e of list) state.apply(e);
  return buildReport(state);
}

export function sampleReport(o: SampleOptions): RunReport {
  return foldReport(sampleEvents(o));
}
