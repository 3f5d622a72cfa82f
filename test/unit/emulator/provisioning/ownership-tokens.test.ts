/** Ownership tokens on a manual clock: single use, bound to the claim certificate, expiring after the TTL. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenStore, type TokenRecord } from '../../../../src/emulator/provisioning/ownership-tokens.js';
import { ManualClock } from '../../../helpers/wait.js';

function store(t: { after(fn: () => void): void }, ttlMs: number) {
  const clock = new ManualClock(1_000_000);
  const expired: TokenRecord[] = [];
  // the sweep timer never fires during a test: sweeps are called by hand
  const tokens = new TokenStore(ttlMs, (r) => expired.push(r), { now: clock.now, sweepEveryMs: 3_600_000 });
  t.after(() => tokens.close());
  return { clock, expired, tokens };
}

test('a token is valid until its TTL has passed on the store clock, then refused as expired', (t) => {
  const { clock, tokens } = store(t, 1000);
  const a = tokens.issue('cert-a', 'claim');
  const b = tokens.issue('cert-b', 'claim');
  clock.advance(999);
  const ok = tokens.consume(a, 'claim');
  assert.equal(ok.ok, true);
  clock.advance(1);
  assert.deepEqual(tokens.consume(b, 'claim'), { ok: false, message: 'Certificate ownership token has expired.' });
});

test('sweeping forgets the expired tokens, tells onExpire about each, and keeps the live ones', (t) => {
  const { clock, expired, tokens } = store(t, 1000);
  tokens.issue('cert-a', 'claim');
  clock.advance(500);
  const b = tokens.issue('cert-b', 'claim');
  tokens.sweep();
  assert.equal(tokens.size, 2, 'nothing has expired yet');
  clock.advance(500);
  tokens.sweep();
  assert.deepEqual(expired.map((r) => r.certificateId), ['cert-a']);
  assert.equal(tokens.size, 1);
  assert.equal(tokens.consume(b, 'claim').ok, true);
  clock.advance(500);
  tokens.sweep();
  assert.deepEqual(expired.map((r) => r.certificateId), ['cert-a', 'cert-b'], 'a consumed token still expires until retired');
});

test('a retired token is never expired; a released one can be consumed again', (t) => {
  const { clock, expired, tokens } = store(t, 1000);
  const a = tokens.issue('cert-a', 'claim');
  const b = tokens.issue('cert-b', 'claim');
  const ca = tokens.consume(a, 'claim');
  assert.ok(ca.ok);
  tokens.retire(ca.record);
  const cb = tokens.consume(b, 'claim');
  assert.ok(cb.ok);
  assert.equal(tokens.consume(b, 'claim').ok, false, 'single use');
  tokens.release(cb.record);
  assert.equal(tokens.consume(b, 'other-claim').ok, false, 'bound to the claim certificate that asked');
  assert.equal(tokens.consume(b, 'claim').ok, true);
  clock.advance(1000);
  tokens.sweep();
  assert.deepEqual(expired.map((r) => r.certificateId), ['cert-b']);
});
