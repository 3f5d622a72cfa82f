/**
 * A standalone emulator (as `fleetsim emulator` starts it) counts the connections that close,
 * failed TLS handshakes included, and trims once a burst of closes settles: real mTLS clients on
 * loopback, glibc's real malloc_trim where this machine has glibc and koffi.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import { startStandaloneEmulator } from '../../../src/emulator/hosting/standalone.js';
import { loadMallocTrim, type MemoryReleaseEvent } from '../../../src/emulator/hosting/memory-release.js';
import { REPO_ROOT, TEMPLATE_NAME } from '../../helpers/emulator.js';
import { waitUntil } from '../../helpers/wait.js';

const TEMPLATES = [{ name: TEMPLATE_NAME, file: path.join(REPO_ROOT, 'scenarios', 'templates', `${TEMPLATE_NAME}.json`) }];

test('standalone emulator: closes are counted (failed handshakes too) and a settled burst is trimmed', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-memrel-'));
  const real = await loadMallocTrim();
  let calls = 0;
  const events: MemoryReleaseEvent[] = [];
  const s = await startStandaloneEmulator({
    dir,
    host: '127.0.0.1',
    port: 0,
    templates: TEMPLATES,
    mallocTrim: (pad) => (calls++, typeof real === 'function' ? real(pad) : 0),
    memoryReleasePolicy: { afterClosed: 10, quietMs: 100, idleEveryMs: 60_000, tickMs: 20 },
    onMemoryRelease: (e) => events.push(e),
  });
  // after hooks run in order: close (it saves the state file) before the folder goes
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(s.memoryRelease.active, true);
  const e = s.emulator;
  const before = e.closedConnections();

  // 11 devices connect over mTLS and leave (half politely, half by dropping the socket)
  for (let i = 0; i < 11; i++) {
    const c = await mqtt.connectAsync({
      protocol: 'mqtts', host: '127.0.0.1', port: e.port, servername: 'localhost',
      ca: e.caPem, cert: e.claim.certificatePem, key: e.claim.privateKeyPem,
      clientId: `memrel-${i}`, reconnectPeriod: 0, connectTimeout: 5000,
    });
    if (i % 2 === 0) await c.endAsync();
    else await c.endAsync(true);
  }
  // and one without a client certificate: the handshake fails, the connection still counts
  await new Promise<void>((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port: e.port, servername: 'localhost', ca: e.caPem, ALPNProtocols: ['mqtt'] });
    sock.on('error', () => resolve());
    sock.on('close', () => resolve());
  });
  await waitUntil(() => e.closedConnections() - before >= 12, 5000, '12 closed connections counted', 20);
  await waitUntil(() => events.length >= 1, 5000, 'a trim after the burst settled', 20);
  assert.equal(calls, s.memoryReleases());
  assert.ok(events.reduce((n, ev) => n + ev.closed, 0) >= 10, JSON.stringify(events));
  for (const ev of events) assert.ok(ev.rssBefore > 0 && ev.rssAfter > 0 && ev.ms >= 0);
});

test('standalone emulator: releaseMemory false leaves memory to the allocator and says so', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-memrel-'));
  const s = await startStandaloneEmulator({ dir, host: '127.0.0.1', port: 0, templates: TEMPLATES, releaseMemory: false });
  // after hooks run in order: close (it saves the state file) before the folder goes
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.deepEqual(s.memoryRelease, { active: false, why: 'kept by the allocator (--no-release-memory)' });
  assert.equal(s.memoryReleases(), 0);
});
