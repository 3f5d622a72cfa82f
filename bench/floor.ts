/**
 * The comparison that matters to a user: fleetsim's generator beside the floor (a bare client that
 * only does the flow's two mutual-TLS handshakes) and beside the same flow written on AWS's device
 * SDK (aws-iot-device-sdk-v2, aws-crt), in one run, in alternating rounds, against ONE emulator
 * in its own process (so each contender's process is measured alone). Prints numbers; asserts
 * nothing; loopback only; every phase bounded.
 *
 *   (a) floor: claim handshake on one shared SecureContext, then the issued-certificate handshake on
 *       a fresh context per device (certificates issued by the emulator's CA, keys in the format
 *       CreateKeysAndCertificate returns); CPU ms per device
 *   (b) fleetsim (runScenario, target aws at the emulator, --workers 1 unless --workers): CPU ms per
 *       device in steady state; start-up (CPU above steady state, and wall time to the run's t=0)
 *   (c) the same flow on aws-iot-device-sdk-v2 (MQTT 3.1.1, IotIdentityClient), one process
 *   (d) devices per second for each; ratios fleetsim/floor and fleetsim/SDK
 *
 * Steady state: from when 20% of a round's devices are done to when the last one is (fleetsim: the
 * run's one-second progress ticks inside that span). Each contender runs in a fresh process, so a
 * round also shows its start-up cost. The machine may be shared: compare ratios within one run.
 *
 *   node dist/bench/floor.js [--rounds 3] [--devices 1000] [--sdk-devices 400] [--concurrency 50]
 *                            [--workers 1] [--only floor,fleetsim,sdk] [--scaling] [--baseline <dist>]
 * --baseline <dist>: also run another build of fleetsim (its compiled dist folder, e.g. main's), in
 *   the same alternating rounds, for a before/after that the machine's load cannot skew.
 *   FLEETSIM_BENCH_PROF=<dir> writes a V8 CPU profile of each contender process (and its threads) to <dir>;
 *   FLEETSIM_BENCH_NODE_FLAGS='--trace-deopt ...' passes node/V8 flags to each contender process.
 * --scaling: fleetsim only, --workers 1 and 2 alternating (docs/benchmarks-perf.md).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { iotidentity } from 'aws-iot-device-sdk-v2';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const TEMPLATE = 'fleet-prov-test-template';
const STEADY_FROM = 0.2;

interface EmulatorInfo {
  port: number;
  caPem: string;
  claimCertPem: string;
  claimKeyPem: string;
  /** issued-certificate credentials for the floor (the emulator's CA, CreateKeysAndCertificate's key format) */
  issued: Array<{ cert: string; key: string }>;
}

type Contender = 'floor' | 'floor-close' | 'fleetsim' | 'sdk';

interface Job {
  contender: Contender;
  emulator: EmulatorInfo;
  devices: number;
  concurrency: number;
  workers: number;
  /** unique per round: client ids and serials */
  tag: string;
  /** fleetsim: another build's compiled src/index.js (--baseline), else this one's */
  indexJs?: string;
}

interface RoundResult {
  ok: number;
  failed: number;
  firstError?: string;
  /** devices finished inside the steady window, its CPU (all threads) and wall time */
  steadyDevices: number;
  steadyCpuMs: number;
  steadyWallMs: number;
  /** CPU before the steady window above steady state: module loading, compile, warm-up */
  startupCpuMs: number;
  /** process start to the first device (fleetsim: to the run's t=0) */
  startupWallMs: number;
  /** fleetsim: where the wall time to t=0 went (ms): process start to importing the library, the import, loading the scenario, runScenario to t=0 */
  startupParts?: { toImport: number; importLib: number; loadScenario: number; runToT0: number };
  /** the steady window's CPU by thread (Linux): main thread, the busiest other (fleetsim: the generator worker), the rest (GC helpers, libuv pool) */
  threads?: { main: number; busiest: number; rest: number };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU ms of each thread of this process (Linux: /proc/self/task; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14 and 15 (utime, stime) in clock ticks; f[0] is field 3
      out.set(tid, ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK);
    }
  } catch {
    /* not Linux */
  }
  return out;
}
const CLK_TCK = 100;

