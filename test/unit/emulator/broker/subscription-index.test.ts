import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscriptionIndex, type GrantedQos } from '../../../../src/emulator/broker/subscription-index.js';

function collect(index: SubscriptionIndex<string>, topic: string): Record<string, GrantedQos> {
  const out: Record<string, GrantedQos> = {};
  index.forEachMatch(topic, (s, q) => {
    assert.equal(out[s], undefined, `${s} visited twice`);
    out[s] = q;
  });
  return out;
}

describe('SubscriptionIndex', () => {
  it('routes exact filters by lookup and removes empty entries', () => {
    const index = new SubscriptionIndex<string>();
    const topic = '$aws/certificates/create/json/accepted';
    for (let i = 0; i < 1000; i++) index.add(topic, `d${i}`, 1);
    index.add('other', 'x', 0);
    assert.equal(Object.keys(collect(index, topic)).length, 1000);
    assert.deepEqual(collect(index, 'other'), { x: 0 });
    assert.deepEqual(index.countFilters(), { exact: 2, wildcard: 0 });
    for (let i = 0; i < 1000; i++) index.remove(topic, `d${i}`);
    assert.deepEqual(collect(index, topic), {});
    assert.deepEqual(index.countFilters(), { exact: 1, wildcard: 0 });
  });

  it('merges exact and wildcard matches once per subscriber with the highest QoS', () => {
    const index = new SubscriptionIndex<string>();
    index.add('a/b', 'p', 0);
    index.add('a/+', 'p', 1);
    index.add('a/#', 'q', 0);
    index.add('#', 'r', 1);
    index.add('b/+', 's', 1);
    assert.deepEqual(collect(index, 'a/b'), { p: 1, q: 0, r: 1 });
    assert.deepEqual(collect(index, '$aws/x'), {});
    index.remove('a/+', 'p');
    assert.deepEqual(collect(index, 'a/b'), { p: 0, q: 0, r: 1 });
    assert.deepEqual(index.countFilters(), { exact: 1, wildcard: 3 });
  });

  it('replaces the QoS when the same filter is added again', () => {
    const index = new SubscriptionIndex<string>();
    index.add('t', 'p', 1);
    index.add('t', 'p', 0);
    assert.deepEqual(collect(index, 't'), { p: 0 });
  });

  it('tolerates removals made while visiting', () => {
    const index = new SubscriptionIndex<string>();
    for (const s of ['a', 'b', 'c']) index.add('t', s, 0);
    const seen: string[] = [];
    index.forEachMatch('t', (s) => {
      seen.push(s);
      index.remove('t', 'b');
      index.remove('t', s);
    });
    assert.deepEqual(seen, ['a', 'c']);
  });
});
