/**
 * Emulator benchmark (issue 3): prints numbers, asserts nothing; loopback only; every phase bounded.
 *  (a) EC P-256 device certificates issued per second by the emulator's CA (in-process);
 *  (b) CreateKeysAndCertificate round trips per second over MQTT (claim connections in a child process);
 *  (c) mutual-TLS CONNECT→CONNACK per second with MQTT.js (client in a child process, shared
 *      SecureContext, EC certificates): the emulator as it runs (no TLS session tickets), the
 *      emulator with tickets on (as Mosquitto runs by default), and Mosquitto, measured the same way
 *      in the same run, alternating; rates, broker CPU per connect, and the ratios to Mosquitto.
 *
 *   node dist/bench/emulator.js [--seconds 3] [--clients 1000] [--in-flight 50] [--runs 3] [--warmup 500] [--connections 4]
 *                               [--phases abc] [--no-mosquitto]
 * Profile the broker: node --cpu-prof dist/bench/emulator.js --phases c --no-mosquitto
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator, type Emulator } from '../src/emulator/emulator.js';
import { CertificateAuthority, generateKeyPairSyncFor } from '../src/emulator/pki/index.js';
import { parseTemplateBody } from '../src/emulator/templates/index.js';
import { findMosquitto, mosquittoVersion, startMosquitto } from './mosquitto.js';
import type { ClientJob, ClientResult, Tls } from './mqtt-clients.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT_SCRIPT = fileURLToPath(new URL('./mqtt-clients.js', import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a number > 0`);
  return v;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

/** (a) certificates per second; with a fixed subject key, and with a fresh key each (CreateKeysAndCertificate's crypto). */
function measureIssue(seconds: number): { fixedKey: number; freshKey: number } {
  const ca = CertificateAuthority.create({ subject: { CN: 'bench CA' }, keyAlgorithm: 'ec-p256' });
  const keys = generateKeyPairSyncFor('ec-p256');
  const loop = (op: () => void) => {
    for (let i = 0; i < 200; i++) op(); // warm-up
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let n = 0;
    while (performance.now() < deadline && n < 1_000_000) {
      op();
      n++;
    }
    return (n / (performance.now() - start)) * 1000;
  };
  const issue = (publicKey = keys.publicKey) => ca.issue({ publicKey, subject: { CN: 'AWS IoT Certificate' }, usage: 'client', validityDays: 3650 });
  return { fixedKey: loop(() => issue()), freshKey: loop(() => issue(generateKeyPairSyncFor('ec-p256').publicKey)) };
}

/** Run one job in a fresh client process; `onMeasuring` when its measured part starts. */
function runClients(job: ClientJob, onMeasuring?: () => void): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CLIENT_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('message', (m: ClientResult | { error: string } | { measuring: true }) => {
      if ('measuring' in m) onMeasuring?.();
      else if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`client process exited with ${code} before answering`));
    });
    child.send(job);
  });
}

async function startBenchEmulator(tlsSessionResumption = false): Promise<Emulator> {
  const body = parseTemplateBody(readFileSync(`${ROOT}scenarios/templates/fleet-prov-test-template.json`, 'utf8'));
  // AWS's connect and publish quotas would cap the numbers at 500/s and 100/s per connection
  return startEmulator({
    templates: [{ name: 'fleet-prov-test-template', body, enabled: true }],
    keyAlgorithm: 'ec-p256',
    keyPoolSize: 64,
    tokenTtlMs: 3_600_000,
    quotas: { connectPerAccount: 'unlimited', connectPerClientId: 'unlimited', publishPerConnection: 'unlimited' },
    tlsSessionResumption,
  });
}

function emulatorTls(emu: Emulator): Tls {
  return { host: '127.0.0.1', port: emu.port, ca: emu.caPem, cert: emu.claim.certificatePem, key: emu.claim.privateKeyPem };
}

/** Credentials for Mosquitto: an EC P-256 CA, a server certificate for localhost/127.0.0.1, a client certificate. */
function mosquittoCredentials() {
  const ca = CertificateAuthority.create({ subject: { CN: 'bench mosquitto CA' }, keyAlgorithm: 'ec-p256' });
  const server = generateKeyPairSyncFor('ec-p256');
  const client = generateKeyPairSyncFor('ec-p256');
  return {
    server: { ca: ca.certificatePem, cert: ca.issue({ publicKey: server.publicKey, subject: { CN: 'localhost' }, usage: 'server' }).certificatePem, key: server.privateKeyPem },
    client: { ca: ca.certificatePem, cert: ca.issue({ publicKey: client.publicKey, subject: { CN: 'bench client' }, usage: 'client' }).certificatePem, key: client.privateKeyPem },
  };
}

interface ConnectRun {
  result: ClientResult;
  /** broker CPU use during the run, in % of one core */
  brokerCpu: number;
}

interface ConnectShape {
  clients: number;
  inFlight: number;
  warmup: number;
}

/** Broker CPU is sampled from when the client process says its warm-up is over (see mqtt-clients.ts). */
async function measureEmulatorConnects(emu: Emulator, shape: ConnectShape, run: number): Promise<ConnectRun> {
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const result = await runClients({ kind: 'connect', ...emulatorTls(emu), ...shape, idPrefix: `emu-${run}`, timeoutMs: 30_000 }, () => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  });
  const cpu = process.cpuUsage(cpu0);
  return { result, brokerCpu: ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100 };
}

