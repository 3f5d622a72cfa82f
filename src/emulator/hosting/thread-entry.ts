/** Emulator worker thread entry (see thread.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmulator } from '../emulator.js';
import type { EmulatorThreadCommand, EmulatorThreadEvent, EmulatorThreadOptions } from './thread.js';

const port = parentPort;
if (port === null) throw new Error('thread-entry must run in a worker thread');
const send = (e: EmulatorThreadEvent) => port.postMessage(e);

startEmulator(workerData as EmulatorThreadOptions).then(
  (emu) => {
    send({
      type: 'ready',
      host: emu.host,
      port: emu.port,
      caPem: emu.caPem,
      claimCertPem: emu.claim.certificatePem,
      claimKeyPem: emu.claim.privateKeyPem,
      claimCertificateId: emu.claim.certificateId,
      ...(emu.controlPlaneUrl === undefined ? {} : { controlPlaneUrl: emu.controlPlaneUrl }),
    });
    port.on('message', (cmd: EmulatorThreadCommand) => {
      if (cmd.type === 'stats') send({ type: 'stats', id: cmd.id, stats: emu.stats() });
      else if (cmd.type === 'close') {
        void emu.close().then(() => {
          send({ type: 'closed' });
          port.close();
        });
      }
    });
  },
  (err: unknown) => {
    const e = err as { message?: string; code?: unknown; exitCategory?: unknown };
    send({
      type: 'fatal',
      message: e?.message ?? String(err),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      badInput: e?.exitCategory === 'badInput',
    });
    port.close();
  },
);
