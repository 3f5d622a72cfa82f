/** Text for the terminal: the end-of-run summary and the live progress line. Returns strings; cli/ prints them. */
import { Chalk, type ChalkInstance } from 'chalk';
import { STEP_NAMES } from '../metrics/names.js';
import { formatDuration } from '../util/duration.js';
import type { RunReport } from './build.js';
import { formatAnalysis } from './console-analysis.js';
import { formatHookSection } from './hook-section.js';

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fmtMs = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : v >= 100 ? `${v.toFixed(0)}ms` : `${v.toFixed(1)}ms`);

export function formatSummary(r: RunReport, c: ChalkInstance): string {
  const lines: string[] = [];
  const statusColor = r.status === 'completed' ? c.green : c.yellow;
  lines.push('');
  lines.push(c.bold(`fleetsim run ${r.runId}`) + `  ${statusColor(r.status)}${r.statusReason === undefined ? '' : ` (${r.statusReason})`}  ${formatDuration(r.durationMs)}  target ${r.target}`);
  lines.push(c.dim(r.plan));
  lines.push('');
  const o = r.outcomes;
  const failed = Object.values(o.failed).reduce((a, b) => a + b, 0);
  const dropped = Object.values(o.dropped).reduce((a, b) => a + b, 0);
  lines.push(
    `${c.bold('Outcomes')}  ${r.devices} devices: ${c.green(`${o.provisioned} provisioned`)}, ${(failed > 0 ? c.red : c.dim)(`${failed} failed`)}, ${(dropped > 0 ? c.yellow : c.dim)(`${dropped} dropped`)}`,
  );
  for (const [reason, n] of Object.entries(o.failed).sort((a, b) => b[1] - a[1])) lines.push(c.red(`  failed  ${lpad(String(n), 7)}  ${reason}`));
  for (const [reason, n] of Object.entries(o.dropped).sort((a, b) => b[1] - a[1])) lines.push(c.yellow(`  dropped ${lpad(String(n), 7)}  ${reason}`));
  lines.push('');
  lines.push(c.bold(`${pad('Step', 20)}${lpad('count', 8)}${lpad('p50', 10)}${lpad('p90', 10)}${lpad('p99', 10)}${lpad('max', 10)}`));
  for (const name of STEP_NAMES) {
    const s = r.steps[name];
    if (s === undefined) continue;
    lines.push(`${pad(name, 20)}${lpad(String(s.count), 8)}${lpad(fmtMs(s.p50), 10)}${lpad(fmtMs(s.p90), 10)}${lpad(fmtMs(s.p99), 10)}${lpad(fmtMs(s.max), 10)}`);
  }
  if (r.rejections.length > 0) {
    lines.push('');
    lines.push(c.bold('Rejections'));
    for (const rej of r.rejections) lines.push(`  ${pad(rej.api, 26)} ${rej.statusCode} ${pad(rej.errorCode, 34)} ${lpad(String(rej.count), 7)}`);
  }
  lines.push(...formatHookSection(r.emulator, c));
  const retries = Object.entries(r.retries);
  if (retries.length > 0) lines.push('', `${c.bold('Retries')}  ${retries.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  const att = Object.entries(r.attempts);
  if (att.length > 1 || (att.length === 1 && att[0]?.[0] !== '0')) {
    lines.push(`${c.bold('Attempts per device')}  ${att.sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, v]) => `${k}×${v}`).join('  ')}`);
  }
  lines.push(...formatAnalysis(r, c));
  const g = r.generator;
  lines.push('');
  lines.push(
    c.dim(
      `generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, event-loop p99 ${g.eventLoopP99Ms.toFixed(1)} ms, busy ≤${(g.maxUtilization * 100).toFixed(0)}%, ${g.lateStarts}/${g.starts} late starts, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    ),
  );
  for (const w of r.warnings) lines.push(c.yellow(`! ${w}`));
  return lines.join('\n');
}

export interface ProgressView {
  elapsedMs: number;
  devices: number;
  offeredPerSec: number;
  achievedPerSec: number;
  inFlight: number;
  provisioned: number;
  /** rejected for throttling so far: 429 replies and connects refused for rate (analysis/api-series.ts) */
  throttled: number;
  failed: number;
  dropped: number;
  p99Ms: number;
}

export function formatProgress(p: ProgressView, c: ChalkInstance): string {
  const done = p.provisioned + p.failed + p.dropped;
  return [
    c.dim(`[${lpad((p.elapsedMs / 1000).toFixed(0), 4)}s]`),
    `${lpad(String(done), 6)}/${p.devices}`,
    `offered ${lpad(p.offeredPerSec.toFixed(0), 4)}/s`,
    `achieved ${lpad(p.achievedPerSec.toFixed(0), 4)}/s`,
    `in flight ${lpad(String(p.inFlight), 5)}`,
    c.green(`ok ${p.provisioned}`),
    (p.throttled > 0 ? c.yellow : c.dim)(`throttled ${p.throttled}`),
    (p.failed > 0 ? c.red : c.dim)(`failed ${p.failed}`),
    (p.dropped > 0 ? c.yellow : c.dim)(`dropped ${p.dropped}`),
    `p99 ${fmtMs(p.p99Ms)}`,
  ].join('  ');
}
