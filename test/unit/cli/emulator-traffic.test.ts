/** The emulator's traffic lines: one per event with --verbose, else a summary of the last 10 s (none when quiet). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTrafficEvent, TrafficSummary } from '../../../src/cli/emulator-traffic.js';

const at = new Date(2026, 11, 5, 9, 5, 7, 42);

test('formatTrafficEvent: client ID, topic, status and latency', () => {
  assert.equal(formatTrafficEvent({ kind: 'connect', clientId: 'dev-1', protocolVersion: 5, accepted: false, throttled: true, reason: 'connectPerAccount quota exceeded' }, at), '09:05:07.042  connect    dev-1  MQTT 5  throttled: connectPerAccount quota exceeded');
  assert.equal(
    formatTrafficEvent({ kind: 'reply', clientId: 'dev-1', topic: '$aws/provisioning-templates/t/provision/json/rejected', api: 'RegisterThing', status: 429, errorCode: 'Throttled', latencyMs: 3.6, outcome: 'sent' }, at),
    '09:05:07.042  reply      dev-1  $aws/provisioning-templates/t/provision/json/rejected  429 Throttled  4 ms',
  );
  assert.match(formatTrafficEvent({ kind: 'reply', clientId: 'd', topic: 'x/accepted', api: 'RegisterThing', status: 200, latencyMs: 1, outcome: 'unsubscribed' }, at), /200  1 ms  \(not sent: the device is not subscribed to it\)$/);
  assert.equal(formatTrafficEvent({ kind: 'subscribe', clientId: 'd', filter: 'a/#', granted: false }, at), '09:05:07.042  subscribe  d  a/#  denied by policy');
});

test('TrafficSummary: counts since the last line; nothing when there was no traffic', () => {
  const s = new TrafficSummary();
  assert.equal(s.take(10, at), undefined);
  s.add({ kind: 'connect', clientId: 'a', protocolVersion: 4, accepted: true, throttled: false });
  s.add({ kind: 'connect', clientId: 'b', protocolVersion: 4, accepted: false, throttled: true, reason: 'rate' });
  for (const status of [200, 200, 429, 403, 500]) {
    s.add({ kind: 'request', clientId: 'a', topic: 't', api: 'RegisterThing' });
    s.add({ kind: 'reply', clientId: 'a', topic: 't/x', api: 'RegisterThing', status, latencyMs: 1, outcome: 'sent' });
  }
  assert.equal(s.take(10, at), '09:05:07  last 10 s: 2 connects (1 refused), 5 requests, 2 accepted, 2 4xx, 1 5xx, 2 throttled');
  assert.equal(s.take(10, at), undefined, 'counts start again');
});
