import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectFormat, parseCloudWatch, parseCounts, parseEventsTrace, parseTimestamps, TraceParseError } from '../../../src/load/trace/parse.js';
import { resolveTrace, sparkline, traceLoadSchema, type TraceLoad } from '../../../src/load/models/trace.js';
import { scaleQuotas } from '../../../src/load/trace/speed.js';
import { describeLoad, scheduleArrivals, loadSpeed, loadForReport, type LoadConfig } from '../../../src/load/models/index.js';
import { InputError } from '../../../src/util/errors.js';

function problemLines(fn: () => unknown): Array<number | undefined> {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TraceParseError, String(e));
    return e.problems.map((p) => p.line);
  }
  assert.fail('expected a TraceParseError');
}

test('timestamps: seconds from the start, exact offsets, comments skipped', () => {
  const t = parseTimestamps('# boot times\n0\n0.5\n\n1.25\n1.25\n10\n');
  assert.deepEqual(t.offsetsMs, [0, 500, 1250, 1250, 10_000]);
  assert.equal(t.startedAt, undefined);
});

test('timestamps: ISO 8601, offsets from the first line', () => {
  const t = parseTimestamps('2026-03-02T06:02:00Z\n2026-03-02T06:02:00.250Z\n2026-03-02T07:02:01+01:00\n');
  assert.deepEqual(t.offsetsMs, [0, 250, 1000]);
  assert.equal(t.startedAt, '2026-03-02T06:02:00.000Z');
});

test('timestamps: unsorted, bad number, mixed kinds and empty files name the line', () => {
  assert.deepEqual(problemLines(() => parseTimestamps('1\n3\n2\n')), [3]);
  assert.deepEqual(problemLines(() => parseTimestamps('1\nabc\n2\n')), [2]);
  assert.deepEqual(problemLines(() => parseTimestamps('1\n2026-03-02T06:02:00Z\n')), [2]);
  assert.deepEqual(problemLines(() => parseTimestamps('-1\n')), [1]);
  assert.throws(() => parseTimestamps('# nothing\n\n'), /no arrivals/);
});

test('counts: even spread inside each interval, a header allowed', () => {
  const t = parseCounts('t,count\n0,2\n10,0\n20,4\n', { intervalMs: 10_000, spread: 'even' });
  assert.deepEqual(t.offsetsMs, [0, 5000, 20_000, 22_500, 25_000, 27_500]);
});

test('counts: random spread is seeded, sorted and inside its interval', () => {
  const a = parseCounts('0,5\n60,5\n', { intervalMs: 60_000, spread: 'random', seed: 3 });
  const b = parseCounts('0,5\n60,5\n', { intervalMs: 60_000, spread: 'random', seed: 3 });
  const c = parseCounts('0,5\n60,5\n', { intervalMs: 60_000, spread: 'random', seed: 4 });
  assert.deepEqual(a.offsetsMs, b.offsetsMs);
  assert.notDeepEqual(a.offsetsMs, c.offsetsMs);
  assert.equal(a.offsetsMs.filter((t) => t >= 0 && t < 60_000).length, 5);
  assert.equal(a.offsetsMs.filter((t) => t >= 60_000 && t < 120_000).length, 5);
  assert.deepEqual([...a.offsetsMs].sort((x, y) => x - y), a.offsetsMs);
});

test('counts: malformed rows name their lines', () => {
  assert.deepEqual(problemLines(() => parseCounts('0,1\n20,2\n10,1\n', { intervalMs: 10_000 })), [3]);
  assert.deepEqual(problemLines(() => parseCounts('0,1\n5,2\n', { intervalMs: 10_000 })), [2]);
  assert.deepEqual(problemLines(() => parseCounts('0,1\n10,2.5\n20,x\n30\n', { intervalMs: 10_000 })), [2, 3, 4]);
  assert.throws(() => parseCounts('0,1\n', {}), /load.interval/);
  assert.throws(() => parseCounts('t,count\n', { intervalMs: 1000 }), /no rows/);
});

const CW = JSON.stringify({
  MetricDataResults: [
    { Id: 'a', Label: 'Connect.Success', Timestamps: ['2026-11-17T06:02:00Z', '2026-11-17T06:01:00Z', '2026-11-17T06:00:00Z'], Values: [4, 2, 1], StatusCode: 'Complete' },
    { Id: 'b', Label: 'Connect.Throttle', Timestamps: ['2026-11-17T06:02:00Z', '2026-11-17T06:00:00Z'], Values: [2, 1], StatusCode: 'Complete' },
  ],
  Messages: [],
});