/** Splits the CPU between two threadCpu() samples: this (main) thread, the busiest other thread, the rest. */
function threadSplit(a: Map<string, number>, b: Map<string, number>): { main: number; busiest: number; rest: number } {
  const main = String(process.pid);
  const deltas = [...b].map(([tid, ms]) => ({ tid, ms: ms - (a.get(tid) ?? 0) }));
  const m = deltas.find((d) => d.tid === main)?.ms ?? 0;
  const others = deltas.filter((d) => d.tid !== main).sort((x, y) => y.ms - x.ms);
  const busiest = others[0]?.ms ?? 0;
  return { main: m, busiest, rest: others.slice(1).reduce((s, d) => s + d.ms, 0) };
}

/** ms since this process started */
const sinceStart = (): number => performance.now();

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a number > 0`);
  return v;
}

/** Runs `one(i)` for i in [0, n), `concurrency` at a time; samples CPU at STEADY_FROM and at the end. */
async function closedLoop(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<RoundResult> {
  const from = Math.max(1, Math.floor(n * STEADY_FROM));
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError: string | undefined;
  let mark: { cpu: number; wall: number; done: number; threads: Map<string, number> } | undefined;
  const startupWallMs = sinceStart();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        await one(i);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
      done++;
      if (done === from) mark = { cpu: cpuMs(), wall: performance.now(), done, threads: threadCpu() };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const end = { cpu: cpuMs(), wall: performance.now(), threads: threadCpu() };
  const m = mark ?? { cpu: 0, wall: 0, done: 0, threads: new Map<string, number>() };
  const steadyDevices = n - m.done;
  const steadyCpuMs = end.cpu - m.cpu;
  const r: RoundResult = {
    ok: n - failed,
    failed,
    steadyDevices,
    steadyCpuMs,
    steadyWallMs: end.wall - m.wall,
    startupCpuMs: m.cpu - (steadyCpuMs / steadyDevices) * m.done,
    startupWallMs,
    threads: threadSplit(m.threads, end.threads),
  };
  if (firstError !== undefined) r.firstError = firstError;
  return r;
}

// ---------------------------------------------------------------------------------------------
// (a) the floor

/**
 * One handshake. `graceful`: then close as a client that used the connection does (fleetsim,
 * the SDK): read what the server sent after the handshake (its TLS 1.3 session tickets), send
 * close_notify and wait for the server's close; otherwise the socket is destroyed at once.
 */
function handshake(e: EmulatorInfo, secureContext: SecureContext, graceful = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: e.port, secureContext, rejectUnauthorized: true }, () => {
      if (!graceful) {
        s.destroy();
        resolve();
        return;
      }
      s.once('close', () => resolve());
      s.resume();
      s.end();
    });
    s.once('error', reject);
  });
}

async function runFloor(job: Job): Promise<RoundResult> {
  const e = job.emulator;
  const graceful = job.contender === 'floor-close';
  const claim = createSecureContext({ cert: e.claimCertPem, key: e.claimKeyPem, ca: e.caPem });
  return closedLoop(job.devices, job.concurrency, async (i) => {
    await handshake(e, claim, graceful);
    const c = e.issued[i % e.issued.length]!;
    await handshake(e, createSecureContext({ cert: c.cert, key: c.key, ca: e.caPem }), graceful);
  });
}

/** Where the floor's CPU goes: the parts that can be timed alone, in ms each (median of 5 batches). */
async function floorParts(e: EmulatorInfo): Promise<{ issuedContext: number; caShare: number; peerCertificate: number }> {
  const c = e.issued[0]!;
  const each = (n: number, f: () => void) => {
    const xs: number[] = [];
    for (let b = 0; b < 5; b++) {
      const t0 = cpuMs();
      for (let i = 0; i < n; i++) f();
      xs.push((cpuMs() - t0) / n);
    }
    return median(xs);
  };
  each(50, () => createSecureContext({ cert: c.cert, key: c.key, ca: e.caPem }));
  const issuedContext = each(200, () => createSecureContext({ cert: c.cert, key: c.key, ca: e.caPem }));
  const withoutCa = each(200, () => createSecureContext({ cert: c.cert, key: c.key }));
  const claim = createSecureContext({ cert: e.claimCertPem, key: e.claimKeyPem, ca: e.caPem });
  const socket = await new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: e.port, secureContext: claim }, () => resolve(s));
    s.once('error', reject);
  });
  // what Node's own server-identity check does once per handshake
  const peerCertificate = each(200, () => socket.getPeerCertificate(true));
  socket.destroy();
  return { issuedContext, caShare: issuedContext - withoutCa, peerCertificate };
}

// ---------------------------------------------------------------------------------------------
// (b) fleetsim

async function runFleetsim(job: Job): Promise<RoundResult> {
  const tImport = performance.now();
  const lib = (job.indexJs === undefined ? await import('../src/index.js') : await import(pathToFileURL(job.indexJs).href)) as typeof import('../src/index.js');
  const tImported = performance.now();
  const { loadScenario, runScenario, targetStarter } = lib;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-floor-'));
  try {
    const e = job.emulator;
    writeFileSync(path.join(dir, 'ca.pem'), e.caPem);
    writeFileSync(path.join(dir, 'claim.pem'), e.claimCertPem);
    writeFileSync(path.join(dir, 'claim.key'), e.claimKeyPem, { mode: 0o600 });
    const file = path.join(dir, 'bench.yaml');
    writeFileSync(
      file,
      `name: floor-bench
