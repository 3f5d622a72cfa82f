/** Issue 12 item 8: the emulator's per-second stats stay within their window; older seconds are summed, totals kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerStats } from '../../../../src/emulator/provisioning/server-stats.js';

test('a window of seconds: the oldest are summed into perSecondEarlier, totals stay whole', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const stats = new ServerStats(5);
  for (let sec = 0; sec < 12; sec++) {
    stats.count('received{api=RegisterThing}', 2);
    if (sec % 3 === 0) stats.count('connects_accepted');
    t.mock.timers.tick(1000);
  }
  assert.equal(stats.secondsHeld, 5);
  const snap = stats.snapshot();
  assert.deepEqual(Object.keys(snap.perSecond), ['7', '8', '9', '10', '11']);
  assert.deepEqual(snap.perSecondEarlier, { fromSecond: 0, toSecond: 6, seconds: 7, counts: { 'received{api=RegisterThing}': 14, connects_accepted: 3 } });
  assert.equal(snap.totals['received{api=RegisterThing}'], 24);
  assert.equal(snap.summary.apis.RegisterThing?.received, 24);
});

test('without a window (a run\'s embedded emulator) every second is kept', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 5_000 });
  const stats = new ServerStats();
  for (let sec = 0; sec < 50; sec++) {
    stats.count('connect_attempts');
    t.mock.timers.tick(1000);
  }
  const snap = stats.snapshot();
  assert.equal(Object.keys(snap.perSecond).length, 50);
  assert.equal(snap.perSecondEarlier, undefined);
});
