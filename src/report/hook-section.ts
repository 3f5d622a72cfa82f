/**
 * The pre-provisioning hook's part of the report, from report.emulator.hook (the emulator's hook
 * stats; plain data, so older reports and merged shards work too): a view for the HTML report and
 * the console lines. Nothing when the run had no hook.
 */
import type { ChalkInstance } from 'chalk';
import { isPlainObject } from '../util/json-values.js';

export interface HookView {
  functions: Array<{ template: string; runtime: string; handler: string; environmentsStarted: number; peakEnvironments: number; maxEnvironments: number; reservedConcurrency?: number; logDir?: string }>;
  invocations: number;
  allowed: number;
  denied: number;
  errors: number;
  timeouts: number;
  throttles: number;
  coldStarts: number;
  waitedForCap: number;
  duration?: { p50: number; p99: number };
  init?: { p50: number; p99: number; count: number };
  errors_: Array<{ errorType: string; count: number; firstMessage: string; logFile?: string; logLine?: string }>;
}

type Rec = Record<string, unknown>;
const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const pct = (v: unknown) => (isPlainObject(v) && typeof v.p50 === 'number' && typeof v.p99 === 'number' && n(v.count) > 0 ? { p50: v.p50, p99: v.p99, count: n(v.count) } : undefined);

export function hookView(emulator: unknown): HookView | undefined {
  const h = isPlainObject(emulator) ? emulator.hook : undefined;
  if (!isPlainObject(h) || n(h.invocations) === 0) return undefined;
  const functions = isPlainObject(h.functions)
    ? Object.entries(h.functions)
        .filter((e): e is [string, Rec] => isPlainObject(e[1]))
        .map(([template, f]) => ({
          template,
          runtime: String(f.runtime ?? ''),
          handler: String(f.handler ?? ''),
          environmentsStarted: n(f.environmentsStarted),
          peakEnvironments: n(f.peakEnvironments),
          maxEnvironments: n(f.maxEnvironments),
          ...(typeof f.reservedConcurrency === 'number' ? { reservedConcurrency: f.reservedConcurrency } : {}),
          ...(typeof f.logDir === 'string' ? { logDir: f.logDir } : {}),
        }))
    : [];
  const errors_ = isPlainObject(h.errorsByType)
    ? Object.entries(h.errorsByType)
        .filter((e): e is [string, Rec] => isPlainObject(e[1]))
        .map(([errorType, e]) => ({
          errorType,
          count: n(e.count),
          firstMessage: String(e.firstMessage ?? ''),
          ...(typeof e.logFile === 'string' ? { logFile: e.logFile } : {}),
          ...(typeof e.logLine === 'string' ? { logLine: e.logLine } : {}),
        }))
        .sort((a, b) => b.count - a.count)
    : [];
  const view: HookView = {
    functions,
    invocations: n(h.invocations),
    allowed: n(h.allowed),
    denied: n(h.denied),
    errors: n(h.errors),
    timeouts: n(h.timeouts),
    throttles: n(h.throttles),
    coldStarts: n(h.coldStarts),
    waitedForCap: n(h.waitedForCap),
    errors_,
  };
  const d = pct(h.duration) ?? pct(h.latency);
  if (d !== undefined) view.duration = { p50: d.p50, p99: d.p99 };
  const i = pct(h.init);
  if (i !== undefined) view.init = i;
  return view;
}

const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);

