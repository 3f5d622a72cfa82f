/** The provisioning service's named steps: the order the emulator's documented behaviour relies on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PIPELINES } from '../../../../src/emulator/provisioning/service.js';
import { PROVISIONING_APIS } from '../../../../src/protocol/index.js';

const before = (steps: readonly string[], a: string, b: string) => {
  assert.ok(steps.includes(a) && steps.includes(b), `${a} and ${b} are steps`);
  return steps.indexOf(a) < steps.indexOf(b);
};

test('each provisioning API has a pipeline with its own step, once', () => {
  assert.deepEqual(Object.keys(PIPELINES).sort(), [...PROVISIONING_APIS].sort());
  for (const api of PROVISIONING_APIS) {
    const own = api[0]!.toLowerCase() + api.slice(1);
    const steps: readonly string[] = PIPELINES[api];
    assert.equal(steps.filter((s) => s === own).length, 1, `${api} runs ${own}`);
    assert.equal(new Set(steps).size, steps.length, `${api}: no step twice`);
  }
});

test('quota and the disconnect fault come before the latency; decoding before the API; the drop fault after counting the reply', () => {
  for (const api of PROVISIONING_APIS) {
    const steps: readonly string[] = PIPELINES[api];
    const own = api[0]!.toLowerCase() + api.slice(1);
    assert.equal(steps[0], 'count', `${api}: every request is counted`);
    assert.ok(before(steps, 'quota', 'latency'), `${api}: a throttled request is answered at once (429), not after the injected latency`);
    assert.ok(before(steps, 'disconnectFault', 'latency'), api);
    assert.ok(before(steps, 'latency', 'error500Fault'), `${api}: an injected 500 comes after the latency, as a real one would`);
    assert.ok(before(steps, 'decode', own), api);
    assert.ok(before(steps, own, 'countReply') && before(steps, 'countReply', 'dropFault'), `${api}: a dropped reply was still answered and counted`);
    assert.equal(steps.at(-1), 'deliver', api);
  }
});
