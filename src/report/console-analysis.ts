/** Terminal text for the throttle analysis: plateau table, knee table, verdict, thresholds, expectations. */
import type { ChalkInstance } from 'chalk';
import type { KneeAnalysis } from '../analysis/knee.js';
import type { RunReport } from './build.js';

const lpad = (s: string, n: number) => s.padStart(n);
const pad = (s: string, n: number) => s.padEnd(n);
const rate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${v.toFixed(0)}ms`);

/** Per-API table: what devices offered, what was accepted, throttling, plateau and onset. */
export function formatThrottleTable(r: RunReport, c: ChalkInstance): string[] {
  const apis = Object.entries(r.analysis?.apis ?? {});
  if (apis.length === 0) return [];
  const lines = [c.bold(`Throttling per API`) + c.dim(` (onset: first second with ≥ ${pct(r.analysis.onsetShare)} throttled)`)];
  lines.push(c.dim(`${pad('API', 26)}${lpad('offered', 9)}${lpad('accepted', 10)}${lpad('throttled', 11)}${lpad('timeouts', 10)}${lpad('plateau/s', 11)}  ${pad('onset', 20)}drained`));
  for (const [api, a] of apis) {
    const onset = a.onset === undefined ? '-' : `t=${a.onset.tSec} s @ ${a.onset.offeredPerSec}/s`;
    const row = `${pad(api, 26)}${lpad(String(a.offered), 9)}${lpad(String(a.accepted), 10)}${lpad(String(a.throttled), 11)}${lpad(String(a.timedOut), 10)}${lpad(a.plateauPerSec === null ? '-' : rate(a.plateauPerSec), 11)}  ${pad(onset, 20)}${a.recovery === undefined ? '-' : `t=${a.recovery.drainedSec} s`}`;
    lines.push(a.throttled > 0 ? c.yellow(row) : row);
  }
  const att = r.analysis.attempts;
  const out = r.analysis.outOfRetries;
  lines.push(c.dim(`attempts per device: mean ${att.mean}, max ${att.max}; ran out of retries: ${out}`));
  return lines;
}

/** The knee search's evidence: one row per step. */
export function formatKneeTable(k: KneeAnalysis, c: ChalkInstance): string[] {
  const apis = [...new Set(k.steps.flatMap((s) => Object.keys(s.apis)))].filter((a) => a !== 'VerifyConnect' && a !== 'VerifyPublish' && (a !== 'Connect' || k.steps.some((s) => (s.apis[a]?.share429 ?? 0) > 0)));
  const short = (a: string) => a.replace('CreateKeysAndCertificate', 'CreateKeys').replace('CreateCertificateFromCsr', 'CreateFromCsr');
  const lines = [c.bold('Knee search') + c.dim(` (p99 of ${k.p99Of}; a step fails at ${describeStop(k)})`)];
  let head = `${lpad('step', 4)}${lpad('rate/s', 8)}${lpad('started/s', 11)}`;
  for (const a of apis) head += `${lpad(`${short(a)} acc/s`, Math.max(12, short(a).length + 7))}${lpad('429', 6)}`;
  head += `${lpad('p99', 9)}${lpad('failed', 8)}  result`;
  lines.push(c.dim(head));
  for (const s of k.steps) {
    let row = `${lpad(String(s.step), 4)}${lpad(rate(s.ratePerSec), 8)}${lpad(rate(s.startedPerSec), 11)}`;
    for (const a of apis) {
      const x = s.apis[a];
      row += `${lpad(x === undefined ? '-' : rate(x.acceptedPerSec), Math.max(12, short(a).length + 7))}${lpad(x === undefined ? '-' : pct(x.share429), 6)}`;
    }
    row += `${lpad(s.p99Ms === null ? '-' : ms(s.p99Ms), 9)}${lpad(pct(s.failures), 8)}  `;
    lines.push(s.passed ? `${row}${c.green('pass')}` : `${row}${c.red(s.reasons.join('; '))}`);
  }
  return lines;
}

function describeStop(k: KneeAnalysis): string {
  const w = k.stopWhen;
  return [
    w.share429 === undefined ? undefined : `429 share ≥ ${pct(w.share429)}`,
    w.p99 === undefined ? undefined : `p99 ≥ ${ms(w.p99)}`,
    w.failures === undefined ? undefined : `failures ≥ ${pct(w.failures)}`,
  ]
    .filter((x) => x !== undefined)
    .join(' or ');
}

/** Thresholds and expectations, each with its actual value; failing ones in red. */
export function formatChecks(r: RunReport, c: ChalkInstance): string[] {
  const lines: string[] = [];
  const th = r.thresholds ?? [];
  if (th.length > 0) {
    const failed = th.filter((t) => !t.ok).length;
    lines.push('', c.bold('Thresholds') + (failed === 0 ? c.green(`  all ${th.length} passed`) : c.red(`  ${failed} of ${th.length} failed`)));
    const w = Math.min(50, Math.max(...th.map((t) => t.expression.length)));
    for (const t of th) lines.push(t.ok ? `  ${c.green('✓')} ${pad(t.expression, w)}  ${c.dim(t.detail)}` : c.red(`  ✗ ${pad(t.expression, w)}  ${t.detail}`));
  }
  const ex = r.expectations ?? [];
  if (ex.length > 0) {
    const failed = ex.filter((e) => !e.ok).length;
    lines.push('', c.bold('Expectations') + (failed === 0 ? c.green(`  all ${ex.length} met`) : c.red(`  ${failed} of ${ex.length} not met`)));
    const w = Math.max(...ex.map((e) => e.name.length));
    for (const e of ex) {
      const text = `${pad(e.name, w)}  expected ${e.expected}: ${e.detail}`;
      lines.push(e.ok ? `  ${c.green('✓')} ${text}` : c.red(`  ✗ ${text}`));
    }
  }
  return lines;
}

/** Everything of the analysis for the end-of-run summary. */
export function formatAnalysis(r: RunReport, c: ChalkInstance): string[] {
  if (r.analysis === undefined) return [];
  const lines: string[] = [''];
  lines.push(...formatThrottleTable(r, c));
  if (r.analysis.knee !== undefined) lines.push('', ...formatKneeTable(r.analysis.knee, c));
  lines.push(...formatChecks(r, c));
  lines.push('', `${c.bold('Verdict')}  ${r.analysis.verdict}`);
  return lines;
}

/** 1 when a threshold or expectation failed, or a threshold aborted the run; else 0. */
export function checksFailed(r: RunReport): boolean {
  return (r.thresholds ?? []).some((t) => !t.ok) || (r.expectations ?? []).some((e) => !e.ok) || r.statusReason === 'threshold_aborted';
}

/** One line per failing threshold or expectation, with its actual value (for stderr). */
export function formatFailedChecks(r: RunReport): string[] {
  const out: string[] = [];
  for (const t of r.thresholds ?? []) if (!t.ok) out.push(`threshold failed: ${t.expression} (actual ${t.actual ?? 'none'}: ${t.detail})`);
  for (const e of r.expectations ?? []) if (!e.ok) out.push(`expectation not met: ${e.name}: expected ${e.expected}, actual ${e.actual ?? 'none'} (${e.detail})`);
  if (r.statusReason === 'threshold_aborted') out.push('the run was stopped early by a threshold with abortOnFail');
  return out;
}
