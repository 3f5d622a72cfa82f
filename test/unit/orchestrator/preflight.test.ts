import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCapacity } from '../../../src/orchestrator/preflight.js';

const limits = { openFiles: 20_000, ephemeralPorts: 28_232, tcpTwReuse: 2 };

test('a plan that fits passes', () => {
  const v = checkCapacity({ concurrentDevices: 5000, embeddedEmulator: true, totalConnections: 20_000 }, limits);
  assert.deepEqual(v, { problems: [], warnings: [] });
});

test('too many sockets for the open-file limit: says what to change', () => {
  const v = checkCapacity({ concurrentDevices: 12_000, embeddedEmulator: true, totalConnections: 24_000 }, limits);
  assert.equal(v.problems.length, 1);
  assert.match(v.problems[0] ?? '', /12000 devices in flight need about 24256 open files/);
  assert.match(v.problems[0] ?? '', /to 9872 or less/);
  assert.match(v.problems[0] ?? '', /fleetsim emulator/);
  assert.match(v.problems[0] ?? '', /--shard/);
  // without the embedded emulator the same plan fits
  assert.equal(checkCapacity({ concurrentDevices: 12_000, embeddedEmulator: false, totalConnections: 24_000 }, limits).problems.length, 0);
});

test('more concurrent connections than local ports is a problem; TIME_WAIT pressure a warning', () => {
  const big = { openFiles: 1_000_000, ephemeralPorts: 28_232, tcpTwReuse: 0 };
  assert.match(checkCapacity({ concurrentDevices: 27_000, embeddedEmulator: false, totalConnections: 27_000 }, big).problems[0] ?? '', /local ports/);
  const w = checkCapacity({ concurrentDevices: 100, embeddedEmulator: false, totalConnections: 40_000 }, big);
  assert.equal(w.problems.length, 0);
  assert.match(w.warnings[0] ?? '', /TIME_WAIT/);
});

test('unknown limits (not Linux) skip the checks', () => {
  assert.deepEqual(checkCapacity({ concurrentDevices: 1e6, embeddedEmulator: true, totalConnections: 2e6 }, {}), { problems: [], warnings: [] });
});

test('a low open-file limit: says what it allows and how to raise it, never "lower the concurrency to 1 or less"', () => {
  const plan = { concurrentDevices: 50, embeddedEmulator: true, totalConnections: 400 };
  const low = checkCapacity(plan, { openFiles: 256, openFilesHard: 1_048_576 }).problems[0] ?? '';
  assert.match(low, /may open 256 \(ulimit -n\): it leaves no room for devices/);
  assert.match(low, /`ulimit -n 1024` \(the hard limit is 1048576\)/);
  assert.doesNotMatch(low, /lower the concurrency/i);
  assert.doesNotMatch(low, /to [01] or less/);
  // a limit with some room: what it allows, and both ways out
  const some = checkCapacity(plan, { openFiles: 300 }).problems[0] ?? '';
  assert.match(some, /it allows about 22 devices in flight/);
  assert.match(some, /`ulimit -n 1024`/);
  assert.match(some, /lower the concurrency\/maxInFlight to 22 or less/);
  // the hard limit is too low as well: say how to raise that
  const hard = checkCapacity(plan, { openFiles: 256, openFilesHard: 300 }).problems[0] ?? '';
  assert.match(hard, /the hard limit is 300, so `ulimit -n 300` is as far as the shell can go; raise the hard limit first/);
});
