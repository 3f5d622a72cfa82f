/**
 * The sweep report (orchestrator/sweep.ts runs the sweep): one row per value with the outcomes a
 * quota question is answered by, as a console table, sweep.json and sweep.html (one chart).
 *
 * - time to provision all: the end of the second in which the last device provisioned, from the
 *   run start; null when not every device provisioned;
 * - p99 provision: the `provision` latency (from each device's intended start), ms;
 * - throttled share: throttled replies / requests offered, over every API;
 * - out of retries: devices that gave up on a retryable failure.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDuration, parseDuration } from '../util/duration.js';
import { InputError } from '../util/errors.js';
import { escapeHtml } from './html.js';
import type { RunReport } from './types.js';

export interface SweepRow {
  value: string;
  /** relative to the sweep folder */
  runDir: string;
  status: string;
  devices: number;
  provisioned: number;
  timeToProvisionAllMs: number | null;
  /** the `provision` step, ms; null when no device provisioned */
  provision: { p50: number; p90: number; p99: number; max: number } | null;
  throttledShare: number;
  throttled: number;
  offered: number;
  outOfRetries: number;
  /** --until: whether this run meets it */
  meetsUntil?: boolean;
}

export interface SweepReport {
  schemaVersion: 1;
  sweepId: string;
  scenarioFile: string;
  /** the swept path and its values */
  path: string;
  values: string[];
  /** overrides applied to every run */
  fixed: string[];
  devices: number;
  rows: SweepRow[];
  until?: string;
  /** the first value meeting `until` (the sweep stopped there) */
  stoppedAt?: string;
  interrupted?: boolean;
}

export function sweepRow(value: string, r: RunReport, runDir: string): SweepRow {
  let throttled = 0;
  let offered = 0;
  for (const a of Object.values(r.analysis?.apis ?? {})) {
    throttled += a.throttled;
    offered += a.offered;
  }
  const p = r.steps.provision;
  const all = r.outcomes.provisioned === r.devices && r.devices > 0;
  return {
    value,
    runDir,
    status: r.status,
    devices: r.devices,
    provisioned: r.outcomes.provisioned,
    timeToProvisionAllMs: all && r.analysis?.lastProvisionedSec !== undefined ? r.analysis.lastProvisionedSec * 1000 : null,
    provision: p === undefined || p.count === 0 ? null : { p50: p.p50, p90: p.p90, p99: p.p99, max: p.max },
    throttledShare: offered === 0 ? 0 : throttled / offered,
    throttled,
    offered,
    outOfRetries: r.analysis?.outOfRetries ?? 0,
  };
}

/** `--until`: one of the row's measures, a comparator and a value. */
export interface SweepUntil {
  source: string;
  measure: 'p50' | 'p90' | 'p99' | 'max' | 'provision_all' | 'throttled_share' | 'out_of_retries';
  op: '<' | '<=' | '>' | '>=' | '==';
  value: number;
}

const UNTIL_RE = /^\s*(?:(p50|p90|p99|max)\(\s*provision\s*\)|(time_to_provision_all|provision_all|throttled_share|out_of_retries))\s*(<=|>=|==|<|>)\s*(\S+)\s*$/;

export function parseSweepUntil(text: string): SweepUntil {
  const m = UNTIL_RE.exec(text);
  const bad = (message: string) => new InputError(`--until ${JSON.stringify(text)}: ${message}`, { issues: [{ path: '--until', message }] });
  if (m === null) {
    throw bad("must be <measure> <op> <value> with measure p50(provision), p99(provision), max(provision), provision_all, throttled_share or out_of_retries, e.g. 'p99(provision) < 10m'");
  }
  const measure = (m[1] ?? (m[2] === 'time_to_provision_all' ? 'provision_all' : m[2])) as SweepUntil['measure'];
  const raw = m[4] as string;
  let value: number | undefined;
  if (measure === 'throttled_share') value = raw.endsWith('%') ? Number(raw.slice(0, -1)) / 100 : Number(raw);
  else if (measure === 'out_of_retries') value = /^\d+$/.test(raw) ? Number(raw) : undefined;
  else value = parseDuration(raw);
  if (value === undefined || !Number.isFinite(value)) {
    throw bad(measure === 'throttled_share' ? 'the value must be a share such as 5% or 0.05' : measure === 'out_of_retries' ? 'the value must be a whole number' : 'the value must be a duration such as 10m or 90s');
  }
  return { source: text.trim(), measure, op: m[3] as SweepUntil['op'], value };
}

