/**
 * Benchmark: full-flow throughput against the embedded emulator, beside the machine's bare mTLS
 * handshake limit for the flow's two handshakes, and the timing accuracy with injected latency.
 * Prints numbers; asserts nothing. Loopback only; every loop is bounded.
 *
 *   node dist/bench/flow.js [--devices 1500] [--concurrency 100]
 */
import { mkdtempSync, writeFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, runScenario, targetStarter } from '../src/index.js';
import { measureTlsLimit } from './tls-limit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function workspace(yaml: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-bench-'));
  mkdirSync(path.join(dir, 'scenarios'));
  cpSync(path.join(ROOT, 'scenarios', 'templates'), path.join(dir, 'scenarios', 'templates'), { recursive: true });
  writeFileSync(path.join(dir, 'scenarios', 'bench.yaml'), yaml);
  return { file: path.join(dir, 'scenarios', 'bench.yaml'), dir };
}

function scenario(devices: number, load: string, emulatorExtra = ''): string {
  return `name: bench
fleet:
  devices: ${devices}
  clientId: "bench-{runId}-{index}"
  serial: "{index:6}"
  templateName: fleet-prov-test-template
  parameters:
    SerialNumber: "{serial}"
flow:
  replyTimeout: 30s
  connectTimeout: 30s
load:
${load}
emulator:
  templates:
    - name: fleet-prov-test-template
      file: templates/fleet-prov-test-template.json
${emulatorExtra}`;
}

async function runBench(yaml: string) {
  const ws = workspace(yaml);
  try {
    const loaded = await loadScenario(ws.file);
    const { report } = await runScenario({ loaded, startTarget: targetStarter(loaded), outDir: path.join(ws.dir, 'out') });
    return report;
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 1) => n.toFixed(d);

export async function benchFlow(): Promise<void> {
  const devices = arg('devices', 1500);
  const concurrency = arg('concurrency', 100);
  console.log(`fleetsim flow benchmark on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);

  // (b) first, on an idle machine
  const tls = await measureTlsLimit(3, 32);
  console.log(`(b) bare mTLS handshakes/s, EC P-256, server in its own thread:`);
  console.log(`      claim certificate, shared SecureContext:   ${fmt(tls.claimPerSec, 0)}/s`);
  console.log(`      issued certificate, context per device:     ${fmt(tls.issuedPerSec, 0)}/s`);
  console.log(`      limit for the flow's two handshakes:         ${fmt(tls.flowLimitPerSec, 0)} devices/s`);

  // (a) full flow, closed model with enough concurrency to saturate
  const report = await runBench(scenario(devices, `  model: closed\n  concurrency: ${concurrency}`));
  const secs = report.durationMs / 1000;
  const rate = report.outcomes.provisioned / secs;
  console.log(`(a) full flow: ${report.outcomes.provisioned}/${devices} provisioned in ${fmt(secs)} s = ${fmt(rate)} devices/s ` +
    `(concurrency ${concurrency}; provision p50 ${fmt(report.steps.provision?.p50 ?? 0, 0)} ms, p99 ${fmt(report.steps.provision?.p99 ?? 0, 0)} ms; peak RSS ${fmt(report.peakRssBytes / 2 ** 20, 0)} MiB)`);
  console.log(`(c) ratio (a)/(b limit): ${fmt(rate / tls.flowLimitPerSec, 2)}   (goal >= 0.6)`);

  // (d) timing accuracy with a fixed 100 ms service latency, at a rate the generator sustains
  const injected = 100;
  const d = await runBench(
    scenario(
      200,
      '  model: open\n  stages:\n    - rate: 20\n      duration: 10s\n  maxInFlight: 200',
      `  latency:\n    CreateKeysAndCertificate: {fixed: ${injected}ms}\n    RegisterThing: {fixed: ${injected}ms}\n`,
    ).replace('emulator:\n  templates', 'emulator:\n  templates'),
  ).catch((err: Error) => {
    console.log(`(d) skipped: ${err.message.split('\n')[0]}`);
    return undefined;
  });
  if (d !== undefined) {
    for (const step of ['create_certificate', 'register_thing'] as const) {
      const s = d.steps[step];
      if (s === undefined) continue;
      console.log(`(d) injected ${injected} ms on ${step}: reported p50 ${fmt(s.p50)} ms (Δ ${fmt(s.p50 - injected)} ms), p99 ${fmt(s.p99)} ms, n=${s.count}   (goal: p50 within 5 ms)`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFlow().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