export function formatHookSection(emulator: unknown, c: ChalkInstance): string[] {
  const v = hookView(emulator);
  if (v === undefined) return [];
  const lines: string[] = ['', c.bold('Pre-provisioning hook')];
  for (const f of v.functions) {
    const reserved = f.reservedConcurrency === undefined ? '' : `, reserved concurrency ${f.reservedConcurrency}`;
    lines.push(`  ${f.template}: ${f.runtime} ${f.handler}; ${f.environmentsStarted} environment${f.environmentsStarted === 1 ? '' : 's'} started, peak ${f.peakEnvironments} (local cap ${f.maxEnvironments}${reserved})`);
  }
  lines.push(
    `  invocations ${v.invocations}: allowed ${v.allowed}, denied ${v.denied}, ${(v.errors > 0 ? c.red : (s: string) => s)(`errors ${v.errors}`)}, timeouts ${v.timeouts}, throttled ${v.throttles}; cold starts ${v.coldStarts}`,
  );
  const timing = [
    ...(v.duration === undefined ? [] : [`Duration p50 ${ms(v.duration.p50)} p99 ${ms(v.duration.p99)}`]),
    ...(v.init === undefined ? [] : [`Init Duration p50 ${ms(v.init.p50)} p99 ${ms(v.init.p99)}`]),
  ];
  if (timing.length > 0) lines.push(`  ${timing.join('   ')}`);
  for (const e of v.errors_.slice(0, 5)) {
    lines.push(c.red(`  ${e.errorType} ×${e.count}: ${e.firstMessage.slice(0, 200)}`));
    if (e.logLine !== undefined) lines.push(`    ${e.logLine}`);
    if (e.logFile !== undefined) lines.push(c.dim(`    log: ${e.logFile}`));
  }
  if (v.waitedForCap > 0) {
    lines.push(c.yellow(`  ! the local cap on environments (maxEnvironments) was reached: ${v.waitedForCap} invocations waited for a free one (our wait, not AWS's)`));
  }
  const dirs = [...new Set(v.functions.map((f) => f.logDir).filter((d): d is string => d !== undefined))];
  if (dirs.length > 0) lines.push(c.dim(`  logs: ${dirs.join(', ')}`));
  return lines;
}

/** A small self-contained HTML section (escaped with the page's own escaper); empty without a hook. */
export function renderHookHtml(emulator: unknown, esc: (s: string) => string): string {
  const v = hookView(emulator);
  if (v === undefined) return '';
  const fn = v.functions
    .map((f) => `<li>${esc(f.template)}: ${esc(f.runtime)} <code>${esc(f.handler)}</code>, ${f.environmentsStarted} environments started, peak ${f.peakEnvironments} (local cap ${f.maxEnvironments}${f.reservedConcurrency === undefined ? '' : `, reserved concurrency ${f.reservedConcurrency}`})${f.logDir === undefined ? '' : `, logs <code>${esc(f.logDir)}</code>`}</li>`)
    .join('');
  const cells: Array<[string, string]> = [
    ['invocations', String(v.invocations)],
    ['allowed', String(v.allowed)],
    ['denied', String(v.denied)],
    ['errors', String(v.errors)],
    ['timeouts', String(v.timeouts)],
    ['throttled', String(v.throttles)],
    ['cold starts', String(v.coldStarts)],
    ...(v.duration === undefined ? [] : ([['Duration p50 / p99', `${ms(v.duration.p50)} / ${ms(v.duration.p99)}`]] as Array<[string, string]>)),
    ...(v.init === undefined ? [] : ([['Init Duration p50 / p99', `${ms(v.init.p50)} / ${ms(v.init.p99)}`]] as Array<[string, string]>)),
  ];
  const table = `<table><tr>${cells.map(([k]) => `<th>${esc(k)}</th>`).join('')}</tr><tr>${cells.map(([, val]) => `<td>${esc(val)}</td>`).join('')}</tr></table>`;
  const errs = v.errors_
    .slice(0, 10)
    .map((e) => `<tr><td>${esc(e.errorType)}</td><td>${e.count}</td><td>${esc(e.firstMessage)}${e.logLine === undefined ? '' : `<br><code>${esc(e.logLine)}</code>`}</td><td>${e.logFile === undefined ? '' : `<code>${esc(e.logFile)}</code>`}</td></tr>`)
    .join('');
  const errTable = errs === '' ? '' : `<h3>Errors by type</h3><table><tr><th>errorType</th><th>count</th><th>first message</th><th>log file</th></tr>${errs}</table>`;
  const cap = v.waitedForCap > 0 ? `<p class="hint">The local cap on environments (maxEnvironments) was reached: ${v.waitedForCap} invocations waited for a free one (our wait, not AWS's).</p>` : '';
  return `<section id="hook"><h2>Pre-provisioning hook</h2><ul>${fn}</ul>${table}${errTable}${cap}</section>`;
}
