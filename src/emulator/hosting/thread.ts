/**
 * Runs the emulator in its own worker thread, so it never shares an event loop with the load
 * generator. Messages: main → thread `stats` | `close`; thread → main `ready` | `stats` | `fatal`.
 */
import { Worker } from 'node:worker_threads';
import type { EmulatorOptions } from '../emulator.js';
import { FleetsimError } from '../../util/errors.js';
import type { EmulatorStats } from '../../protocol/emulator-stats.js';

export type EmulatorThreadOptions = Omit<EmulatorOptions, 'registry' | 'now'>;

export type EmulatorThreadEvent =
  | { type: 'ready'; host: string; port: number; caPem: string; claimCertPem: string; claimKeyPem: string; claimCertificateId: string; controlPlaneUrl?: string }
  | { type: 'stats'; id: number; stats: EmulatorStats }
  | { type: 'closed' }
  | { type: 'fatal'; message: string; code?: string; badInput?: boolean };

export type EmulatorThreadCommand = { type: 'stats'; id: number } | { type: 'close' };

export interface EmulatorThread {
  host: string;
  port: number;
  caPem: string;
  claimCertPem: string;
  claimKeyPem: string;
  controlPlaneUrl?: string;
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

export function startEmulatorThread(opts: EmulatorThreadOptions): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: opts });
  let nextId = 1;
  const pending = new Map<number, (s: EmulatorStats) => void>();
  return new Promise((resolve, reject) => {
    let ready = false;
    worker.on('error', (err) => {
      if (!ready) reject(err);
    });
    worker.on('exit', (code) => {
      if (!ready) reject(new Error(`emulator thread exited with code ${code} before it was ready`));
    });
    worker.on('message', (e: EmulatorThreadEvent) => {
      switch (e.type) {
        case 'ready':
          ready = true;
          resolve({
            host: e.host,
            port: e.port,
            caPem: e.caPem,
            claimCertPem: e.claimCertPem,
            claimKeyPem: e.claimKeyPem,
            ...(e.controlPlaneUrl === undefined ? {} : { controlPlaneUrl: e.controlPlaneUrl }),
            stats: () =>
              new Promise((res, rej) => {
                const id = nextId++;
                // a stuck emulator thread must not hang the end of a run
                const timer = setTimeout(() => {
                  pending.delete(id);
                  rej(new Error('the emulator thread did not answer a stats request within 3 s'));
                }, 3000);
                pending.set(id, (s) => {
                  clearTimeout(timer);
                  res(s);
                });
                worker.postMessage({ type: 'stats', id } satisfies EmulatorThreadCommand);
              }),
            close: () =>
              new Promise<void>((res) => {
                const t = setTimeout(() => void worker.terminate().then(() => res()), 5000);
                worker.once('exit', () => {
                  clearTimeout(t);
                  res();
                });
                worker.postMessage({ type: 'close' } satisfies EmulatorThreadCommand);
              }),
          });
          break;
        case 'stats':
          pending.get(e.id)?.(e.stats);
          pending.delete(e.id);
          break;
        case 'fatal':
          // a bad hook module or setting stays bad input (exit 2) across the thread boundary
          if (!ready) reject(new FleetsimError(e.code ?? 'EMULATOR_FATAL', e.message, { exitCategory: e.badInput === true ? 'badInput' : 'runFailed' }));
          break;
        case 'closed':
          break;
      }
    });
  });
}
