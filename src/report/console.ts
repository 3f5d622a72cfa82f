/** Text for the terminal: the end-of-run summary and the live progress line. Returns strings; cli/ prints them. */
import { Chalk, type ChalkInstance } from 'chalk';
import { STEP_NAMES } from '../metrics/names.js';
import { formatDuration } from '../util/duration.js';
import type { RunReport } from './build.js';
import { formatAnalysis } from './console-analysis.js';
import { wrapText } from './wrap-text.js';
import { runHeadline } from './headline.js';
import { formatHookSection } from './hook-section.js';

/**
 * Colour on or off. The NO_COLOR convention (no-color.org: set and not empty) turns the default
 * off; an explicit --color/--no-color (`explicit`) wins over it.
 */
export function makeChalk(color: boolean, explicit = false, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const noColor = !explicit && (env.NO_COLOR ?? '') !== '';
  return new Chalk({ level: color && !noColor ? 1 : 0 });
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fmtMs = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : v >= 100 ? `${v.toFixed(0)}ms` : `${v.toFixed(1)}ms`);
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** Printed width of a string (without colour codes). */
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Dropped reasons that mean the run stopped as designed before these devices were needed. */
const NOT_STARTED = new Set(['knee_found', 'threshold_aborted']);

export interface SummaryOptions {
  /** terminal width: long sentences wrap to it (undefined: no wrapping, e.g. a pipe or a file) */
  columns?: number | undefined;
  /** the plan line was already printed when the run started */
  planShown?: boolean;
}

export function formatSummary(r: RunReport, c: ChalkInstance, opts: SummaryOptions = {}): string {
  const lines: string[] = [];
  const head = runHeadline(r);
  const tone = head.tone === 'ok' ? c.green : head.tone === 'bad' ? c.red : c.yellow;
  lines.push('');
  const header = c.bold(`fleetsim run ${r.runId}`) + `  ${tone.bold(head.text)}  ${formatDuration(r.durationMs)}`;
  const target = `target ${r.target}`;
  if (opts.columns === undefined || visibleLength(header) + 2 + target.length <= opts.columns) lines.push(`${header}  ${target}`);
  else lines.push(header, c.dim(target));
  if (opts.planShown !== true) lines.push(c.dim(wrapText(r.plan, opts.columns, 2)));
  lines.push('');
  const o = r.outcomes;
  const failed = sum(o.failed);
  const notStartedEntries = Object.entries(o.dropped).filter(([k, v]) => NOT_STARTED.has(k) && v > 0);
  const droppedEntries = Object.entries(o.dropped).filter(([k, v]) => !NOT_STARTED.has(k) && v > 0);
  const notStarted = notStartedEntries.reduce((n, [, v]) => n + v, 0);
  const dropped = droppedEntries.reduce((n, [, v]) => n + v, 0);
  const parts = [c.green(`${o.provisioned} provisioned`), (failed > 0 ? c.red : c.dim)(`${failed} failed`), (dropped > 0 ? c.yellow : c.dim)(`${dropped} dropped`)];
  if (notStarted > 0) parts.push(`${notStarted} not started`);
  lines.push(`${c.bold('Outcomes')}  ${r.devices} devices: ${parts.join(', ')}`);
  const k = r.analysis?.knee?.stoppedAt;
  const reasons: Array<readonly [string, string, number]> = [
    ...Object.entries(o.failed).map(([reason, n]) => ['failed', reason, n] as const),
    ...droppedEntries.map(([reason, n]) => ['dropped', reason, n] as const),
  ].sort((a, b) => b[2] - a[2]);
  if (notStarted > 0) reasons.push(['not started', k === undefined ? 'not needed: the run stopped early as configured' : `not needed: the search stopped at ${k.ratePerSec}/s`, notStarted]);
  const kw = Math.max(0, ...reasons.map(([kind]) => kind.length));
  const nw = Math.max(0, ...reasons.map(([, , n]) => String(n).length));
  for (const [kind, reason, n] of reasons) lines.push((kind === 'failed' ? c.red : kind === 'dropped' ? c.yellow : c.dim)(`  ${pad(kind, kw)}  ${lpad(String(n), nw)}  ${reason}`));
  lines.push('');
  const stepNames = STEP_NAMES.filter((n) => r.steps[n] !== undefined);
  const sw = Math.max(4, ...stepNames.map((n) => n.length)) + 2;
  const cw = Math.max(5, ...stepNames.map((n) => String(r.steps[n]?.count ?? 0).length)) + 2;
  lines.push(c.bold(`${pad('Step', sw)}${lpad('count', cw)}${lpad('p50', 9)}${lpad('p90', 9)}${lpad('p99', 9)}${lpad('max', 9)}`));
  for (const name of stepNames) {
    const st = r.steps[name];
    if (st === undefined) continue;
    lines.push(`${pad(name, sw)}${lpad(String(st.count), cw)}${lpad(fmtMs(st.p50), 9)}${lpad(fmtMs(st.p90), 9)}${lpad(fmtMs(st.p99), 9)}${lpad(fmtMs(st.max), 9)}`);
  }
  if (r.rejections.length > 0) {
    lines.push('');
    lines.push(c.bold('Rejections'));
    const aw = Math.max(...r.rejections.map((x) => x.api.length));
    const ew = Math.max(...r.rejections.map((x) => `${x.statusCode} ${x.errorCode}`.length));
    const kw = Math.max(...r.rejections.map((x) => String(x.count).length));
    for (const rej of r.rejections) lines.push(`  ${pad(rej.api, aw)}  ${pad(`${rej.statusCode} ${rej.errorCode}`, ew)}  ${lpad(String(rej.count), kw)}`);
  }
  lines.push(...formatHookSection(r.emulator, c));
  const retries = Object.entries(r.retries);
  const perDevice = Object.entries(r.retriesPerDevice ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (retries.length > 0 || perDevice.some(([k]) => k !== '0')) {
    lines.push('');
    if (retries.length > 0) lines.push(`${c.bold('Retries')}  ${retries.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    if (perDevice.length > 0) lines.push(c.bold('Retries per device') + wrapText(`Retries per device  ${perDevice.map(([k, v]) => `${k}×${v}`).join('  ')}  (retries×devices)`, opts.columns, 20).slice('Retries per device'.length));
  }
  const perFlow = requestsPerFlow(r);
  if (perFlow !== undefined) lines.push(c.dim(`requests per flow without retries: ${perFlow}`));
  lines.push(...formatAnalysis(r, c, opts.columns));
  const g = r.generator;
  lines.push('');
  lines.push(
    c.dim(
      wrapText(
        `generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, event-loop p99 ${g.eventLoopP99Ms.toFixed(1)} ms, busy ≤${(g.maxUtilization * 100).toFixed(0)}%, ${g.lateStarts}/${g.starts} late starts, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
        opts.columns,
        2,
      ),
    ),
  );
  for (const w of r.warnings) lines.push(c.yellow(wrapText(`! ${w}`, opts.columns, 2)));
  return lines.join('\n');
}

