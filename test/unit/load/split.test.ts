import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShard, segmentIndices, shareCount } from '../../../src/load/split.js';

test('shareCount: floor + remainder, parts add up to the whole', () => {
  for (const total of [0, 1, 7, 10, 101, 10_000]) {
    for (const parts of [1, 2, 3, 7, 16]) {
      const shares = Array.from({ length: parts }, (_, i) => shareCount(total, i, parts));
      assert.equal(shares.reduce((a, b) => a + b, 0), total, `${total}/${parts}`);
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1);
    }
  }
  assert.deepEqual([0, 1, 2].map((i) => shareCount(10, i, 3)), [4, 3, 3]);
  assert.throws(() => shareCount(10, 3, 3), RangeError);
});

test('segmentIndices: shards × workers partition the indices exactly, with no overlap', () => {
  const total = 1003;
  const seen = new Set<number>();
  for (let shard = 0; shard < 3; shard++) {
    for (let worker = 0; worker < 4; worker++) {
      const mine = segmentIndices(total, { shard, shards: 3, worker, workers: 4 });
      assert.equal(mine.length, shareCount(shareCount(total, shard, 3), worker, 4));
      for (const i of mine) {
        assert.ok(!seen.has(i), `index ${i} twice`);
        seen.add(i);
      }
    }
  }
  assert.equal(seen.size, total);
});

test('parseShard: current/all, 1-based', () => {
  assert.deepEqual(parseShard('2/4'), { shard: 1, shards: 4 });
  assert.deepEqual(parseShard('1/1'), { shard: 0, shards: 1 });
  for (const bad of ['0/4', '5/4', '2', 'a/b', '2/0', '-1/2']) assert.equal(parseShard(bad), undefined, bad);
});