function measureOf(u: SweepUntil, row: SweepRow): number | null {
  switch (u.measure) {
    case 'provision_all':
      return row.timeToProvisionAllMs;
    case 'throttled_share':
      return row.throttledShare;
    case 'out_of_retries':
      return row.outOfRetries;
    default:
      return row.provision === null ? null : row.provision[u.measure];
  }
}

/** A missing measure (nobody provisioned, or not all) never meets the condition. */
export function meetsUntil(u: SweepUntil, row: SweepRow): boolean {
  const v = measureOf(u, row);
  if (v === null) return false;
  if (u.measure !== 'provision_all' && u.measure.startsWith('p') && row.provisioned < row.devices) return false;
  switch (u.op) {
    case '<':
      return v < u.value;
    case '<=':
      return v <= u.value;
    case '>':
      return v > u.value;
    case '>=':
      return v >= u.value;
    case '==':
      return v === u.value;
  }
}

const dur = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : formatDuration(ms));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The console table, one line per value, and the sentence that answers the question. */
export function formatSweepTable(s: SweepReport): string {
  const head = [s.path, 'provisioned', 'all provisioned', 'p50 provision', 'p99 provision', 'throttled', 'out of retries'];
  const body = s.rows.map((r) => [
    r.value + (r.meetsUntil === true ? ' ✓' : ''),
    `${r.provisioned}/${r.devices}`,
    r.timeToProvisionAllMs === null ? 'not all' : dur(r.timeToProvisionAllMs),
    dur(r.provision?.p50),
    dur(r.provision?.p99),
    pct(r.throttledShare),
    String(r.outOfRetries),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [line(head), ...body.map(line)];
  out.push('', sweepConclusion(s));
  return out.join('\n');
}

export function sweepConclusion(s: SweepReport): string {
  if (s.until !== undefined) {
    return s.stoppedAt !== undefined
      ? `${s.path}=${s.stoppedAt} is the first value that meets ${s.until}; the sweep stopped there.`
      : `no value tried meets ${s.until}${s.interrupted === true ? ' (the sweep was interrupted)' : ''}.`;
  }
  const all = s.rows.find((r) => r.timeToProvisionAllMs !== null && r.outOfRetries === 0);
  return all === undefined
    ? `no value tried provisioned all ${s.devices} devices.`
    : `${s.path}=${all.value} is the first value that provisioned all ${s.devices} devices (in ${dur(all.timeToProvisionAllMs)}, p99 ${dur(all.provision?.p99)}).`;
}

const esc = escapeHtml;

/** One chart: time to provision all and p99 provision (lines, seconds, left), throttled share (bars, right), out of retries (labels). */
function sweepChart(s: SweepReport): string {
  const W = 720;
  const H = 320;
  const L = 60;
  const R = 60;
  const T = 20;
  const B = 50;
  const n = s.rows.length;
  if (n === 0) return '<p>No run finished.</p>';
  const x = (i: number) => L + ((i + 0.5) * (W - L - R)) / n;
  const secs = s.rows.flatMap((r) => [r.timeToProvisionAllMs, r.provision?.p99 ?? null]).filter((v): v is number => v !== null).map((v) => v / 1000);
  const maxS = Math.max(1, ...secs) * 1.1;
  const y = (sec: number) => T + (H - T - B) * (1 - sec / maxS);
  const yShare = (share: number) => T + (H - T - B) * (1 - share);
  const bw = Math.min(40, (W - L - R) / n / 2);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const sec = (maxS * k) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(sec)}" y2="${y(sec)}" stroke="#e5e7eb"/><text x="${L - 6}" y="${y(sec) + 4}" text-anchor="end" font-size="11">${sec.toFixed(0)} s</text>`);
    parts.push(`<text x="${W - R + 6}" y="${yShare(k / 4) + 4}" font-size="11" fill="#b45309">${k * 25}%</text>`);
  }
  s.rows.forEach((r, i) => {
    const h = (H - T - B) * r.throttledShare;
    parts.push(`<rect x="${x(i) - bw / 2}" y="${H - B - h}" width="${bw}" height="${h}" fill="#fcd34d" opacity="0.7"><title>throttled ${pct(r.throttledShare)}</title></rect>`);
    parts.push(`<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle" font-size="12">${esc(r.value)}</text>`);
    parts.push(`<text x="${x(i)}" y="${H - B + 32}" text-anchor="middle" font-size="11" fill="#b91c1c">${r.outOfRetries} out of retries</text>`);
  });
  const line = (pick: (r: (typeof s.rows)[number]) => number | null, color: string, label: string) => {
    const pts = s.rows.map((r, i) => [i, pick(r)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    if (pts.length === 0) return;
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([i, v]) => `${x(i)},${y(v / 1000)}`).join(' ')}"/>`);
    for (const [i, v] of pts) parts.push(`<circle cx="${x(i)}" cy="${y(v / 1000)}" r="4" fill="${color}"><title>${label}: ${dur(v)}</title></circle>`);
  };
  line((r) => r.timeToProvisionAllMs, '#2563eb', 'time to provision all');
  line((r) => r.provision?.p99 ?? null, '#7c3aed', 'p99 provision');
  const legend =
    `<text x="${L}" y="${H - 4}" font-size="12"><tspan fill="#2563eb">● time to provision all</tspan>  <tspan fill="#7c3aed">● p99 provision</tspan>  ` +
    `<tspan fill="#b45309">▮ throttled share (right axis)</tspan>  <tspan fill="#b91c1c">devices out of retries (below)</tspan></text>`;
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" role="img" aria-label="sweep outcomes per value">${parts.join('')}${legend}</svg>`;
}

