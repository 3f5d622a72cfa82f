/**
 * Baseline comparison (`fleetsim report compare`, `fleetsim run --baseline`): per-step p50/p90/p99,
 * per-API mean accepted/s (analysis/api-series.ts meanAcceptedPerSec: accepted over the API's
 * active span, the figure of the HTML rates table and report.json analysis) and the provisioned
 * share of two runs, with regressions beyond a tolerance marked. Latency regresses when it grows;
 * rates and the provisioned share regress when they shrink. Returns data and text; the CLI decides the exit code.
 */
import { existsSync, statSync } from 'node:fs';
import { jsonSyntaxProblem, MAX_REPORT_FILE_BYTES, readBoundedTextFile } from '../util/read-file.js';
import path from 'node:path';
import { InputError } from '../util/errors.js';
import { REPORT_SCHEMA_VERSION, type Comparison, type ComparisonRow, type RunReport } from './types.js';

export type { Comparison, ComparisonRow } from './types.js';
import { apiSeconds } from './series.js';

export interface CompareOptions {
  /** percent; default 10 */
  tolerancePct?: number;
  /** default 1 ms */
  minLatencyDeltaMs?: number;
  /** where the baseline came from, for the report */
  baselineSource?: string;
}

const PERCENTILES = ['p50', 'p90', 'p99'] as const;

/** `10%`, `10` or `12.5%` → percent. */
export function parseTolerance(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (m === null) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) && v >= 0 && v <= 1000 ? v : undefined;
}

function delta(baseline: number | null, current: number | null): number | null {
  if (baseline === null || current === null || baseline === 0) return null;
  return Math.round(((current - baseline) / baseline) * 10000) / 100;
}

export function compareReports(baseline: RunReport, current: RunReport, o: CompareOptions = {}): Comparison {
  const tol = o.tolerancePct ?? 10;
  const minMs = o.minLatencyDeltaMs ?? 1;
  const rows: ComparisonRow[] = [];
  const warnings: string[] = [];
  if (baseline.scenarioHash !== current.scenarioHash) {
    warnings.push(`the runs used different scenarios (hash ${baseline.scenarioHash} vs ${current.scenarioHash}); compare with care`);
  }
  if (baseline.devices !== current.devices) warnings.push(`device counts differ: ${baseline.devices} vs ${current.devices}`);

  const stepNames = [...new Set([...Object.keys(baseline.steps), ...Object.keys(current.steps)])];
  for (const step of stepNames) {
    const b = baseline.steps[step];
    const c = current.steps[step];
    for (const p of PERCENTILES) {
      const bv = b === undefined ? null : b[p];
      const cv = c === undefined ? null : c[p];
      const row: ComparisonRow = { kind: 'latency', subject: step, metric: `${p} ms`, baseline: bv, current: cv, deltaPct: delta(bv, cv), regression: false };
      if (bv !== null && cv !== null) row.regression = cv > bv * (1 + tol / 100) && cv - bv >= minMs;
      else row.note = bv === null ? 'new in current' : 'missing in current';
      rows.push(row);
    }
  }

  // recomputed from each report's series (not read from its analysis), so a baseline written by
  // an older fleetsim is measured with the same definition as the current run
  const bRates = new Map(apiSeconds(baseline.series).map((a) => [a.api, a.totals.meanAcceptedPerSec]));
  const cRates = new Map(apiSeconds(current.series).map((a) => [a.api, a.totals.meanAcceptedPerSec]));
  for (const api of new Set([...bRates.keys(), ...cRates.keys()])) {
    const bv = bRates.get(api) ?? null;
    const cv = cRates.get(api) ?? null;
    const row: ComparisonRow = { kind: 'rate', subject: api, metric: 'accepted/s', baseline: bv, current: cv, deltaPct: delta(bv, cv), regression: false };
    if (bv !== null && cv !== null) row.regression = cv < bv * (1 - tol / 100);
    else if (bv !== null) {
      row.regression = bv > 0;
      row.note = 'not offered in current';
    } else row.note = 'new in current';
    rows.push(row);
  }

  const share = (r: RunReport) => (r.devices === 0 ? 0 : r.outcomes.provisioned / r.devices);
  const bs = round4(share(baseline));
  const cs = round4(share(current));
  rows.push({ kind: 'outcome', subject: 'provisioned', metric: 'share', baseline: bs, current: cs, deltaPct: delta(bs, cs), regression: cs < bs * (1 - tol / 100) });

  return {
    baseline: { runId: baseline.runId, source: o.baselineSource ?? baseline.runId, scenarioHash: baseline.scenarioHash },
    current: { runId: current.runId, scenarioHash: current.scenarioHash },
    tolerancePct: tol,
    minLatencyDeltaMs: minMs,
    rows,
    regressions: rows.filter((r) => r.regression).length,
    warnings,
  };
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;

/** A run folder (its report.json) or a report.json file; bad input is an InputError (exit 2). */
export function loadReportFile(where: string): RunReport {
  const file = existsSync(where) && statSync(where).isDirectory() ? path.join(where, 'report.json') : where;
  const read = readBoundedTextFile(file, MAX_REPORT_FILE_BYTES);
  if (!read.ok) {
    throw new InputError(`cannot read ${file}: ${read.code === 'ENOENT' ? 'no such file (give a run folder or a report.json)' : read.problem}`, { file });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(read.text);
  } catch (err) {
    throw new InputError(`${file}: ${jsonSyntaxProblem(err, read.text)}`, { file });
  }
  const r = doc as Partial<RunReport>;
  if (typeof r !== 'object' || r === null || typeof r.schemaVersion !== 'number' || typeof r.steps !== 'object' || typeof r.series !== 'object') {
    throw new InputError(`${file}: not a fleetsim report.json (schemaVersion, steps and series are required)`, { file });
  }
  if (r.schemaVersion > REPORT_SCHEMA_VERSION) {
    throw new InputError(`${file}: written by a newer fleetsim (report schema ${r.schemaVersion} > ${REPORT_SCHEMA_VERSION}); upgrade fleetsim to compare it`, { file });
  }
  return r as RunReport;
}

function fmt(v: number | null, metric: string): string {
  if (v === null) return '—';
  if (metric === 'share') return `${(v * 100).toFixed(1)}%`;
  if (metric === 'accepted/s') return v.toFixed(2);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** The comparison as a plain-text table (one row per metric; regressions marked). */
export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`baseline ${c.baseline.runId} (${c.baseline.source}) → current ${c.current.runId}; tolerance ${c.tolerancePct}%`);
  for (const w of c.warnings) lines.push(`! ${w}`);
  const head = ['', 'subject', 'metric', 'baseline', 'current', 'delta'];
  const body = c.rows.map((r) => [
    r.regression ? 'REGRESSION' : '',
    r.subject,
    r.metric,
    fmt(r.baseline, r.metric),
    fmt(r.current, r.metric),
    r.deltaPct === null ? (r.note ?? '—') : `${r.deltaPct > 0 ? '+' : ''}${r.deltaPct.toFixed(1)}%`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  lines.push(line(head));
  for (const row of body) lines.push(line(row));
  lines.push(c.regressions === 0 ? 'no regressions' : `${c.regressions} regression${c.regressions === 1 ? '' : 's'} beyond ${c.tolerancePct}%`);
  return lines.join('\n');
}