async function measureMosquittoConnects(bin: string, creds: ReturnType<typeof mosquittoCredentials>, shape: ConnectShape, run: number): Promise<ConnectRun> {
  const broker = await startMosquitto(bin, creds.server);
  try {
    let cpu0 = broker.cpuSeconds();
    let t0 = performance.now();
    const job: ClientJob = { kind: 'connect', host: '127.0.0.1', port: broker.port, ...creds.client, ...shape, idPrefix: `mosq-${run}`, timeoutMs: 30_000 };
    const result = await runClients(job, () => {
      cpu0 = broker.cpuSeconds();
      t0 = performance.now();
    });
    return { result, brokerCpu: ((broker.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000)) * 100 };
  } finally {
    await broker.stop();
  }
}

function describeConnect(r: ConnectRun): string {
  const x = r.result;
  const failed = x.failed > 0 ? `, ${x.failed} FAILED (${x.firstError ?? ''})` : '';
  const cpuPerConnect = (r.brokerCpu / 100 / x.perSecond) * 1000;
  return `${fmt(x.perSecond).padStart(5)}/s  CONNACK p50 ${fmt(x.p50Ms)} ms, p99 ${fmt(x.p99Ms)} ms, broker CPU ${fmt(r.brokerCpu)}% (${fmt(cpuPerConnect, 2)} ms per connect)${failed}`;
}

export async function main(): Promise<void> {
  const seconds = arg('seconds', 3);
  const clients = arg('clients', 1000);
  const inFlight = arg('in-flight', 50);
  const runs = arg('runs', 3);
  const pw = process.argv.indexOf('--warmup');
  const warmup = pw > 0 ? Number(process.argv[pw + 1]) : 500;
  const connections = arg('connections', 4);
  const pi = process.argv.indexOf('--phases');
  const phases = pi > 0 ? (process.argv[pi + 1] ?? '') : 'abc';
  console.log(`fleetsim emulator benchmark: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  if (phases.includes('a')) {
    const issue = measureIssue(seconds);
    console.log(`(a) certificates issued by the emulator CA (EC P-256, in-process): ${fmt(issue.fixedKey)}/s (${fmt(1e6 / issue.fixedKey)} µs each)`);
    console.log(`    with a fresh EC P-256 key each (CreateKeysAndCertificate's crypto):  ${fmt(issue.freshKey)}/s`);
  }

  const emu = await startBenchEmulator();
  try {
    if (phases.includes('b')) {
      const ck = await runClients({ kind: 'create-keys', ...emulatorTls(emu), connections, seconds, idPrefix: 'ck' });
      const failed = ck.failed > 0 ? `, ${ck.failed} failed (${ck.firstError ?? ''})` : '';
      console.log(
        `(b) CreateKeysAndCertificate round trips over MQTT (${connections} claim connections, sequential, EC keys): ${fmt(ck.perSecond)}/s, p50 ${fmt(ck.p50Ms, 1)} ms, p99 ${fmt(ck.p99Ms, 1)} ms${failed}`,
      );
    }
    if (!phases.includes('c')) return;
    const bin = process.argv.includes('--no-mosquitto') ? undefined : findMosquitto();
    const creds = mosquittoCredentials();
    const shape: ConnectShape = { clients, inFlight, warmup };
    console.log(
      `(c) mTLS CONNECT→CONNACK, MQTT.js in a child process, ${clients} clients (after ${warmup} warm-up), ${inFlight} in flight, shared SecureContext, EC P-256:`,
    );
    if (bin === undefined) console.log('    mosquitto not installed (apt-get install -y mosquitto) or --no-mosquitto: measuring the emulator only');
    else console.log(`    mosquitto ${mosquittoVersion(bin)} (${bin}), require_certificate true, same client code`);
    // the emulator twice: as it runs (no TLS resumption: every connect a full handshake) and with
    // tickets on, which is what Mosquitto does by default (its clients could resume; these never do)
    const emuTickets = await startBenchEmulator(true);
    const contenders: { label: string; measure: (run: number) => Promise<ConnectRun> }[] = [
      { label: 'emulator          ', measure: (run) => measureEmulatorConnects(emu, shape, run) },
      { label: 'emulator, tickets ', measure: (run) => measureEmulatorConnects(emuTickets, shape, run) },
    ];
    if (bin !== undefined) contenders.push({ label: 'mosquitto         ', measure: (run) => measureMosquittoConnects(bin, creds, shape, run) });
    const results = new Map<string, ConnectRun[]>(contenders.map((c) => [c.label, []]));
    try {
      for (let run = 1; run <= runs; run++) {
        for (const c of contenders) {
          const r = await c.measure(run);
          results.get(c.label)!.push(r);
          console.log(`    run ${run} ${c.label} ${describeConnect(r)}`);
        }
      }
    } finally {
      await emuTickets.close();
    }
    const summary = [...results].map(([label, rs]) => ({
      label: label.trim(),
      rate: median(rs.map((r) => r.result.perSecond)),
      cpuMs: median(rs.map((r) => (r.brokerCpu / 100 / r.result.perSecond) * 1000)),
    }));
    console.log(`    median of ${runs}: ${summary.map((x) => `${x.label} ${fmt(x.rate)}/s (${fmt(x.cpuMs, 2)} ms CPU per connect)`).join(', ')}`);
    const mosq = summary.find((x) => x.label === 'mosquitto');
    if (mosq !== undefined) {
      for (const x of summary.filter((y) => y !== mosq)) {
        console.log(`    ratio ${x.label}/mosquitto: rate ${fmt(x.rate / mosq.rate, 2)} (goal ≥ 1.00), CPU per connect ${fmt(x.cpuMs / mosq.cpuMs, 2)} (lower is cheaper)`);
      }
    }
  } finally {
    await emu.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(`bench/emulator: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  });
}