test('cloudwatch: series summed per timestamp, newest-first sorted, the period from the timestamps', () => {
  const t = parseCloudWatch(CW, { spread: 'even' });
  // 06:00: 1+1 = 2, 06:01: 2, 06:02: 4+2 = 6 (60 s period)
  assert.deepEqual(t.offsetsMs, [0, 30_000, 60_000, 90_000, 120_000, 130_000, 140_000, 150_000, 160_000, 170_000]);
  assert.equal(t.intervalMs, 60_000);
  assert.equal(t.startedAt, '2026-11-17T06:00:00.000Z');
  assert.match(t.notes[0] ?? '', /Connect.Success \+ Connect.Throttle/);
});

test('cloudwatch: malformed exports say where', () => {
  assert.throws(() => parseCloudWatch('{"Foo": 1}', {}), /MetricDataResults/);
  assert.throws(() => parseCloudWatch('{"MetricDataResults": [{"Timestamps": ["2026-11-17T06:00:00Z"], "Values": [1, 2]}]}', {}), /1 Timestamps but 2 Values/);
  assert.throws(() => parseCloudWatch('{"MetricDataResults": [{"Timestamps": ["yesterday"], "Values": [1]}]}', {}), /Timestamps\[0\]/);
  assert.throws(() => parseCloudWatch('{"MetricDataResults": [{"Timestamps": ["2026-11-17T06:00:00Z"], "Values": [-1]}]}', {}), /Values\[0\]/);
  assert.deepEqual(problemLines(() => parseCloudWatch('{\n"MetricDataResults": [,\n]}', {})), [2]);
});

/** An events.jsonl as a run writes it: devices started per second in the progress lines of two workers. */
const STARTED: Record<number, number> = { 0: 3, 1: 5, 2: 0, 3: 7, 7: 1 };
function eventsFile(): string {
  const lines: string[] = [JSON.stringify({ type: 'meta', schemaVersion: 1, startedAt: '2026-11-17T06:02:00.000Z', runId: 'r' })];
  for (const [sec, n] of Object.entries(STARTED)) {
    const half = Math.floor(n / 2);
    lines.push(JSON.stringify({ type: 'progress', t: 1, worker: 0, snapshot: { series: { [sec]: { started: half, 'offered{api=Connect}': 1 } } }, results: [] }));
    lines.push(JSON.stringify({ type: 'progress', t: 1, worker: 1, snapshot: { series: { [sec]: { started: n - half } } }, results: [] }));
  }
  lines.push(JSON.stringify({ type: 'end', t: 9 }));
  return `${lines.join('\n')}\n`;
}

test('events.jsonl replay reproduces the run\'s devices started per second exactly', () => {
  const t = parseEventsTrace(eventsFile());
  const perSecond: Record<number, number> = {};
  for (const ms of t.offsetsMs) perSecond[Math.floor(ms / 1000)] = (perSecond[Math.floor(ms / 1000)] ?? 0) + 1;
  const expected = Object.fromEntries(Object.entries(STARTED).filter(([, n]) => n > 0).map(([s, n]) => [Number(s), n]));
  assert.deepEqual(perSecond, expected);
  assert.equal(t.startedAt, '2026-11-17T06:02:00.000Z');
});

test('events.jsonl: not fleetsim, broken lines and no starts are named', () => {
  assert.deepEqual(problemLines(() => parseEventsTrace('{"type":"progress"}\n{"type":"end"}\n')), [1]);
  assert.deepEqual(problemLines(() => parseEventsTrace('{"type":"meta"}\nnot json\n{"type":"end"}\n')), [2]);
  assert.throws(() => parseEventsTrace('{"type":"meta"}\n'), /nothing to replay/);
});

test('format detection: by extension, then by content', () => {
  assert.equal(detectFormat('x.jsonl', ''), 'events');
  assert.equal(detectFormat('x.json', ''), 'cloudwatch');
  assert.equal(detectFormat('x.csv', ''), 'counts');
  assert.equal(detectFormat('x.txt', '# c\n0,4\n'), 'counts');
  assert.equal(detectFormat('x.txt', '0\n1\n'), 'timestamps');
  assert.equal(detectFormat('x.txt', '\n'), undefined);
});

function traceLoad(file: string, extra: Record<string, unknown> = {}): TraceLoad {
  return traceLoadSchema.parse({ model: 'trace', file, ...extra }) as TraceLoad;
}

function tempTrace(name: string, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-trace-'));
  writeFileSync(path.join(dir, name), text);
  return { dir, file: path.join(dir, 's.yaml') };
}