target:
  type: aws
  endpoint: 127.0.0.1
  port: ${e.port}
  caFile: ca.pem
  claimCertFile: claim.pem
  claimKeyFile: claim.key
  confirm: true
fleet:
  devices: ${job.devices}
  clientId: "fs-${job.tag}-{index}"
  serial: "fs-${job.tag}-{index:6}"
  templateName: ${TEMPLATE}
  parameters:
    SerialNumber: "{serial}"
flow:
  replyTimeout: 30s
  connectTimeout: 30s
load:
  model: closed
  concurrency: ${job.concurrency}
`,
    );
    const tLoad = performance.now();
    const loaded = await loadScenario(file);
    const tRun = performance.now();
    const from = Math.floor(job.devices * STEADY_FROM);
    const ticks: Array<{ cpu: number; done: number; wall: number; threads: Map<string, number> }> = [];
    const { report } = await runScenario({
      loaded,
      startTarget: targetStarter(loaded),
      outDir: path.join(dir, 'out'),
      workers: job.workers,
      onProgress: (p) => ticks.push({ cpu: cpuMs(), done: p.provisioned + p.failed + p.dropped, wall: performance.now(), threads: threadCpu() }),
    });
    const startupWallMs = Date.parse(report.startedAt) - performance.timeOrigin;
    // the steady window: from the first tick with 20% done to the last tick before all were done
    const first = ticks.find((t) => t.done >= from);
    const last = [...ticks].reverse().find((t) => t.done < job.devices) ?? ticks[ticks.length - 1];
    const failed = job.devices - report.outcomes.provisioned;
    const r: RoundResult = { ok: report.outcomes.provisioned, failed, steadyDevices: 0, steadyCpuMs: 0, steadyWallMs: 0, startupCpuMs: Number.NaN, startupWallMs };
    r.startupParts = { toImport: tImport, importLib: tImported - tImport, loadScenario: tRun - tLoad, runToT0: startupWallMs - tRun };
    if (failed > 0) r.firstError = Object.keys(report.outcomes.failed)[0] ?? Object.keys(report.outcomes.dropped)[0] ?? 'failed';
    if (first !== undefined && last !== undefined && last.done > first.done) {
      r.steadyDevices = last.done - first.done;
      r.steadyCpuMs = last.cpu - first.cpu;
      r.steadyWallMs = last.wall - first.wall;
      r.startupCpuMs = first.cpu - (r.steadyCpuMs / r.steadyDevices) * first.done;
      r.threads = threadSplit(first.threads, last.threads);
    }
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// (c) aws-iot-device-sdk-v2

async function runSdk(job: Job): Promise<RoundResult> {
  const { iot, iotidentity: identityApi, mqtt } = await import('aws-iot-device-sdk-v2');
  const e = job.emulator;
  const QOS1 = mqtt.QoS.AtLeastOnce;
  const client = new mqtt.MqttClient();
  const build = (cert: string, key: string, clientId: string) =>
    iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(cert, key)
      .with_certificate_authority(e.caPem)
      .with_endpoint('127.0.0.1')
      .with_port(e.port)
      .with_client_id(clientId)
      .with_clean_session(true)
      .with_keep_alive_seconds(60)
      .build();
  // the claim certificate's TLS context is built once and shared, as fleetsim and the floor do
  const claimConfig = build(e.claimCertPem, e.claimKeyPem, 'unused');
  const withId = (config: typeof claimConfig, clientId: string) => ({ ...config, client_id: clientId });
  const reply = <T>(
    subscribeAccepted: (h: (err?: unknown, r?: T) => void) => Promise<unknown>,
    subscribeRejected: (h: (err?: unknown, r?: { statusCode?: number; errorCode?: string }) => void) => Promise<unknown>,
    publish: () => Promise<unknown>,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 30 s')), 30_000);
      const settle = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      void (async () => {
        await subscribeAccepted((err, r) => settle(() => (err !== undefined || r === undefined ? reject(new Error(String(err))) : resolve(r))));
        await subscribeRejected((err, r) => settle(() => reject(new Error(err !== undefined ? String(err) : `rejected ${r?.statusCode} ${r?.errorCode}`))));
        await publish();
      })().catch((err: unknown) => settle(() => reject(err as Error)));
    });
  const result = await closedLoop(job.devices, job.concurrency, async (i) => {
    const serial = `sdk-${job.tag}-${String(i).padStart(6, '0')}`;
    const conn = client.new_connection(withId(claimConfig, `sdk-${job.tag}-${i}`));
    conn.on('error', () => undefined);
    await conn.connect();
    let issued: { cert: string; key: string; thing: string };
    try {
      const identity = new identityApi.IotIdentityClient(conn);
      const keys = await reply<iotidentity.model.CreateKeysAndCertificateResponse>(
        (h) => identity.subscribeToCreateKeysAndCertificateAccepted({}, QOS1, h),
        (h) => identity.subscribeToCreateKeysAndCertificateRejected({}, QOS1, h),
        () => identity.publishCreateKeysAndCertificate({}, QOS1),
      );
      const thing = await reply<iotidentity.model.RegisterThingResponse>(
        (h) => identity.subscribeToRegisterThingAccepted({ templateName: TEMPLATE }, QOS1, h),
        (h) => identity.subscribeToRegisterThingRejected({ templateName: TEMPLATE }, QOS1, h),
        () =>
          identity.publishRegisterThing({ templateName: TEMPLATE, certificateOwnershipToken: keys.certificateOwnershipToken!, parameters: { SerialNumber: serial } }, QOS1),
      );
      issued = { cert: keys.certificatePem!, key: keys.privateKey!, thing: thing.thingName! };
    } finally {
      await conn.disconnect();
    }
    // the issued certificate: a TLS context of its own, connect, publish QoS 1 (PUBACK), disconnect
    const vconn = client.new_connection(build(issued.cert, issued.key, issued.thing));
    vconn.on('error', () => undefined);
    await vconn.connect();
    try {
      await vconn.publish(`fleetsim/${issued.thing}/hello`, JSON.stringify({ serial, ts: Date.now() }), QOS1);
    } finally {
      await vconn.disconnect();
    }
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// the emulator process

async function serve(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/emulator.js');
  const { CertificateAuthority, generateKeyPairSyncFor } = await import('../src/emulator/pki/index.js');
  const { parseTemplateBody } = await import('../src/emulator/templates/index.js');
  const ca = CertificateAuthority.create({ subject: { CN: 'fleetsim bench CA' }, keyAlgorithm: 'ec-p256' });
  const body = parseTemplateBody(readFileSync(path.join(ROOT, 'scenarios', 'templates', `${TEMPLATE}.json`), 'utf8'));
  // AWS's connect and publish quotas would cap the rates: the bench measures the clients
  const emu = await startEmulator({
    host: '127.0.0.1',
    templates: [{ name: TEMPLATE, body, enabled: true }],
    keyAlgorithm: 'ec-p256',
    keyPoolSize: 256,
    tokenTtlMs: 3_600_000,
    quotas: { connectPerAccount: 'unlimited', connectPerClientId: 'unlimited', publishPerConnection: 'unlimited' },
    ca: { certPem: ca.certificatePem, keyPem: ca.exportPrivateKeyPem() },
  });
  const issued = Array.from({ length: 64 }, (_, i) => {
    const k = generateKeyPairSyncFor('ec-p256');
    return { cert: ca.issue({ publicKey: k.publicKey, subject: { CN: `floor-${i}` }, usage: 'client', validityDays: 30 }).certificatePem, key: k.privateKeyPem };
  });
  const info: EmulatorInfo = { port: emu.port, caPem: emu.caPem, claimCertPem: emu.claim.certificatePem, claimKeyPem: emu.claim.privateKeyPem, issued };
  process.send?.(info);
  process.on('disconnect', () => void emu.close().finally(() => process.exit(0)));
}

function startServer(): Promise<{ info: EmulatorInfo; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (info: EmulatorInfo) => resolve({ info, child }));
    child.once('exit', (code) => reject(new Error(`the emulator process exited with ${code}`)));
  });
}

/** One round of one contender in a fresh process. */
function runRound(job: Job): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    // FLEETSIM_BENCH_PROF=<dir>: a V8 CPU profile of every contender process (and its threads) in <dir>
    const prof = process.env.FLEETSIM_BENCH_PROF;
    const execArgv = prof === undefined || prof === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', prof];
    // FLEETSIM_BENCH_NODE_FLAGS: more node/V8 flags for every contender process (e.g. --trace-deopt)
    execArgv.push(...(process.env.FLEETSIM_BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''));
    const child = fork(SELF, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('message', (m: RoundResult | { error: string }) => {
      clearTimeout(timer);
      if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${job.contender} process exited with ${code} before answering`));
    });
    child.send(job);
  });
}