export function renderSweepHtml(s: SweepReport): string {
  const rows = s.rows
    .map(
      (r) =>
        `<tr><td><a href="${esc(r.runDir)}/report.html">${esc(r.value)}</a>${r.meetsUntil === true ? ' ✓' : ''}</td><td>${r.provisioned}/${r.devices}</td><td>${r.timeToProvisionAllMs === null ? 'not all' : dur(r.timeToProvisionAllMs)}</td>` +
        `<td>${dur(r.provision?.p50)}</td><td>${dur(r.provision?.p99)}</td><td>${pct(r.throttledShare)}</td><td>${r.outOfRetries}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fleetsim sweep ${esc(s.path)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#111827}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:right}td:first-child,th:first-child{text-align:left}.answer{border-left:4px solid #2563eb;background:#eff6ff;padding:8px 14px}</style></head>
<body><h1>Sweep of ${esc(s.path)}</h1>
<p>${esc(path.basename(s.scenarioFile))}, ${s.devices} devices${s.fixed.length === 0 ? '' : `, with ${esc(s.fixed.join(', '))}`}. Each value links to its run's report.</p>
<p class="answer">${esc(sweepConclusion(s))}</p>
${sweepChart(s)}
<table><thead><tr><th>${esc(s.path)}</th><th>provisioned</th><th>time to provision all</th><th>p50 provision</th><th>p99 provision</th><th>throttled</th><th>out of retries</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}

/** sweep.json and sweep.html in the sweep folder; returns their paths. */
export function writeSweepReport(dir: string, s: SweepReport): { json: string; html: string } {
  const json = path.join(dir, 'sweep.json');
  const html = path.join(dir, 'sweep.html');
  writeFileSync(json, `${JSON.stringify(s, null, 2)}\n`);
  writeFileSync(html, renderSweepHtml(s));
  return { json, html };
}
