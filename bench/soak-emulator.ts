/**
 * The soak benchmark's server: `fleetsim emulator` (the same startStandaloneEmulator the CLI
 * calls) in a process of its own, forked by bench/soak.ts with --expose-gc. It answers over IPC:
 * - at start: { ready, port, files } (or { error });
 * - { kind: 'measure' }: after two full garbage collections, its RSS, heap and what it holds
 *   (broker connections, registry counts, open tokens, seconds of per-second stats);
 * - { kind: 'stop' }: closes the emulator and exits.
 * Loopback only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { startStandaloneEmulator } from '../src/index.js';
import { RELEASE_POLICY, type MemoryReleaseEvent } from '../src/emulator/hosting/memory-release.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SoakMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** anonymous resident memory (malloc'd and V8 pages), from /proc/self/status; -1 off Linux */
  rssAnon: number;
  /** file-backed resident memory (the node binary, shared libraries); -1 off Linux */
  rssFile: number;
  connections: number;
  things: number;
  certificates: number;
  openTokens: number;
  perSecondEntries: number;
  /** malloc_trim calls so far (fleetsim emulator's memory release) */
  releases: number;
  /** the trims since the last measurement */
  trims: MemoryReleaseEvent[];
}

export type SoakServerMessage =
  | { kind: 'ready'; port: number; caPem: string; claimCertPem: string; claimKeyPem: string; memoryRelease: string }
  | { kind: 'memory'; memory: SoakMemory }
  | { kind: 'error'; message: string };

/** RssAnon and RssFile (bytes) from /proc/self/status, or -1 where there is none. */
function residentSplit(): { rssAnon: number; rssFile: number } {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { rssAnon: -1, rssFile: -1 };
  }
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m === null ? -1 : Number(m[1]) * 1024;
  };
  return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
}

// diagnosis: FLEETSIM_SOAK_HEAPSNAPSHOTS=<folder> writes a heap snapshot after the cycles listed in
// FLEETSIM_SOAK_SNAPSHOT_CYCLES (default 2 and 10), to compare in Chrome DevTools (Memory tab,
// Comparison view). A snapshot itself costs RSS: measure ratios in a run without snapshots.
const SNAPSHOT_DIR = process.env.FLEETSIM_SOAK_HEAPSNAPSHOTS;
const SNAPSHOT_CYCLES = new Set((process.env.FLEETSIM_SOAK_SNAPSHOT_CYCLES ?? '2,10').split(',').map(Number));

const gc = (globalThis as { gc?: () => void }).gc;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-soak-'));
  const trims: MemoryReleaseEvent[] = [];
  const s = await startStandaloneEmulator({
    dir,
    host: '127.0.0.1',
    port: 0,
    templates: [{ name: 'fleet-prov-test-template', file: path.join(ROOT, 'scenarios', 'templates', 'fleet-prov-test-template.json') }],
    releaseMemory: !process.argv.includes('--no-release-memory'),
    onMemoryRelease: (r) => trims.push(r),
  });
  // an idle emulator after a burst: with memory release on, long enough for the burst to count as settled and the trim to run
  const settleMs = s.memoryRelease.active ? RELEASE_POLICY.quietMs + 2 * RELEASE_POLICY.tickMs : 500;
  const e = s.emulator;
  const send = (m: SoakServerMessage) => process.send?.(m);
  process.on('message', (m: { kind: 'measure' | 'stop'; cycle?: number }) => {
    if (m.kind === 'stop') {
      void s.close().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
      return;
    }
    void (async () => {
      // sockets closing on the server side and timers firing: let them, then collect twice
      await settle(settleMs);
      gc?.();
      await settle(100);
      gc?.();
      const mem = process.memoryUsage();
      const split = residentSplit();
      const st = e.stats();
      send({
        kind: 'memory',
        memory: {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          arrayBuffers: mem.arrayBuffers,
          ...split,
          connections: st.broker.connections,
          things: st.registry.things,
          certificates: st.registry.certificates,
          openTokens: st.openTokens,
          perSecondEntries: Object.keys(st.perSecond).length,
          releases: s.memoryReleases(),
          trims: trims.splice(0),
        },
      });
      if (SNAPSHOT_DIR !== undefined && m.cycle !== undefined && SNAPSHOT_CYCLES.has(m.cycle)) {
        v8.writeHeapSnapshot(path.join(SNAPSHOT_DIR, `soak-cycle-${m.cycle}.heapsnapshot`));
      }
    })();
  });
  send({ kind: 'ready', port: e.port, caPem: e.caPem, claimCertPem: e.claim.certificatePem, claimKeyPem: e.claim.privateKeyPem, memoryRelease: s.memoryRelease.active ? `on, ${s.memoryRelease.how}` : s.memoryRelease.why });
}

main().catch((err: unknown) => {
  process.send?.({ kind: 'error', message: (err as Error).message } satisfies SoakServerMessage);
  process.exitCode = 1;
});
