import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesTotals, type KeyTotal } from '../../../src/metrics/series-totals.js';
import { SnapshotAccumulator, emptySnapshot } from '../../../src/metrics/snapshot.js';

const sorted = (entries: Iterable<KeyTotal>) => [...entries].sort((a, b) => a.key.localeCompare(b.key));
const snapshot = (series: Record<string, Record<string, number>>) => ({ ...emptySnapshot(), series });

test('totals kept while adding equal the totals of the finished series, late data for old seconds included', () => {
  const acc = new SnapshotAccumulator();
  // bounded pseudo-random deliveries: seconds 0-39, each second's counts in three parts, the last two late
  const parts: Array<Record<string, Record<string, number>>> = [];
  for (let t = 0; t < 40; t++) {
    for (let p = 0; p < 3; p++) {
      const counts: Record<string, number> = { 'offered{api=RegisterThing}': 1 + ((t * 7 + p) % 5) };
      if ((t + p) % 4 === 0) counts['rejected{api=RegisterThing,code=Throttled,status=429}'] = 1;
      if (t >= 10 && t <= 30 && p === 2) counts['failed{reason=connect: timeout}'] = 1;
      parts.push({ [String(t)]: counts });
    }
  }
  // deliver in an order where a part arrives up to 12 seconds late
  const order = parts.map((_, i) => i).sort((a, b) => ((a * 37) % 13) + a / 3 - (((b * 37) % 13) + b / 3));
  for (const i of order) acc.add(snapshot(parts[i] as Record<string, Record<string, number>>));
  const incremental = sorted(acc.seriesTotals().entries());
  assert.deepEqual(incremental, sorted(SeriesTotals.of(acc.series).entries()));
  const failed = incremental.find((k) => k.name === 'failed');
  assert.deepEqual(failed, { key: 'failed{reason=connect: timeout}', name: 'failed', labels: { reason: 'connect: timeout' }, total: 21, first: 10, last: 30 });
  const offered = incremental.find((k) => k.name === 'offered');
  // a direct sum over every second of the finished series
  const scanned = Object.values(acc.series).reduce((n, counts) => n + (counts['offered{api=RegisterThing}'] ?? 0), 0);
  assert.equal(offered?.total, scanned);
  assert.equal(acc.sumSeries('offered'), scanned, 'sumSeries reads the kept totals');
  assert.equal(acc.sumSeries('rejected', { status: '429' }), Object.values(acc.series).reduce((n, c) => n + (c['rejected{api=RegisterThing,code=Throttled,status=429}'] ?? 0), 0));
  assert.deepEqual([offered?.first, offered?.last], [0, 39]);
});

test('a count arriving late for an earlier or later second widens the span', () => {
  const acc = new SnapshotAccumulator();
  acc.add(snapshot({ '5': { started: 1 } }));
  acc.add(snapshot({ '3': { started: 1 }, '4': { started: 0 } }));
  acc.add(snapshot({ '8': { started: 2 } }));
  const [started] = [...acc.seriesTotals().entries()];
  assert.deepEqual([started?.total, started?.first, started?.last], [4, 3, 8]);
});

test('a second that falls back to zero at the edge of a span is dropped from it', () => {
  const acc = new SnapshotAccumulator();
  acc.add(snapshot({ '2': { started: 1 }, '5': { started: 2 }, '9': { started: 1 } }));
  acc.add(snapshot({ '9': { started: -1 } }));
  const [started] = [...acc.seriesTotals().entries()];
  assert.deepEqual([started?.total, started?.first, started?.last], [3, 2, 5]);
  acc.add(snapshot({ '2': { started: -1 } }));
  const [again] = [...acc.seriesTotals().entries()];
  assert.deepEqual([again?.total, again?.first, again?.last], [2, 5, 5]);
});
