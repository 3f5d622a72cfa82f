/**
 * Runs the emulator in its own worker thread, so it never shares an event loop with the load
 * generator. Messages: main → thread `stats` | `close`; thread → main `ready` | `stats` | `fatal`.
 */
import { Worker } from 'node:worker_threads';
import type { EmulatorOptions } from './emulator.js';

export type EmulatorThreadOptions = Omit<EmulatorOptions, 'registry'>;

export type EmulatorThreadEvent =
  | { type: 'ready'; host: string; port: number; caPem: string; claimCertPem: string; claimKeyPem: string; claimCertificateId: string }
  | { type: 'stats'; id: number; stats: Record<string, unknown> }
  | { type: 'closed' }
  | { type: 'fatal'; message: string };

export type EmulatorThreadCommand = { type: 'stats'; id: number } | { type: 'close' };

export interface EmulatorThread {
  host: string;
  port: number;
  caPem: string;
  claimCertPem: string;
  claimKeyPem: string;
  stats(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export function startEmulatorThread(opts: EmulatorThreadOptions): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: opts });
  let nextId = 1;
  const pending = new Map<number, (s: Record<string, unknown>) => void>();
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
            stats: () =>
              new Promise((res) => {
                const id = nextId++;
                pending.set(id, res);
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
          if (!ready) reject(new Error(e.message));
          break;
        case 'closed':
          break;
      }
    });
  });
}
