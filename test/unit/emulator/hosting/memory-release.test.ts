/**
 * The standalone emulator's memory release: when a trim is due (pure, fake clock), the monitor
 * driving a stand-in trim, and glibc's real malloc_trim through koffi where this machine has both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMallocTrim, releaseDue, startMemoryRelease, RELEASE_POLICY, type MemoryReleaseEvent, type ReleasePolicy } from '../../../../src/emulator/hosting/memory-release.js';
import { formatMemoryRelease } from '../../../../src/cli/emulator-traffic.js';
import { glibcAndKoffi } from '../../../helpers/platform.js';
import { waitUntil } from '../../../helpers/wait.js';

const P: ReleasePolicy = { afterClosed: 100, quietMs: 2_000, idleEveryMs: 60_000, tickMs: 1_000 };

test('releaseDue: only after closes pause; a settled burst at once, a settled trickle after idleEveryMs', () => {
  assert.equal(releaseDue(P, { closedSince: 0, lastCloseAt: 0, lastReleaseAt: 0 }, 1e9), undefined);
  // 150 closed, the last one 1 s ago: still closing, however long since the last trim
  assert.equal(releaseDue(P, { closedSince: 150, lastCloseAt: 9_000, lastReleaseAt: 0 }, 10_000), undefined);
  assert.equal(releaseDue(P, { closedSince: 150, lastCloseAt: 998_001, lastReleaseAt: 0 }, 1_000_000), undefined);
  // quiet for 2 s: the burst has settled
  assert.equal(releaseDue(P, { closedSince: 150, lastCloseAt: 8_000, lastReleaseAt: 5_000 }, 10_000), 'burst');
  assert.equal(releaseDue(P, { closedSince: 100, lastCloseAt: 8_000, lastReleaseAt: 7_000 }, 10_000), 'burst');
  // a trickle (fewer than afterClosed) waits for idleEveryMs since the last trim, and for quiet
  assert.equal(releaseDue(P, { closedSince: 99, lastCloseAt: 0, lastReleaseAt: 0 }, 59_999), undefined);
  assert.equal(releaseDue(P, { closedSince: 99, lastCloseAt: 0, lastReleaseAt: 0 }, 60_000), 'trickle');
  assert.equal(releaseDue(P, { closedSince: 1, lastCloseAt: 58_001, lastReleaseAt: 0 }, 60_000), undefined);
  assert.equal(releaseDue(P, { closedSince: 1, lastCloseAt: 58_000, lastReleaseAt: 0 }, 60_000), 'trickle');
});

test('the default policy: a burst is 100 closes, settled after 2 s without one; a trickle waits a minute', () => {
  assert.deepEqual(RELEASE_POLICY, P);
});

test('startMemoryRelease: trims once per settled burst, reports what closed, and stops', async (t) => {
  let closed = 0;
  const calls: number[] = [];
  const events: MemoryReleaseEvent[] = [];
  const release = startMemoryRelease({
    closedConnections: () => closed,
    trim: (pad) => (calls.push(pad), 1),
    policy: { afterClosed: 10, quietMs: 40, idleEveryMs: 60_000, tickMs: 10 },
    onRelease: (e) => events.push(e),
  });
  t.after(() => release.stop());
  assert.deepEqual(release.status, { active: true, how: 'returned to the OS after connections close (glibc malloc_trim)' });
  closed = 5; // below the burst size: no trim within idleEveryMs
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(calls.length, 0);
  closed = 25;
  await waitUntil(() => events.length === 1, 3000, 'a trim after the burst');
  assert.deepEqual(calls, [0]);
  assert.equal(events[0]!.closed, 25);
  assert.equal(events[0]!.reason, 'burst');
  assert.equal(events[0]!.returned, true);
  assert.ok(events[0]!.rssBefore > 0 && events[0]!.rssAfter > 0);
  // nothing closed since: no second trim
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(release.trims(), 1);
  closed = 40;
  await waitUntil(() => events.length === 2, 3000, 'a trim after the second burst');
  assert.equal(events[1]!.closed, 15);
  release.stop();
  closed = 400;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(release.trims(), 2, 'no trim after stop()');
});

test('startMemoryRelease without a trim function says why and never trims', () => {
  const r = startMemoryRelease({ closedConnections: () => 1_000, trim: 'the C library is not glibc' });
  assert.deepEqual(r.status, { active: false, why: 'the C library is not glibc' });
  assert.equal(r.trims(), 0);
  r.stop();
});

test('loadMallocTrim: off Linux it says why; on glibc with koffi it calls the real malloc_trim', async (t) => {
  const mac = await loadMallocTrim('darwin');
  assert.equal(typeof mac, 'string');
  assert.match(mac as string, /darwin/);
  if (!(await glibcAndKoffi())) {
    t.skip('needs Linux with glibc and the optional koffi package');
    return;
  }
  const trim = await loadMallocTrim();
  assert.equal(typeof trim, 'function', String(trim));
  // free some malloc'd memory first, so the call has something to look at; the answer is 0 or 1
  let bufs: Buffer[] | undefined = Array.from({ length: 2000 }, () => Buffer.allocUnsafeSlow(4096));
  assert.equal(bufs.length, 2000);
  bufs = undefined;
  assert.ok([0, 1].includes((trim as (pad: number) => number)(0)));
});

test('formatMemoryRelease: the --verbose line, in the traffic lines\' columns', () => {
  const MiB = 1048576;
  const at = new Date(2026, 11, 6, 3, 7, 9, 42);
  assert.equal(
    formatMemoryRelease({ reason: 'burst', closed: 3000, rssBefore: 410 * MiB, rssAfter: 152 * MiB, ms: 12.34, returned: true }, at),
    '03:07:09.042  memory     3000 closed (burst): RSS 410 → 152 MiB, 12.3 ms',
  );
  assert.equal(
    formatMemoryRelease({ reason: 'trickle', closed: 1, rssBefore: 90 * MiB, rssAfter: 90 * MiB, ms: 0.5, returned: false }, at),
    '03:07:09.042  memory     1 closed (trickle): RSS 90 MiB, nothing returned, 0.5 ms',
  );
});
