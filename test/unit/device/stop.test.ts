/** A device's stop: one listener on the shared signal, and waits that end when the device is stopped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { DeviceStop } from '../../../src/device/stop.js';
import { Interrupted } from '../../../src/device/failure.js';

/** a backoff no test waits out: a stop must end it (if one does not, the test times out first) */
const LONG = 60_000;

test('follow: one listener on the shared signal for the whole run, none after', async () => {
  const shared = new AbortController();
  const stop = new DeviceStop();
  const seen: number[] = [];
  await stop.follow(shared.signal, async () => {
    seen.push(getEventListeners(shared.signal, 'abort').length);
    // waits listen to the device's own signal, not the shared one
    await stop.abortable(Promise.resolve(1));
    await stop.pause(0);
    seen.push(getEventListeners(shared.signal, 'abort').length);
  });
  assert.deepEqual(seen, [1, 1]);
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
  assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
});

test('follow: the shared signal stops the device with its reason; an already stopped one too', async () => {
  const shared = new AbortController();
  const stop = new DeviceStop();
  await stop.follow(shared.signal, async () => {
    assert.equal(stop.aborted, false);
    shared.abort('knee_found');
    assert.equal(stop.aborted, true);
    assert.equal(stop.reason(), 'knee_found');
  });
  const late = new DeviceStop();
  await late.follow(shared.signal, async () => assert.equal(late.reason(), 'knee_found'));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
});

test('reason: "interrupted" when the abort reason is not a string', async () => {
  const shared = new AbortController();
  shared.abort(new Error('x'));
  const stop = new DeviceStop();
  await stop.follow(shared.signal, async () => assert.equal(stop.reason(), 'interrupted'));
});

test('a stop ends a pause at once (stop mid-backoff)', { timeout: 10_000 }, async () => {
  const shared = new AbortController();
  const stop = new DeviceStop();
  const r = await stop.follow(shared.signal, async () => {
    const p = stop.pause(LONG);
    setImmediate(() => shared.abort('interrupted'));
    return p;
  });
  assert.equal(r, false);
  assert.equal(await stop.pause(0), false, 'a stopped device does not wait');
});

test('abortable: passes a result through; a stop rejects with Interrupted and leaves no listener', { timeout: 10_000 }, async () => {
  const shared = new AbortController();
  const stop = new DeviceStop();
  await stop.follow(shared.signal, async () => {
    assert.equal(await stop.abortable(Promise.resolve('ok')), 'ok');
    await assert.rejects(stop.abortable(Promise.reject(new Error('boom'))), /boom/);
    const pending = stop.abortable(new Promise<never>(() => undefined));
    setImmediate(() => shared.abort('interrupted'));
    await assert.rejects(pending, Interrupted);
    await assert.rejects(stop.abortable(Promise.reject(new Error('ignored'))), Interrupted);
  });
  assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
});

test('abortable: a stop interrupts at once; what the step still produces goes to dispose, never to the caller', async () => {
  const shared = new AbortController();
  const stop = new DeviceStop();
  const disposed: string[] = [];
  let open!: (v: string) => void;
  await stop.follow(shared.signal, async () => {
    const pending = stop.abortable(new Promise<string>((r) => (open = r)), (late) => disposed.push(late));
    shared.abort('interrupted');
    await assert.rejects(pending, Interrupted);
    assert.equal(disposed.length, 0, 'nothing to dispose before it opens');
    open('conn-1');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(disposed, ['conn-1']);
    // already stopped: the new attempt's result is disposed too
    await assert.rejects(stop.abortable(Promise.resolve('conn-2'), (late) => disposed.push(late)), Interrupted);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(disposed, ['conn-1', 'conn-2']);
  });
  // not stopped: the caller gets the value and nothing is disposed
  const free = new DeviceStop();
  assert.equal(await free.abortable(Promise.resolve('mine'), (late) => disposed.push(late)), 'mine');
  assert.deepEqual(disposed, ['conn-1', 'conn-2']);
});