/** Requests one device flow makes without retries (attempts − retries per device, mean), when the report records both. */
export function requestsPerFlow(r: RunReport): number | undefined {
  const per = r.retriesPerDevice;
  if (per === undefined) return undefined;
  let attempts = 0;
  let devices = 0;
  for (const [k, v] of Object.entries(r.attempts ?? {})) {
    if (Number(k) === 0) continue;
    attempts += Number(k) * v;
    devices += v;
  }
  if (devices === 0) return undefined;
  const retries = Object.entries(per).reduce((n, [k, v]) => n + Number(k) * v, 0);
  return Math.round(((attempts - retries) / devices) * 10) / 10;
}

export interface ProgressView {
  elapsedMs: number;
  devices: number;
  /** device flows started in the last second */
  startsPerSec: number;
  /** devices provisioned in the last second */
  provisionedPerSec: number;
  /** requests (and connects) sent to the target in the last second, retries included */
  requestsPerSec: number;
  inFlight: number;
  provisioned: number;
  /** rejected for throttling so far: 429 replies and connects refused for rate (analysis/api-series.ts) */
  throttled: number;
  failed: number;
  dropped: number;
  /** p99 of `provision` over the devices provisioned so far */
  p99Ms: number;
}

/**
 * The live line, in the summary's words. With `columns` (a terminal), it is fitted to one line
 * narrower than the terminal so a `\r` rewrite leaves no debris: the least useful parts go first.
 */
export function formatProgress(p: ProgressView, c: ChalkInstance, columns?: number): string {
  const done = p.provisioned + p.failed + p.dropped;
  // [priority (lower is kept longer), text]
  const segs: Array<[number, string]> = [
    [0, c.dim(`[${lpad((p.elapsedMs / 1000).toFixed(0), 4)}s]`)],
    [0, `${lpad(String(done), String(p.devices).length)}/${p.devices} done`],
    [4, `starts/s ${lpad(p.startsPerSec.toFixed(0), 3)}`],
    [1, `provisioned/s ${lpad(p.provisionedPerSec.toFixed(0), 3)}`],
    [2, `requests/s ${lpad(p.requestsPerSec.toFixed(0), 4)}`],
    [5, `in flight ${lpad(String(p.inFlight), 4)}`],
    [1, (p.throttled > 0 ? c.yellow : c.dim)(`throttled ${p.throttled}`)],
    [p.failed > 0 ? 1 : 6, (p.failed > 0 ? c.red : c.dim)(`failed ${p.failed}`)],
    [p.dropped > 0 ? 3 : 7, (p.dropped > 0 ? c.yellow : c.dim)(`dropped ${p.dropped}`)],
    [3, `provision p99 (so far) ${fmtMs(p.p99Ms)}`],
  ];
  const join = (xs: Array<[number, string]>) => xs.map(([, t]) => t).join('  ');
  if (columns === undefined || columns <= 0) return join(segs);
  let kept = segs;
  for (let drop = 7; drop >= 1 && visibleLength(join(kept)) > columns - 1; drop--) kept = kept.filter(([prio]) => prio < drop);
  let line = join(kept);
  if (visibleLength(line) > columns - 1) line = line.replace(ANSI, '').slice(0, Math.max(0, columns - 1));
  return line;
}