test('window, speed and device cap, in that order', () => {
  const { dir, file } = tempTrace('t.txt', '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  const r = resolveTrace(traceLoad('t.txt', { from: '2s', to: '8s', speed: '2x', devices: 4 }), { file, baseDir: dir }).resolved;
  assert.ok(r !== undefined);
  // 2..7 s in the window, shifted to 0 and halved, the first 4 kept
  assert.deepEqual(r.offsetsMs, [0, 500, 1000, 1500]);
  assert.equal(r.windowArrivals, 6);
  assert.equal(r.durationMs, 3000);
  assert.deepEqual(r.perSecond, [2, 2, 0]);
});

test('the model plans, schedules and reports from the resolved trace', () => {
  const { dir, file } = tempTrace('t.csv', '0,3\n10,1\n');
  const load = resolveTrace(traceLoad('t.csv', { interval: '10s', speed: 10 }), { file, baseDir: dir }) as unknown as LoadConfig;
  assert.deepEqual(scheduleArrivals(load, 3), [
    { index: 0, offsetMs: 0 },
    { index: 1, offsetMs: 333.333 },
    { index: 2, offsetMs: 666.667 },
  ]);
  assert.equal(loadSpeed(load), 10);
  const plan = describeLoad(load, 10);
  assert.match(plan, /4 arrivals/);
  assert.match(plan, /quotas 10x higher/);
  assert.match(plan, /schedules 4 of 10 devices/);
  const kept = loadForReport(load) as unknown as { resolved: Record<string, unknown> };
  assert.equal(kept.resolved.offsetsMs, undefined);
  // the trace spans two 10 s rows: 2 s at 10x
  assert.deepEqual(kept.resolved.perSecond, [3, 1]);
  assert.equal(kept.resolved.durationMs, 2000);
});

test('a bad trace file is an InputError naming the scenario, load.file, the trace line and the rule', () => {
  const { dir, file } = tempTrace('bad.txt', '0\n2\n1\n');
  assert.throws(
    () => resolveTrace(traceLoad('bad.txt'), { file, baseDir: dir }),
    (e: unknown) => e instanceof InputError && e.file === file && e.issues.length === 1 && e.issues[0]?.path === 'load.file' && /line 3: earlier than line 2/.test(e.issues[0].message),
  );
  assert.throws(() => resolveTrace(traceLoad('missing.txt'), { file, baseDir: dir }), /cannot be replayed/);
  assert.throws(() => resolveTrace(traceLoad('bad.txt', { format: 'counts' }), { file, baseDir: dir }), (e: unknown) => e instanceof InputError && e.issues[0]?.path === 'load.interval');
  const { dir: d2, file: f2 } = tempTrace('t.txt', '0\n1\n');
  assert.throws(() => resolveTrace(traceLoad('t.txt', { from: '10s' }), { file: f2, baseDir: d2 }), (e: unknown) => e instanceof InputError && e.issues[0]?.path === 'load.from');
});

test('speed: the schema reads 10x, 10 and 2.5x; refuses 0 and words', () => {
  assert.equal(traceLoad('x', { speed: '10x' }).speed, 10);
  assert.equal(traceLoad('x', { speed: 10 }).speed, 10);
  assert.equal(traceLoad('x', { speed: '2.5x' }).speed, 2.5);
  assert.equal(traceLoadSchema.safeParse({ model: 'trace', file: 'x', speed: 0 }).success, false);
  assert.equal(traceLoadSchema.safeParse({ model: 'trace', file: 'x', speed: 'fast' }).success, false);
  assert.equal(traceLoadSchema.safeParse({ model: 'trace', file: 'x', from: '5s', to: '2s' }).success, false);
});

test('speed scales every quota rate, the defaults included; bursts and unlimited stay', () => {
  const q = scaleQuotas({ RegisterThing: { rate: 5, burst: 5 }, CreateKeysAndCertificate: 20 }, 10);
  assert.deepEqual(q.RegisterThing, { rate: 50, burst: 5 });
  assert.deepEqual(q.CreateKeysAndCertificate, { rate: 200, burst: 20 });
  assert.deepEqual(q.connectPerAccount, { rate: 5000, burst: 500 });
  assert.equal(q.CreateCertificateFromCsr, 'unlimited');
});

test('sparkline: blank where nothing arrives, the full bar at the peak', () => {
  assert.equal(sparkline([0, 1, 8, 0]), ' ▂█ ');
  assert.equal(sparkline([1, 1, 1, 1, 8, 8, 8, 8], 4), '▂▂██');
});