async function child(): Promise<void> {
  const job = await new Promise<Job>((resolve) => process.once('message', (m: Job) => resolve(m)));
  try {
    const run = job.contender === 'floor' || job.contender === 'floor-close' ? runFloor : job.contender === 'fleetsim' ? runFleetsim : runSdk;
    const r = await run(job);
    process.send?.(r, () => process.exit(0));
  } catch (err) {
    process.send?.({ error: (err as Error).stack ?? String(err) }, () => process.exit(1));
  }
}

// ---------------------------------------------------------------------------------------------
// the comparison

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const perDevice = (r: RoundResult) => (r.steadyDevices > 0 ? r.steadyCpuMs / r.steadyDevices : Number.NaN);
const rate = (r: RoundResult) => (r.steadyWallMs > 0 ? (r.steadyDevices / r.steadyWallMs) * 1000 : Number.NaN);

async function sdkUsable(): Promise<string | undefined> {
  try {
    await import('aws-iot-device-sdk-v2');
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

export async function main(): Promise<void> {
  const rounds = arg('rounds', 3);
  const devices = arg('devices', 1000);
  const sdkDevices = arg('sdk-devices', 400);
  const concurrency = arg('concurrency', 50);
  const workers = arg('workers', 1);
  const scaling = process.argv.includes('--scaling');
  const oi = process.argv.indexOf('--only');
  const only = oi > 0 ? (process.argv[oi + 1] ?? '').split(',') : ['floor', 'floor-close', 'fleetsim', 'sdk'];
  console.log(
    `fleetsim vs floor vs SDK: node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; one emulator process, each contender in a fresh process, ${rounds} alternating rounds`,
  );
  console.log(`  ${devices} devices per round (SDK ${sdkDevices}), ${concurrency} in flight; steady state from ${STEADY_FROM * 100}% done; CPU = all threads of the contender's process`);

  type Lane = { label: string; job: (round: number) => Job; results: RoundResult[] };
  const server = await startServer();
  const e = server.info;
  const lanes: Lane[] = [];
  const tag = (name: string, round: number) => `${name}${round}-${process.pid}`;
  if (scaling) {
    for (const w of [1, 2]) {
      lanes.push({ label: `fleetsim --workers ${w}`, job: (r) => ({ contender: 'fleetsim', emulator: e, devices, concurrency, workers: w, tag: tag(`w${w}-`, r) }), results: [] });
    }
  } else {
    if (only.includes('floor')) lanes.push({ label: '(a) floor', job: (r) => ({ contender: 'floor', emulator: e, devices, concurrency, workers, tag: tag('f', r) }), results: [] });
    if (only.includes('floor-close')) {
      lanes.push({ label: "(a') floor, graceful close", job: (r) => ({ contender: 'floor-close', emulator: e, devices, concurrency, workers, tag: tag('fc', r) }), results: [] });
    }
    if (only.includes('fleetsim')) {
      lanes.push({ label: `(b) fleetsim${workers === 1 ? '' : ` --workers ${workers}`}`, job: (r) => ({ contender: 'fleetsim', emulator: e, devices, concurrency, workers, tag: tag('b', r) }), results: [] });
    }
    const bi = process.argv.indexOf('--baseline');
    if (bi > 0) {
      const indexJs = path.resolve(process.argv[bi + 1] ?? '', 'src', 'index.js');
      lanes.push({ label: '(b0) fleetsim baseline', job: (r) => ({ contender: 'fleetsim', emulator: e, devices, concurrency, workers, tag: tag('b0', r), indexJs }), results: [] });
    }
    if (only.includes('sdk')) {
      const why = await sdkUsable();
      if (why === undefined) lanes.push({ label: '(c) SDK v2', job: (r) => ({ contender: 'sdk', emulator: e, devices: sdkDevices, concurrency, workers, tag: tag('c', r) }), results: [] });
      else console.log(`  (c) skipped: aws-iot-device-sdk-v2 is not usable here (${why})`);
    }
  }
  try {
    for (let round = 1; round <= rounds; round++) {
      // alternate the order too, so no contender always runs right after the same one
      const order = round % 2 === 1 ? lanes : [...lanes].reverse();
      for (const lane of order) {
        const r = await runRound(lane.job(round));
        lane.results.push(r);
        const failed = r.failed > 0 ? `, ${r.failed} FAILED (${r.firstError ?? '?'})` : '';
        console.log(
          `  round ${round} ${lane.label.padEnd(22)} ${fmt(perDevice(r))} ms CPU/device, ${fmt(rate(r), 0)} devices/s over ${r.steadyDevices} devices; ` +
            `start-up ${fmt(r.startupCpuMs, 0)} ms CPU, ${fmt(r.startupWallMs, 0)} ms wall${failed}` +
            (r.threads === undefined || r.steadyDevices === 0
              ? ''
              : `\n      by thread, ms/device: main ${fmt(r.threads.main / r.steadyDevices)}, busiest other ${fmt(r.threads.busiest / r.steadyDevices)}, rest ${fmt(r.threads.rest / r.steadyDevices)}`) +
            (r.startupParts === undefined
              ? ''
              : `\n      to t=0, ms: process start to import ${fmt(r.startupParts.toImport, 0)}, import the library ${fmt(r.startupParts.importLib, 0)}, ` +
                `load the scenario ${fmt(r.startupParts.loadScenario, 0)}, runScenario to t=0 ${fmt(r.startupParts.runToT0, 0)} (target, worker threads ready, warm-up)`),
        );
      }
    }
    if (!scaling && lanes.some((l) => l.label.startsWith('(a)'))) {
      const parts = await floorParts(e);
      const floorCpu = median(lanes.find((l) => l.label.startsWith('(a)'))!.results.map(perDevice));
      console.log(
        `  where the floor's ${fmt(floorCpu)} ms goes (timed alone in this process): issued-certificate context ${fmt(parts.issuedContext)} ms ` +
          `(its CA PEM ${fmt(parts.caShare)} ms), getPeerCertificate ${fmt(parts.peerCertificate)} ms × 2 handshakes, ` +
          `the rest (${fmt(floorCpu - parts.issuedContext - 2 * parts.peerCertificate)} ms) the two handshakes and their sockets`,
      );
    }
  } finally {
    server.child.disconnect();
  }
  console.log(`  median of ${rounds} rounds:`);
  const summary = lanes.map((l) => ({
    label: l.label,
    cpu: median(l.results.map(perDevice)),
    rate: median(l.results.map(rate)),
    startupCpu: median(l.results.map((r) => r.startupCpuMs)),
    startupWall: median(l.results.map((r) => r.startupWallMs)),
  }));
  for (const s of summary) {
    console.log(`    ${s.label.padEnd(22)} ${fmt(s.cpu)} ms CPU/device  ${fmt(s.rate, 0).padStart(5)} devices/s  start-up ${fmt(s.startupCpu, 0)} ms CPU, ${fmt(s.startupWall, 0)} ms wall`);
  }
  const [a, b, c] = [summary.find((s) => s.label.startsWith('(a)')), summary.find((s) => s.label.startsWith('(b)')), summary.find((s) => s.label.startsWith('(c)'))];
  if (b !== undefined && a !== undefined) {
    console.log(`  fleetsim/floor: CPU per device ${fmt(b.cpu / a.cpu)} (goal ≤ 1.05), devices/s ${fmt(b.rate / a.rate)}`);
  }
  const a2 = summary.find((s) => s.label.startsWith("(a')"));
  if (a2 !== undefined && a !== undefined) {
    console.log(`  the graceful close (session tickets read, close_notify both ways): ${fmt(a2.cpu - a.cpu)} ms per device (two connections) above the floor`);
    if (b !== undefined) console.log(`  fleetsim/(floor, graceful close): CPU per device ${fmt(b.cpu / a2.cpu)}`);
  }
  const b0 = summary.find((s) => s.label.startsWith('(b0)'));
  if (b !== undefined && b0 !== undefined) {
    console.log(`  fleetsim/baseline: CPU per device ${fmt(b.cpu / b0.cpu)}, devices/s ${fmt(b.rate / b0.rate)}, start-up CPU ${fmt(b.startupCpu / b0.startupCpu)}`);
    if (a !== undefined) console.log(`  baseline/floor: CPU per device ${fmt(b0.cpu / a.cpu)}`);
  }
  if (b !== undefined && c !== undefined) {
    console.log(`  fleetsim/SDK:   CPU per device ${fmt(b.cpu / c.cpu)} (lower is cheaper), devices/s ${fmt(b.rate / c.rate)} (higher is faster)`);
  }
  if (scaling && summary.length === 2) {
    const [w1, w2] = summary as [(typeof summary)[0], (typeof summary)[0]];
    console.log(`  --workers 2 / --workers 1: devices/s ${fmt(w2.rate / w1.rate)}, CPU per device ${fmt(w2.cpu / w1.cpu)}`);
  }
  console.log('  (devices/s: the floor does no MQTT and asks the emulator for nothing, so its rate is the handshakes alone; 2 shared cores: the emulator competes for them)');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mode = process.argv[2];
  const run = mode === '--serve' ? serve : mode === '--child' ? child : main;
  run().catch((err: unknown) => {
    console.error(`bench/floor: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  });
}

