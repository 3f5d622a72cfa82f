/**
 * The physical limit of the provisioning flow on this machine: bare node:tls mutual-TLS handshakes
 * per second, with the same kind of keys as the flow (EC P-256), for both of the flow's
 * handshakes: the claim certificate (one shared SecureContext) and an issued certificate (a new
 * context per device). The server runs in its own thread, as the embedded emulator does.
 */
import { createSecureContext, connect, createServer, type SecureContext } from 'node:tls';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { generateKeyPairSync } from 'node:crypto';
import { CertificateAuthority } from '../src/emulator/pki/index.js';

interface Creds {
  caPem: string;
  serverCert: string;
  serverKey: string;
}

function pem(k: import('node:crypto').KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function serveInThread(creds: Creds): Promise<{ port: number; stop: () => Promise<void> }> {
  const w = new Worker(new URL(import.meta.url), { workerData: creds });
  return new Promise((resolve) => {
    w.once('message', (port: number) => resolve({ port, stop: () => w.terminate().then(() => undefined) }));
  });
}

if (!isMainThread) {
  const c = workerData as Creds;
  const server = createServer({ key: c.serverKey, cert: c.serverCert, ca: c.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    s.on('error', () => undefined);
    s.end('x'); // written after the server verified the client certificate
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1', () => parentPort?.postMessage((server.address() as { port: number }).port));
}

/** Handshakes per second for `seconds`, `concurrency` at a time. */
async function measure(port: number, makeContext: () => SecureContext, seconds: number, concurrency: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: makeContext() });
      s.once('data', () => {
        done++;
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  return done / ((Date.now() - t0) / 1000);
}

export interface TlsLimit {
  claimPerSec: number;
  issuedPerSec: number;
  /** devices/s if the machine did nothing but the flow's two handshakes */
  flowLimitPerSec: number;
}

export async function measureTlsLimit(seconds = 3, concurrency = 32): Promise<TlsLimit> {
  const ca = CertificateAuthority.create({ subject: { CN: 'bench CA' } });
  const sk = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = ca.issue({ publicKey: sk.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
  const srv = await serveInThread({ caPem: ca.certificatePem, serverCert: server.certificatePem, serverKey: pem(sk.privateKey) });
  try {
    const ck = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claim = ca.issue({ publicKey: ck.publicKey, subject: { CN: 'claim' }, usage: 'client' });
    const shared = createSecureContext({ cert: claim.certificatePem, key: pem(ck.privateKey), ca: ca.certificatePem });
    const claimPerSec = await measure(srv.port, () => shared, seconds, concurrency);
    // a fresh key, certificate and context per handshake costs more than the flow's own
    // (its key comes from the emulator), so pre-issue a pool and build a context per connection
    const pool = Array.from({ length: 256 }, () => {
      const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { cert: ca.issue({ publicKey: k.publicKey, subject: { CN: 'device' }, usage: 'client' }).certificatePem, key: pem(k.privateKey) };
    });
    let i = 0;
    const issuedPerSec = await measure(
      srv.port,
      () => {
        const c = pool[i++ % pool.length] as { cert: string; key: string };
        return createSecureContext({ cert: c.cert, key: c.key, ca: ca.certificatePem });
      },
      seconds,
      concurrency,
    );
    return { claimPerSec, issuedPerSec, flowLimitPerSec: 1 / (1 / claimPerSec + 1 / issuedPerSec) };
  } finally {
    await srv.stop();
  }
}
