/**
 * Pre-provisioning hook benchmark: the per-invocation overhead of a warm Python hook (and, for
 * comparison, a warm Node.js hook): one execution environment, a handler that only returns
 * {"allowProvisioning": true}, invoked one at a time. The round trip is what RegisterThing waits
 * for beyond the handler's own work: JSON over the pipe, the bootstrap, the log stream writes.
 * Also the init time of a new environment. Bounded: warm-up, then --count invocations (default 400).
 *
 *   npm run build && node dist/bench/hook.js [--count 400]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { LambdaFunction } from '../src/emulator/hook/environments.js';
import { checkHookSync } from '../src/emulator/hook/runtimes/launch.js';

export interface HookBenchResult {
  runtime: string;
  invocations: number;
  p50Ms: number;
  p99Ms: number;
  /** the handler's own Duration (REPORT line) p50: inside the environment */
  durationP50Ms: number;
  initMs: number;
}

const EVENT = {
  claimCertificateId: 'c'.repeat(64),
  certificateId: 'd'.repeat(64),
  certificatePem: `-----BEGIN CERTIFICATE-----\n${'A'.repeat(700)}\n-----END CERTIFICATE-----\n`,
  templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/fleet-prov-test-template',
  clientId: 'bench-device',
  parameters: { SerialNumber: '000123' },
};

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function benchOne(file: string, count: number, logDir: string): Promise<HookBenchResult> {
  const broken = checkHookSync({ file });
  if (broken !== undefined) throw new Error(broken);
  const fn = new LambdaFunction({ spec: { file }, identity: { functionName: 'bench', region: 'us-east-1', accountId: '123456789012' }, logDir });
  try {
    const first = await fn.invoke(EVENT, randomUUID(), 10_000);
    if (first.status !== 'ok') throw new Error(`${file}: ${first.errorType} ${first.errorMessage}`);
    for (let i = 0; i < 50; i++) await fn.invoke(EVENT, randomUUID(), 5000);
    const rtt: number[] = [];
    const dur: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const r = await fn.invoke(EVENT, randomUUID(), 5000);
      rtt.push(performance.now() - t0);
      dur.push(r.durationMs);
      if (r.status !== 'ok') throw new Error(`invocation ${i}: ${r.status}`);
    }
    rtt.sort((a, b) => a - b);
    dur.sort((a, b) => a - b);
    return { runtime: path.extname(file) === '.py' ? 'python' : 'nodejs', invocations: count, p50Ms: quantile(rtt, 0.5), p99Ms: quantile(rtt, 0.99), durationP50Ms: quantile(dur, 0.5), initMs: first.initMs ?? 0 };
  } finally {
    await fn.close();
  }
}

export async function runHookBench(count: number): Promise<HookBenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-hook-bench-'));
  try {
    writeFileSync(path.join(dir, 'lambda_function.py'), 'def lambda_handler(event, context):\n    return {"allowProvisioning": True}\n');
    writeFileSync(path.join(dir, 'index.mjs'), 'export async function handler() { return { allowProvisioning: true }; }\n');
    return [await benchOne(path.join(dir, 'lambda_function.py'), count, path.join(dir, 'logs')), await benchOne(path.join(dir, 'index.mjs'), count, path.join(dir, 'logs'))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--count');
  const count = at >= 0 ? Math.max(10, Math.min(10_000, Number(process.argv[at + 1]) || 400)) : 400;
  for (const r of await runHookBench(count)) {
    console.log(
      `warm ${r.runtime.padEnd(6)} hook, per-invocation round trip: p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  (Duration p50 ${r.durationP50Ms.toFixed(3)} ms; init ${r.initMs.toFixed(0)} ms; ${r.invocations} invocations)`,
    );
  }
}
