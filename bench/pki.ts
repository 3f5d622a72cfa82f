/**
 * PKI micro-benchmark: certificates issued per second (EC P-256 subjects, EC P-256 CA and RSA-2048 CA),
 * the full CreateKeysAndCertificate crypto (EC keygen + PKCS#8 PEM + issue), CSR parse+verify, and RSA-2048
 * key generation, plus an @peculiar/x509 baseline measured under the same load. Each phase is
 * time-bounded; the whole run takes about 10 s.
 *
 *   npx tsc -p . && node dist/bench/pki.js [--seconds 1]
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as x509 from '@peculiar/x509';
import { encodeBitString, encodeExplicit, encodeOid, encodeSequence, encodeSmallInteger } from '../src/emulator/pki/der.js';
import { CertificateAuthority, generateKeyPairFor, generateKeyPairSyncFor, parseCsrSync, formatPem } from '../src/emulator/pki/index.js';
import { encodeName } from '../src/emulator/pki/names.js';

export interface PkiBenchResult {
  name: string;
  perSecond: number;
  microsPerOp: number;
  /** process CPU time (all threads) per op: less sensitive than wall time to other load on the box */
  cpuMicrosPerOp: number;
  ops: number;
}

function summarize(name: string, ops: number, start: number, cpuStart: NodeJS.CpuUsage): PkiBenchResult {
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { name, ops, perSecond: (ops / elapsed) * 1000, microsPerOp: (elapsed / ops) * 1000, cpuMicrosPerOp: (cpu.user + cpu.system) / ops };
}

/** Run `op` repeatedly for `seconds` (at most `maxOps` times). */
function measureSync(name: string, seconds: number, maxOps: number, op: (i: number) => void): PkiBenchResult {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let ops = 0;
  while (ops < maxOps && performance.now() < deadline) op(ops++);
  return summarize(name, ops, start, cpuStart);
}

async function measureAsync(name: string, seconds: number, inFlight: number, op: () => Promise<unknown>): Promise<PkiBenchResult> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let ops = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await op();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return summarize(name, ops, start, cpuStart);
}

/** Build an EC P-256 CSR with node:crypto and the local DER encoder (ECDSA SHA-256, no attributes). */
function buildCsrPem(): string {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const info = encodeSequence(encodeSmallInteger(0), encodeName({ CN: 'bench' }), spki, encodeExplicit(0));
  const signature = crypto.sign('sha256', info, privateKey);
  const csr = encodeSequence(info, encodeSequence(encodeOid('1.2.840.10045.4.3.2')), encodeBitString(signature));
  return formatPem(csr, 'CERTIFICATE REQUEST');
}

/** Baseline under the same load: @peculiar/x509 over WebCrypto, EC P-256 CA, one certificate at a time. */
async function measurePeculiarBaseline(seconds: number): Promise<PkiBenchResult> {
  x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const generate = async (): Promise<crypto.webcrypto.CryptoKeyPair> =>
    (await crypto.webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const caKeys = await generate();
  const subjectKeys = await Promise.all(Array.from({ length: 50 }, generate));
  let i = 0;
  return measureAsync('baseline: @peculiar/x509 issue cert, EC P-256 subject + CA', seconds, 1, () =>
    x509.X509CertificateGenerator.create({
      serialNumber: crypto.randomBytes(16).toString('hex'),
      subject: `CN=device-${i}`,
      issuer: 'CN=bench CA',
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      signingAlgorithm: algorithm,
      publicKey: subjectKeys[i++ % subjectKeys.length]!.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    }),
  );
}

export async function runPkiBench(seconds = 1): Promise<PkiBenchResult[]> {
  const results: PkiBenchResult[] = [];
  const freshKeys = Array.from({ length: 20_000 }, () => generateKeyPairSyncFor('ec-p256'));
  let next = 0;
  const takeKey = (): crypto.KeyObject => freshKeys[next++ % freshKeys.length]!.publicKey;

  for (const keyAlgorithm of ['ec-p256', 'rsa-2048'] as const) {
    const ca = CertificateAuthority.create({ subject: { CN: `bench CA ${keyAlgorithm}` }, keyAlgorithm });
    results.push(
      measureSync(`issue cert, EC P-256 subject, ${keyAlgorithm} CA`, seconds, freshKeys.length, (i) => {
        ca.issue({ publicKey: takeKey(), subject: { CN: `device-${i}` }, usage: 'client' });
      }),
    );
  }
  const ecCa = CertificateAuthority.create({ subject: { CN: 'bench CA' } });
  results.push(
    measureSync('CreateKeysAndCertificate crypto (EC keygen + PEM + issue, EC CA)', seconds, Infinity, (i) => {
      const keys = generateKeyPairSyncFor('ec-p256');
      ecCa.issue({ publicKey: keys.publicKey, subject: { CN: `device-${i}` }, usage: 'client' });
    }),
  );
  results.push(await measurePeculiarBaseline(seconds));
  const csrPem = buildCsrPem();
  results.push(measureSync('parse + verify EC P-256 CSR', seconds, Infinity, () => parseCsrSync(csrPem)));
  results.push(measureSync('RSA-2048 keygen, sync, 1 core', seconds * 1.5, Infinity, () => generateKeyPairSyncFor('rsa-2048')));
  results.push(await measureAsync('RSA-2048 keygen, async, 4 in flight', seconds * 1.5, 4, () => generateKeyPairFor('rsa-2048')));
  return results;
}

function readSecondsArg(argv: string[]): number {
  const at = argv.indexOf('--seconds');
  const value = at >= 0 ? Number(argv[at + 1]) : 1;
  return Number.isFinite(value) && value > 0 ? Math.min(value, 10) : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runPkiBench(readSecondsArg(process.argv));
  for (const r of results) {
    const cpu = `${r.cpuMicrosPerOp.toFixed(1).padStart(9)} µs CPU/op`;
    console.log(`${r.name.padEnd(62)} ${r.perSecond.toFixed(1).padStart(8)}/s ${r.microsPerOp.toFixed(1).padStart(10)} µs/op ${cpu}  (${r.ops} ops)`);
  }
}
