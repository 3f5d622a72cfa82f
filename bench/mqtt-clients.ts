/**
 * The benchmark's client side, run in its own process (bench/emulator.ts forks it) so the broker
 * under test keeps a core to itself. MQTT.js only, the same code for every broker.
 *
 * Jobs (one per process, sent over IPC; the answer is one IPC message, then the process exits):
 * - connect: N clients, K CONNECTs in flight, one shared tls.SecureContext; CONNECT→CONNACK rate.
 * - create-keys: C claim connections, each sending CreateKeysAndCertificate requests one after another.
 */
import tls from 'node:tls';
import mqtt from 'mqtt';

export interface Tls {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
}

export type ClientJob =
  | ({ kind: 'connect'; clients: number; inFlight: number; idPrefix: string; timeoutMs: number; warmup: number } & Tls)
  | ({ kind: 'create-keys'; connections: number; seconds: number; idPrefix: string } & Tls);

export interface ClientResult {
  ok: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(latencies: number[], failed: number, elapsedMs: number, firstError: string | undefined): ClientResult {
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    failed,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

function options(job: Tls, ctx: tls.SecureContext, clientId: string, connectTimeout: number): mqtt.IClientOptions {
  const o: mqtt.IClientOptions & { secureContext: tls.SecureContext } = { protocol: 'mqtts', host: job.host, port: job.port, servername: 'localhost', secureContext: ctx, clientId, reconnectPeriod: 0, connectTimeout, keepalive: 60, protocolVersion: 4 };
  return o; // MQTT.js hands secureContext through to tls.connect
}

/**
 * Open `clients` connections, `inFlight` at a time; they stay open until all are done (as devices
 * would). `warmup` connections first, not measured (JIT warm-up on both sides, TCP and TLS caches).
 */
async function runConnect(job: Extract<ClientJob, { kind: 'connect' }>): Promise<ClientResult> {
  if (job.warmup > 0) await connectBatch({ ...job, clients: job.warmup, idPrefix: `${job.idPrefix}-warmup` });
  process.send?.({ measuring: true });
  return connectBatch(job);
}

async function connectBatch(job: Extract<ClientJob, { kind: 'connect' }>): Promise<ClientResult> {
  const ctx = tls.createSecureContext({ ca: job.ca, cert: job.cert, key: job.key });
  const open: mqtt.MqttClient[] = [];
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (next < job.clients) {
      const i = next++;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const c = mqtt.connect(options(job, ctx, `${job.idPrefix}-${i}`, job.timeoutMs));
        open.push(c);
        let settled = false;
        c.once('connect', () => {
          settled = true;
          latencies.push(performance.now() - t0);
          resolve();
        });
        const fail = (e: Error) => {
          if (settled) return;
          settled = true;
          failed++;
          firstError ??= e.message;
          c.end(true);
          resolve();
        };
        c.once('error', fail);
        c.once('close', () => fail(new Error('closed before CONNACK')));
      });
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, lane));
  const elapsed = performance.now() - start;
  await Promise.all(open.map((c) => c.endAsync(true).catch(() => undefined)));
  return summarize(latencies, failed, elapsed, firstError);
}

/** Sequential CreateKeysAndCertificate round trips on each claim connection, for a fixed time. */
async function runCreateKeys(job: Extract<ClientJob, { kind: 'create-keys' }>): Promise<ClientResult> {
  const ctx = tls.createSecureContext({ ca: job.ca, cert: job.cert, key: job.key });
  const clients = await Promise.all(
    Array.from({ length: job.connections }, (_, i) => mqtt.connectAsync(options(job, ctx, `${job.idPrefix}-${i}`, 10_000))),
  );
  // MQTT.js leaves Nagle on: the PUBACK for a reply and the next request would wait ~40 ms for the
  // server's delayed ACK, and the benchmark would measure the kernel's timer instead of the emulator
  for (const c of clients) (c.stream as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + job.seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      await c.subscribeAsync(['$aws/certificates/create/json/accepted', '$aws/certificates/create/json/rejected'], { qos: 1 });
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const reply = new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no reply in 10 s')), 10_000);
          c.once('message', (topic) => {
            clearTimeout(timer);
            resolve(topic);
          });
        });
        await c.publishAsync('$aws/certificates/create/json', '{}', { qos: 1 });
        try {
          const topic = await reply;
          if (topic.endsWith('/accepted')) latencies.push(performance.now() - t0);
          else throw new Error(`reply on ${topic}`);
        } catch (e) {
          failed++;
          firstError ??= (e as Error).message;
          return;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return summarize(latencies, failed, elapsed, firstError);
}

if (process.send !== undefined) {
  process.once('message', (job: ClientJob) => {
    const run = job.kind === 'connect' ? runConnect(job) : runCreateKeys(job);
    run.then(
      (result) => process.send!(result, () => process.exit(0)),
      (e: unknown) => process.send!({ error: (e as Error).message }, () => process.exit(1)),
    );
  });
}
