/**
 * Memory per open device connection, for capacity planning (launch bursts keep thousands of claim
 * connections open at once). Prints numbers, asserts nothing; loopback only; bounded.
 *  (a) the emulator's side: the emulator in this process, N MQTT.js claim connections from a child
 *      process; this process's RSS growth per connection;
 *  (b) one fleetsim process as `fleetsim run` has it (the emulator in its worker thread, devices on
 *      the main thread): N raw mTLS connections that send CONNECT, then N MQTT.js clients; RSS
 *      growth per connection, and what MQTT.js adds over the bare TLS socket.
 *
 *   node dist/bench/memory.js [--connections 1000]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import mqtt from 'mqtt';
import { startEmulator } from '../src/emulator/emulator.js';
import { startEmulatorThread, type EmulatorThread } from '../src/emulator/hosting/thread.js';
import { parseTemplateBody } from '../src/emulator/templates/index.js';
import type { ClientResult } from './mqtt-clients.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT_SCRIPT = fileURLToPath(new URL('./mqtt-clients.js', import.meta.url));
const BATCH = 50;

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0 || v > 20_000) throw new Error(`--${name} must be a whole number from 1 to 20000`);
  return v;
}

const kib = (bytes: number, n: number) => `${(bytes / n / 1024).toFixed(1)} KiB`;
const settle = () => new Promise((r) => setTimeout(r, 200));

function emulatorOptions() {
  const body = parseTemplateBody(readFileSync(`${ROOT}scenarios/templates/fleet-prov-test-template.json`, 'utf8'));
  return {
    templates: [{ name: 'fleet-prov-test-template', body, enabled: true }],
    keyAlgorithm: 'ec-p256' as const,
    keyPoolSize: 64,
    tokenTtlMs: 3_600_000,
    quotas: { connectPerAccount: 'unlimited', connectPerClientId: 'unlimited', publishPerConnection: 'unlimited' } as const,
  };
}

/** (a) the emulator's RSS growth while a child process holds `n` claim connections open. */
async function serverSide(n: number): Promise<{ perConnection: number; heapPerConnection: number; connected: number }> {
  const emu = await startEmulator(emulatorOptions());
  try {
    gc();
    await settle();
    const before = process.memoryUsage();
    let peak = before;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peak.rss) peak = m;
    }, 50);
    const result = await new Promise<ClientResult>((resolve, reject) => {
      const child = fork(CLIENT_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('message', (m: ClientResult | { error: string } | { measuring: true }) => {
        if ('measuring' in m) return;
        clearTimeout(timer);
        if ('error' in m) reject(new Error(m.error));
        else resolve(m);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`client process exited with ${code}`));
      });
      child.send({ kind: 'connect', host: '127.0.0.1', port: emu.port, ca: emu.caPem, cert: emu.claim.certificatePem, key: emu.claim.privateKeyPem, clients: n, inFlight: BATCH, warmup: 0, idPrefix: 'mem', timeoutMs: 60_000 });
    });
    clearInterval(sampler);
    return { perConnection: (peak.rss - before.rss) / n, heapPerConnection: (peak.heapUsed - before.heapUsed) / n, connected: result.ok };
  } finally {
    await emu.close();
  }
}

/** A bare mTLS socket that sends CONNECT and waits for CONNACK: the TLS part of a device. */
function rawConnect(emu: EmulatorThread, ctx: tls.SecureContext, clientId: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: emu.port, servername: 'localhost', secureContext: ctx }, () => {
      const id = Buffer.from(clientId);
      s.write(Buffer.concat([Buffer.from([0x10, 12 + id.length, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, id.length]), id]));
    });
    s.once('data', () => resolve(s));
    s.on('data', () => undefined);
    s.once('error', reject);
  });
}

function mqttConnect(emu: EmulatorThread, ctx: tls.SecureContext, clientId: string): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const o: mqtt.IClientOptions & { secureContext: tls.SecureContext } = { protocol: 'mqtts', host: '127.0.0.1', port: emu.port, servername: 'localhost', secureContext: ctx, clientId, reconnectPeriod: 0, keepalive: 60, protocolVersion: 4 };
    const c = mqtt.connect(o);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** RSS growth per connection in this process while `n` connections made by `open` are open. */
async function inProcess<T>(n: number, open: (i: number) => Promise<T>, close: (c: T) => void): Promise<{ perConnection: number; heapPerConnection: number }> {
  gc();
  await settle();
  const before = process.memoryUsage();
  const conns: T[] = [];
  for (let i = 0; i < n; i += BATCH) conns.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => open(i + j)))));
  gc();
  await settle();
  const after = process.memoryUsage();
  for (const c of conns) close(c);
  return { perConnection: (after.rss - before.rss) / n, heapPerConnection: (after.heapUsed - before.heapUsed) / n };
}

type Phase = 'raw' | 'mqtt';

/** One in-process phase, in a fresh process: memory freed by an earlier phase would hide this one's. */
async function runPhase(phase: Phase, n: number): Promise<{ perConnection: number; heapPerConnection: number }> {
  const emu = await startEmulatorThread(emulatorOptions());
  try {
    const ctx = tls.createSecureContext({ ca: emu.caPem, cert: emu.claimCertPem, key: emu.claimKeyPem });
    return phase === 'raw'
      ? await inProcess(n, (i) => rawConnect(emu, ctx, `raw-${i}`), (s) => s.destroy())
      : await inProcess(n, (i) => mqttConnect(emu, ctx, `dev-${i}`), (c) => c.end(true));
  } finally {
    await emu.close();
  }
}

function forkPhase(phase: Phase, n: number): Promise<{ perConnection: number; heapPerConnection: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--phase', phase, '--connections', String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('message', (m: { perConnection: number; heapPerConnection: number }) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`phase ${phase} exited with ${code} before answering`));
    });
  });
}

export async function main(): Promise<void> {
  const n = arg('connections', 1000);
  const pi = process.argv.indexOf('--phase');
  if (pi > 0) {
    process.send?.(await runPhase(process.argv[pi + 1] === 'raw' ? 'raw' : 'mqtt', n));
    return;
  }
  console.log(`fleetsim memory benchmark: node ${process.version}, ${n} open connections per phase, each phase in a fresh process`);
  const a = await serverSide(n);
  console.log(`(a) emulator side, per open claim connection: ${kib(a.perConnection, 1)} RSS (JS heap ${kib(a.heapPerConnection, 1)}); ${a.connected}/${n} connected`);
  const raw = await forkPhase('raw', n);
  const full = await forkPhase('mqtt', n);
  console.log(`(b) one process, emulator thread + devices, per open connection (both ends):`);
  console.log(`    bare mTLS socket + CONNECT:   ${kib(raw.perConnection, 1)} RSS (main-thread JS heap ${kib(raw.heapPerConnection, 1)})`);
  console.log(`    MQTT.js client:               ${kib(full.perConnection, 1)} RSS (main-thread JS heap ${kib(full.heapPerConnection, 1)})`);
  console.log(`    MQTT.js over the bare socket: ${kib(full.perConnection - raw.perConnection, 1)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`bench/memory: ${(e as Error).stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
