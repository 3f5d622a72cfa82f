/** Terminal text for the throttle analysis: plateau table, knee table, verdict, thresholds, expectations. */
import type { ChalkInstance } from 'chalk';
import type { KneeAnalysis } from '../analysis/knee.js';
import type { RunReport } from './build.js';
import { wrapText } from './wrap-text.js';

const lpad = (s: string, n: number) => s.padStart(n);
const pad = (s: string, n: number) => s.padEnd(n);
const rate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${v.toFixed(0)}ms`);

/** Per-API table: what devices offered, what was accepted, throttling, plateau and onset. */
export function formatThrottleTable(r: RunReport, c: ChalkInstance, columns?: number): string[] {
  const apis = Object.entries(r.analysis?.apis ?? {});
  if (apis.length === 0) return [];
  const lines = [c.bold(`Throttling per API`) + c.dim(` (requests; onset: first second with ≥ ${pct(r.analysis.onsetShare)} throttled)`)];
  const aw = Math.max(3, ...apis.map(([api]) => api.length)) + 1;
  const rows = apis.map(([api, a]) => ({
    api,
    a,
    onset: a.onset === undefined ? '-' : `t=${a.onset.tSec} s @ ${a.onset.offeredPerSec}/s`,
    drained: a.recovery === undefined ? '-' : `t=${a.recovery.drainedSec} s`,
  }));
  const ow = Math.max(5, ...rows.map((x) => x.onset.length));
  const nw = (f: (a: (typeof rows)[number]['a']) => number, label: string) => Math.max(label.length, ...rows.map((x) => String(f(x.a)).length)) + 2;
  const w = { off: nw((a) => a.offered, 'offered'), acc: nw((a) => a.accepted, 'accepted'), thr: nw((a) => a.throttled, 'throttled'), to: nw((a) => a.timedOut, 'timeouts') };
  const dw = Math.max(7, ...rows.map((x) => x.drained.length));
  // a narrow terminal: onset and drained move under the table, one line per throttled API
  const narrow = columns !== undefined && aw + w.off + w.acc + w.thr + w.to + 11 + 2 + ow + 2 + dw > columns;
  const tail = (onset: string, drained: string) => (narrow ? '' : `  ${pad(onset, ow)}  ${drained}`);
  lines.push(c.dim(`${pad('API', aw)}${lpad('offered', w.off)}${lpad('accepted', w.acc)}${lpad('throttled', w.thr)}${lpad('timeouts', w.to)}${lpad('plateau/s', 11)}${tail('onset', 'drained')}`));
  for (const { api, a, onset, drained } of rows) {
    const row = `${pad(api, aw)}${lpad(String(a.offered), w.off)}${lpad(String(a.accepted), w.acc)}${lpad(String(a.throttled), w.thr)}${lpad(String(a.timedOut), w.to)}${lpad(a.plateauPerSec === null ? '-' : rate(a.plateauPerSec), 11)}${tail(onset, drained)}`;
    lines.push(a.throttled > 0 ? c.yellow(row) : row);
  }
  if (narrow) for (const { api, a, onset, drained } of rows) if (a.onset !== undefined || a.recovery !== undefined) lines.push(c.yellow(`  ${api}: onset ${onset}, drained ${drained}`));
  const out = r.analysis.outOfRetries;
  const per = r.retriesPerDevice;
  if (per !== undefined) {
    let n = 0;
    let total = 0;
    let max = 0;
    for (const [k, v] of Object.entries(per)) {
      n += v;
      total += Number(k) * v;
      if (v > 0) max = Math.max(max, Number(k));
    }
    lines.push(c.dim(`retries per device: mean ${n === 0 ? 0 : Math.round((total / n) * 100) / 100}, max ${max}; ran out of retries: ${out}`));
  } else {
    const att = r.analysis.attempts;
    lines.push(c.dim(`requests per device (retries included): mean ${att.mean}, max ${att.max}; ran out of retries: ${out}`));
  }
  return lines;
}

/** The knee search's evidence: one row per step. */
export function formatKneeTable(k: KneeAnalysis, c: ChalkInstance, columns?: number): string[] {
  const apis = [...new Set(k.steps.flatMap((s) => Object.keys(s.apis)))].filter((a) => a !== 'VerifyConnect' && a !== 'VerifyPublish' && (a !== 'Connect' || k.steps.some((s) => (s.apis[a]?.share429 ?? 0) > 0)));
  const short = (a: string) => a.replace('CreateKeysAndCertificate', 'CreateKeys').replace('CreateCertificateFromCsr', 'CreateFromCsr').replace('RegisterThing', 'Register');
  // per API two columns under its name: accepted/s and 429 share
  const aw = (a: string) => Math.max(14, short(a).length + 2);
  const lines = [c.bold('Knee search') + c.dim(wrapText(`Knee search (p99 of ${k.p99Of}; a step fails at ${describeStop(k)})`, columns, 2).slice('Knee search'.length))];
  let names = ' '.repeat(4 + 8 + 11);
  let head = `${lpad('step', 4)}${lpad('rate/s', 8)}${lpad('started/s', 11)}`;
  for (const a of apis) {
    names += lpad(short(a), aw(a));
    head += `${lpad('acc/s', aw(a) - 6)}${lpad('429', 6)}`;
  }
  head += `${lpad('p99', 8)}${lpad('failed', 7)}  result`;
  lines.push(c.dim(names.trimEnd()), c.dim(head));
  for (const s of k.steps) {
    let row = `${lpad(String(s.step), 4)}${lpad(rate(s.ratePerSec), 8)}${lpad(rate(s.startedPerSec), 11)}`;
    for (const a of apis) {
      const x = s.apis[a];
      row += `${lpad(x === undefined ? '-' : rate(x.acceptedPerSec), aw(a) - 6)}${lpad(x === undefined ? '-' : pct(x.share429), 6)}`;
    }
    row += `${lpad(s.p99Ms === null ? '-' : ms(s.p99Ms), 8)}${lpad(pct(s.failures), 7)}  `;
    if (s.passed) {
      lines.push(`${row}${c.green('pass')}`);
      continue;
    }
    const reasons = s.reasons.join('; ');
    if (columns === undefined || row.length + reasons.length <= columns) lines.push(`${row}${c.red(reasons)}`);
    else lines.push(`${row}${c.red('fail')}`, c.red(`      ${wrapText(reasons, columns - 6, 6)}`));
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
export function formatChecks(r: RunReport, c: ChalkInstance, columns?: number): string[] {
  const lines: string[] = [];
  const th = r.thresholds ?? [];
  const fits = (text: string) => columns === undefined || text.length <= columns;
  if (th.length > 0) {
    const failed = th.filter((t) => !t.ok).length;
    lines.push('', c.bold('Thresholds') + (failed === 0 ? c.green(`  all ${th.length} passed`) : c.red(`  ${failed} of ${th.length} failed`)));
    const w = Math.max(...th.map((t) => t.expression.length));
    for (const t of th) {
      const mark = t.ok ? '✓' : '✗';
      const one = `  ${mark} ${pad(t.expression, w)}  ${t.detail}`;
      const text = fits(one) ? one : `  ${mark} ${wrapText(t.expression, columns === undefined ? undefined : columns - 4, 4)}\n      ${wrapText(t.detail, columns === undefined ? undefined : columns - 6, 6)}`;
      lines.push(t.ok ? text.replace(`  ${mark} `, `  ${c.green(mark)} `).replace(t.detail, c.dim(t.detail)) : c.red(text));
    }
  }
  const ex = r.expectations ?? [];
  if (ex.length > 0) {
    const failed = ex.filter((e) => !e.ok).length;
    lines.push('', c.bold('Expectations') + (failed === 0 ? c.green(`  all ${ex.length} met`) : c.red(`  ${failed} of ${ex.length} not met`)));
    const w = Math.max(...ex.map((e) => e.name.length));
    for (const e of ex) {
      const mark = e.ok ? '✓' : '✗';
      const detail = `expected ${e.expected}: ${e.detail}`;
      const one = `  ${mark} ${pad(e.name, w)}  ${detail}`;
      const text = fits(one) ? one : `  ${mark} ${e.name}\n      ${wrapText(detail, columns === undefined ? undefined : columns - 6, 6)}`;
      lines.push(e.ok ? text.replace(`  ${mark} `, `  ${c.green(mark)} `) : c.red(text));
    }
  }
  return lines;
}

/** Everything of the analysis for the end-of-run summary. */
export function formatAnalysis(r: RunReport, c: ChalkInstance, columns?: number): string[] {
  if (r.analysis === undefined) return [];
  const lines: string[] = [''];
  lines.push(...formatThrottleTable(r, c, columns));
  if (r.analysis.knee !== undefined) lines.push('', ...formatKneeTable(r.analysis.knee, c, columns));
  lines.push(...formatChecks(r, c, columns));
  lines.push('', c.bold('Verdict') + wrapText(`Verdict  ${r.analysis.verdict}`, columns, 9).slice('Verdict'.length));
  return lines;
}

/** 1 when a threshold or expectation failed, or a threshold aborted the run; else 0. */
export function checksFailed(r: RunReport): boolean {
  return (r.thresholds ?? []).some((t) => !t.ok) || (r.expectations ?? []).some((e) => !e.ok) || r.statusReason === 'threshold_aborted';
}

/** One line per failing threshold or expectation, with its actual value (for stderr). */
export function formatFailedChecks(r: RunReport): string[] {
  const out: string[] = [];
  for (const t of r.thresholds ?? []) if (!t.ok) out.push(`threshold failed: ${t.expression} (${t.actual === null ? `no data: ${t.detail}` : `actual ${t.actual}`})`);
  for (const e of r.expectations ?? []) if (!e.ok) out.push(`expectation not met: ${e.name}: expected ${e.expected}; ${e.detail}`);
  if (r.statusReason === 'threshold_aborted') out.push('the run was stopped early by a threshold with abortOnFail');
  return out;
}
