/** Generator worker thread entry. The only module that touches parentPort. */
import { parentPort, workerData } from 'node:worker_threads';
import { closeAppClients, loadAppSdk } from '../device/app-claim.js';
import { loadCsrSupport } from '../device/csr-support.js';
import { Generator } from './generator.js';
import { WORKER_PROTOCOL_VERSION, type WorkerCommand, type WorkerEvent, type WorkerPreload } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker-entry must run in a worker thread');
const { worker: workerIndex, preload } = workerData as { worker: number; preload?: WorkerPreload };
let generator: Generator | undefined;

const send = (e: WorkerEvent): void => port.postMessage(e);

// the modules are loaded: load what the flow needs later too, then tell the main thread, which
// sets t=0 once every worker is ready (a failed load is the generator's to report, at its start)
void Promise.all([preload?.appSdk === true ? loadAppSdk() : undefined, preload?.csr === true ? loadCsrSupport() : undefined])
  .catch(() => undefined)
  .then(() => send({ type: 'ready', worker: workerIndex }));

port.on('message', (cmd: WorkerCommand) => {
  switch (cmd.type) {
    case 'start':
      if (cmd.version !== WORKER_PROTOCOL_VERSION) {
        send({ type: 'fatal', worker: workerIndex, message: `protocol version ${cmd.version} != ${WORKER_PROTOCOL_VERSION}` });
        return;
      }
      generator = new Generator(cmd, send);
      generator.run().then(
        () => {
          // the apps' SDK clients (flow.claim trusted-user) keep connections open: close them so the thread ends
          closeAppClients();
          port.close();
        },
        (err: unknown) => send({ type: 'fatal', worker: workerIndex, message: (err as Error)?.stack ?? String(err) }),
      );
      break;
    case 'stop':
      generator?.stop(cmd.reason);
      break;
  }
});
