/**
 * Series and total keys: one function builds each kind, one reads it back, and the bytes stay those
 * of events files and reports already written. Counter names and labels are checked by the
 * compiler (the @ts-expect-error lines fail the build if an unknown name ever typechecks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiAttemptsKey,
  counterKey,
  flowAttemptsKey,
  parseApiAttemptsKey,
  parseCounterKey,
  parseFlowAttemptsKey,
  parseSeriesKey,
} from '../../../src/metrics/names.js';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';

test('counter keys: labels sorted, the format of every series; parsed back only for their own counter', () => {
  const key = counterKey('retries', { step: 'register_thing', reason: 'throttled' });
  assert.equal(key, 'retries{reason=throttled,step=register_thing}');
  assert.deepEqual(parseCounterKey(key, 'retries'), { reason: 'throttled', step: 'register_thing' });
  assert.equal(parseCounterKey(key, 'exhausted'), undefined);
  assert.equal(parseCounterKey('retries_total', 'retries'), undefined, 'a name that only starts like the counter is another metric');
  assert.equal(counterKey('started'), 'started');
  assert.deepEqual(parseCounterKey('started', 'started'), {});
  assert.equal(counterKey('rejected', { api: 'Connect', status: 135, code: 'connect-refused' }), 'rejected{api=Connect,code=connect-refused,status=135}');
  assert.deepEqual(parseCounterKey('retries{step=flow}', 'retries'), { step: 'flow' }, 'a missing label stays missing');
});

test('flow attempts: `attempts:<n>` built and read by one pair of functions', () => {
  assert.equal(flowAttemptsKey(3), 'attempts:3');
  assert.equal(parseFlowAttemptsKey('attempts:3'), 3);
  assert.equal(parseFlowAttemptsKey(flowAttemptsKey(12)), 12);
  assert.equal(parseFlowAttemptsKey('attempts:'), undefined);
  assert.equal(parseFlowAttemptsKey('attempts:two'), undefined);
  assert.equal(parseFlowAttemptsKey('api_attempts{api=Connect,n=1}'), undefined);
  assert.equal(parseFlowAttemptsKey('retries{reason=timeout,step=flow}'), undefined);
});

test('API attempts: `api_attempts{api=<api>,n=<n>}` is a series key and reads back', () => {
  const key = apiAttemptsKey('RegisterThing', 2);
  assert.equal(key, 'api_attempts{api=RegisterThing,n=2}');
  assert.deepEqual(parseSeriesKey(key), { name: 'api_attempts', labels: { api: 'RegisterThing', n: '2' } });
  assert.deepEqual(parseApiAttemptsKey(key), { api: 'RegisterThing', attempts: 2 });
  assert.equal(parseApiAttemptsKey('api_attempts{api=RegisterThing}'), undefined);
  assert.equal(parseApiAttemptsKey('attempts:2'), undefined);
});

test('the recorder writes the keys the parsers read', () => {
  const r = new MetricsRecorder(0);
  r.count('retries', { reason: 'timeout', step: 'subscribe' }, 1, 500);
  r.total(flowAttemptsKey(4));
  r.total(apiAttemptsKey('Connect', 1));
  const snap = r.drain(500);
  assert.deepEqual(Object.keys(snap.series['0'] ?? {}).map((k) => parseCounterKey(k, 'retries')), [{ reason: 'timeout', step: 'subscribe' }]);
  assert.deepEqual(Object.keys(snap.totals).map((k) => parseFlowAttemptsKey(k) ?? parseApiAttemptsKey(k)), [4, { api: 'Connect', attempts: 1 }]);
});

test('unknown counter names, unknown labels and free-form totals do not typecheck', () => {
  const r = new MetricsRecorder(0);
  // each line below is a compile error; at run time they only record
  // @ts-expect-error not a counter (COUNTERS in names.ts)
  r.count('retry', { reason: 'x', step: 'y' }, 1, 0);
  // @ts-expect-error `offered` has no `reason` label
  r.count('offered', { api: 'Connect', reason: 'x' }, 1, 0);
  // @ts-expect-error totals are built by flowAttemptsKey / apiAttemptsKey
  r.total('attempts=3');
  assert.ok(r.drain(0));
});
