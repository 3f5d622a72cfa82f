/**
 * The soak's control (diagnosis, not part of `npm run bench`): a bare Node mutual-TLS server, no
 * broker and no emulator, in a process of its own, through the soak's connection cycles (K
 * handshakes, 50 at a time, a few bytes each way, all held open, then closed half with end() and
 * half by destroy()). Its RSS after each cycle shows what Node and OpenSSL themselves leave
 * resident. Loopback only; every loop bounded.
 *
 *   node dist/bench/soak-tls-control.js [connections 3000] [cycles 10]
 */
import { fork } from 'node:child_process';
import { constants } from 'node:crypto';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { CertificateAuthority, generateKeyPairSyncFor } from '../src/emulator/pki/index.js';

interface Ready {
  port: number;
  ca: string;
  cert: string;
  key: string;
}
interface Memory {
  rss: number;
  heap: number;
}

const connections = Math.min(20_000, Math.max(1, Number(process.argv[2] ?? 3000) || 3000));
const cycles = Math.min(1000, Math.max(2, Number(process.argv[3] ?? 10) || 10));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

function serve(): void {
  const ca = CertificateAuthority.create({ subject: { CN: 'control CA' }, keyAlgorithm: 'ec-p256' });
  const serverKeys = generateKeyPairSyncFor('ec-p256');
  const serverCert = ca.issue({ publicKey: serverKeys.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
  const clientKeys = generateKeyPairSyncFor('ec-p256');
  const clientCert = ca.issue({ publicKey: clientKeys.publicKey, subject: { CN: 'claim' }, usage: 'client', validityDays: 3650 });
  // the broker's TLS settings (src/emulator/broker/tls-server.ts)
  const server = tls.createServer({
    key: serverKeys.privateKeyPem,
    cert: serverCert.certificatePem,
    ca: [ca.certificatePem],
    minVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TICKET,
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['x-amzn-mqtt-ca', 'mqtt'],
  });
  server.on('secureConnection', (s) => {
    s.getSession();
    s.on('data', () => s.write(Buffer.from([0x20, 2, 0, 0])));
    s.on('error', () => undefined);
    s.on('end', () => s.end());
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: string) => {
    if (m === 'stop') process.exit(0);
    void (async () => {
      await settle(500);
      gc?.();
      await settle(100);
      gc?.();
      const u = process.memoryUsage();
      process.send?.({ rss: u.rss, heap: u.heapUsed } satisfies Memory);
    })();
  });
  server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    process.send?.({ port, ca: ca.certificatePem, cert: clientCert.certificatePem, key: clientKeys.privateKeyPem } satisfies Ready);
  });
}

async function drive(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--expose-gc'] });
  const next = <T>() => new Promise<T>((r) => child.once('message', (m) => r(m as T)));
  const ep = await next<Ready>();
  const ctx = tls.createSecureContext({ ca: ep.ca, cert: ep.cert, key: ep.key });
  console.log(`soak control: ${cycles} cycles of ${connections} mutual-TLS connections against a bare Node TLS server (pid ${child.pid})`);
  console.log('cycle   RSS MiB  heap MiB');
  try {
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const open: tls.TLSSocket[] = [];
      let started = 0;
      const lane = async () => {
        while (started < connections) {
          started++;
          await new Promise<void>((resolve) => {
            const s = tls.connect({ host: '127.0.0.1', port: ep.port, servername: 'localhost', secureContext: ctx, ALPNProtocols: ['x-amzn-mqtt-ca'] }, () => {
              s.write(Buffer.alloc(40, 1));
              s.once('data', () => {
                open.push(s);
                resolve();
              });
            });
            s.on('error', () => resolve());
          });
        }
      };
      await Promise.all(Array.from({ length: 50 }, lane));
      await Promise.all(
        open.map(
          (s, i) =>
            new Promise((resolve) => {
              s.once('close', resolve);
              if (i % 2 === 0) s.end();
              else s.destroy();
            }),
        ),
      );
      child.send('measure');
      const m = await next<Memory>();
      console.log(`${String(cycle).padStart(5)}  ${mb(m.rss).padStart(8)}  ${mb(m.heap).padStart(8)}`);
    }
  } finally {
    child.send('stop');
  }
}

if (process.argv.includes('--serve')) serve();
else
  drive().catch((err: unknown) => {
    console.error(`soak control: ${(err as Error).message}`);
    process.exitCode = 1;
  });
