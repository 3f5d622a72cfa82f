import YAML from 'yaml';
import { createRandom } from '../../util/random.js';
import { round } from '../../util/round.js';

/**
 * Recorded arrivals for the `trace` load model (load/models/trace.ts), from four kinds of file:
 *
 * - `timestamps`: one arrival per line, an ISO 8601 time or seconds from the start of the trace;
 * - `counts`: `t,count` CSV rows, one per `interval` (t in seconds from the start, or ISO 8601),
 *   the arrivals of a row spread evenly, or at seeded random times, over its interval;
 * - `cloudwatch`: the JSON printed by `aws cloudwatch get-metric-data` (MetricDataResults); every
 *   listed series is summed per timestamp, each timestamp then read as a `counts` row;
 * - `events`: a fleetsim run's events.jsonl; the devices started in each second (the `started`
 *   counter) arrive evenly within that second, so the replay starts as many per second as the run did.
 *
 * Every problem names the line (or the JSON path) and the rule. Offsets are ms from the first
 * arrival's period (timestamps: from the first line), sorted ascending.
 */

export const TRACE_FORMATS = ['timestamps', 'counts', 'cloudwatch', 'events'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Files above this are refused before they are read. */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** A trace may hold at most this many arrivals (counts are summed before the arrivals are made). */
export const MAX_TRACE_ARRIVALS = 2_000_000;

export interface TraceProblem {
  /** 1-based line, when the problem is on one */
  line?: number;
  /** where in the file, e.g. `line 12` or `MetricDataResults[1].Values[3]` */
  at: string;
  message: string;
}

export class TraceParseError extends Error {
  override name = 'TraceParseError';
  constructor(readonly problems: TraceProblem[]) {
    super(problems.map((p) => `${p.at}: ${p.message}`).join('; '));
  }
}

export interface CountRow {
  /** ms from the start of the trace */
  t: number;
  count: number;
}

export interface ParsedTrace {
  format: TraceFormat;
  /** arrival offsets, ms from the start of the trace, ascending */
  offsetsMs: number[];
  /** ISO time of the trace's zero, when the file says it */
  startedAt?: string;
  /** ms; the interval counts were read in (counts, cloudwatch, events) */
  intervalMs?: number;
  /** ms from the start: where the trace ends (the last row's interval end; the last timestamp) */
  endMs: number;
  /** things worth saying about how the file was read (rounded values, series summed) */
  notes: string[];
}

export interface ParseOptions {
  /** counts: each row's interval; cloudwatch: the period (default: the step between its timestamps) */
  intervalMs?: number | undefined;
  spread?: 'even' | 'random';
  seed?: number;
}

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Which format a file is, from its name first and then its first meaningful line. */
export function detectFormat(fileName: string, text: string): TraceFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl')) return 'events';
  if (lower.endsWith('.json')) return 'cloudwatch';
  if (lower.endsWith('.csv')) return 'counts';
  const first = meaningfulLines(text).next().value?.text;
  if (first === undefined) return undefined;
  if (first.startsWith('{')) return first.includes('"type"') ? 'events' : 'cloudwatch';
  if (first.includes(',')) return 'counts';
  return 'timestamps';
}

function* meaningfulLines(text: string): Generator<{ line: number; text: string }> {
  let n = 0;
  for (const raw of text.split('\n')) {
    n++;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    yield { line: n, text: t };
  }
}

/** ms since the epoch for an ISO 8601 time; undefined when it is not one. */
function isoMs(s: string): number | undefined {
  if (!ISO.test(s)) return undefined;
  const ms = Date.parse(s.includes('T') || s.length <= 10 ? s : s.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

/** A time field: ISO 8601 or seconds from the start; the kind must stay the same for the whole file. */
function readTime(s: string, line: number, kind: { value: 'iso' | 'seconds' | undefined }, problems: TraceProblem[]): number | undefined {
  const iso = isoMs(s);
  if (iso !== undefined) {
    if (kind.value === 'seconds') return void problems.push({ line, at: `line ${line}`, message: `${JSON.stringify(s)} is an ISO time, but earlier lines give seconds from the start` });
    kind.value = 'iso';
    return iso;
  }
  if (NUMBER.test(s)) {
    const v = Number(s);
    if (v < 0) return void problems.push({ line, at: `line ${line}`, message: `${s}: seconds from the start must be >= 0` });
    if (kind.value === 'iso') return void problems.push({ line, at: `line ${line}`, message: `${s} is seconds from the start, but earlier lines give ISO times` });
    kind.value = 'seconds';
    return v * 1000;
  }
  problems.push({ line, at: `line ${line}`, message: `${JSON.stringify(s.slice(0, 40))} is not a time (ISO 8601 such as 2026-03-02T06:02:00Z, or seconds from the start)` });
  return undefined;
}

function fail(problems: TraceProblem[]): never {
  throw new TraceParseError(problems.slice(0, 20));
}

/** (a) one arrival per line. */
export function parseTimestamps(text: string): ParsedTrace {
  const problems: TraceProblem[] = [];
  const kind: { value: 'iso' | 'seconds' | undefined } = { value: undefined };
  const times: number[] = [];
  let prev: { t: number; line: number } | undefined;
  for (const { line, text: t } of meaningfulLines(text)) {
    const ms = readTime(t, line, kind, problems);
    if (ms === undefined) continue;
    if (prev !== undefined && ms < prev.t) problems.push({ line, at: `line ${line}`, message: `earlier than line ${prev.line}: the arrivals must be in time order` });
    prev = { t: ms, line };
    times.push(ms);
    if (times.length > MAX_TRACE_ARRIVALS) fail([{ line, at: `line ${line}`, message: `more than ${MAX_TRACE_ARRIVALS} arrivals` }]);
  }
  if (problems.length > 0) fail(problems);
  if (times.length === 0) fail([{ at: 'file', message: 'has no arrivals (empty, or only comments)' }]);
  const zero = kind.value === 'iso' ? (times[0] as number) : 0;
  const offsetsMs = times.map((t) => round(t - zero));
  const out: ParsedTrace = { format: 'timestamps', offsetsMs, endMs: (offsetsMs[offsetsMs.length - 1] as number) + 1, notes: [] };
  if (kind.value === 'iso') out.startedAt = new Date(zero).toISOString();
  return out;
}

/** (b) `t,count` rows, one per interval; a first line that is not a row (`t,count`) is a header. */
export function parseCounts(text: string, opts: ParseOptions): ParsedTrace {
  const problems: TraceProblem[] = [];
  const interval = opts.intervalMs;
  if (interval === undefined || interval <= 0) fail([{ at: 'load.interval', message: 'a counts trace needs load.interval (each row\'s interval, e.g. 10s)' }]);
  const kind: { value: 'iso' | 'seconds' | undefined } = { value: undefined };
  const rows: CountRow[] = [];
  let first = true;
  let prevLine = 0;
  let total = 0;
  for (const { line, text: t } of meaningfulLines(text)) {
    const cells = t.split(',').map((c) => c.trim());
    if (first && cells.length >= 2 && !NUMBER.test(cells[1] as string) && isoMs(cells[0] as string) === undefined && !NUMBER.test(cells[0] as string)) {
      first = false; // header
      continue;
    }
    first = false;
    if (cells.length !== 2) {
      problems.push({ line, at: `line ${line}`, message: `must be t,count (found ${cells.length} field${cells.length === 1 ? '' : 's'})` });
      continue;
    }
    const ms = readTime(cells[0] as string, line, kind, problems);
    const c = cells[1] as string;
    if (!/^\d+$/.test(c)) {
      problems.push({ line, at: `line ${line}`, message: `count ${JSON.stringify(c.slice(0, 20))} must be a whole number >= 0` });
      continue;
    }
    if (ms === undefined) continue;
    const prev = rows[rows.length - 1];
    if (prev !== undefined && ms < prev.t + interval) {
      problems.push({
        line,
        at: `line ${line}`,
        message: ms <= prev.t ? `time goes backwards or repeats (line ${prevLine}): rows must be in time order` : `less than one interval (${interval} ms) after line ${prevLine}`,
      });
    }
    prevLine = line;
    const count = Number(c);
    total += count;
    if (total > MAX_TRACE_ARRIVALS) fail([{ line, at: `line ${line}`, message: `more than ${MAX_TRACE_ARRIVALS} arrivals in all` }]);
    rows.push({ t: ms, count });
  }
  if (problems.length > 0) fail(problems);
  if (rows.length === 0) fail([{ at: 'file', message: 'has no rows (empty, or only a header and comments)' }]);
  const zero = kind.value === 'iso' ? (rows[0] as CountRow).t : 0;
  const shifted = rows.map((r) => ({ t: r.t - zero, count: r.count }));
  const out: ParsedTrace = { format: 'counts', offsetsMs: spreadCounts(shifted, interval, opts), intervalMs: interval, endMs: (shifted[shifted.length - 1] as CountRow).t + interval, notes: [] };
  if (kind.value === 'iso') out.startedAt = new Date(zero).toISOString();
  return out;
}

/** Arrivals of count rows: `even` puts the i-th of k at t + i·interval/k; `random` draws seeded uniform times in the interval. */
export function spreadCounts(rows: CountRow[], intervalMs: number, opts: ParseOptions): number[] {
  const out: number[] = [];
  const random = createRandom(opts.seed ?? 1);
  for (const r of rows) {
    if (opts.spread === 'random') {
      const times = Array.from({ length: r.count }, () => r.t + random() * intervalMs).sort((a, b) => a - b);
      for (const t of times) out.push(round(t));
    } else {
      for (let i = 0; i < r.count; i++) out.push(round(r.t + (i * intervalMs) / r.count));
    }
  }
  return out;
}

interface MetricDataResult {
  Id?: unknown;
  Label?: unknown;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: unknown;
}

/** (c) `aws cloudwatch get-metric-data` output: every series in MetricDataResults summed per timestamp. */
export function parseCloudWatch(text: string, opts: ParseOptions): ParsedTrace {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // JSON.parse does not say the line on every Node.js version: the YAML parser (JSON is YAML) does
    const line = YAML.parseDocument(text).errors[0]?.linePos?.[0].line;
    fail([{ ...(line === undefined ? {} : { line }), at: line === undefined ? 'file' : `line ${line}`, message: `not valid JSON: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const results = (doc as { MetricDataResults?: unknown } | null)?.MetricDataResults;
  if (!Array.isArray(results)) fail([{ at: 'MetricDataResults', message: 'is missing: expected the output of aws cloudwatch get-metric-data (a MetricDataResults list)' }]);
  if (results.length === 0) fail([{ at: 'MetricDataResults', message: 'is empty: the query returned no series' }]);
  const problems: TraceProblem[] = [];
  const sums = new Map<number, number>();
  const labels: string[] = [];
  let rounded = false;
  results.forEach((r: MetricDataResult, i) => {
    const at = `MetricDataResults[${i}]`;
    labels.push(typeof r.Label === 'string' ? r.Label : typeof r.Id === 'string' ? r.Id : `#${i}`);
    if (!Array.isArray(r.Timestamps) || !Array.isArray(r.Values)) return void problems.push({ at, message: 'needs Timestamps and Values lists' });
    if (r.Timestamps.length !== r.Values.length) return void problems.push({ at, message: `has ${r.Timestamps.length} Timestamps but ${r.Values.length} Values` });
    if (r.StatusCode === 'PartialData') problems.push({ at: `${at}.StatusCode`, message: 'is PartialData: fetch the remaining pages (NextToken) and merge them into one file' });
    r.Timestamps.forEach((ts: unknown, j: number) => {
      const ms = typeof ts === 'string' ? isoMs(ts.trim()) : undefined;
      const v = (r.Values as unknown[])[j];
      if (ms === undefined) return void problems.push({ at: `${at}.Timestamps[${j}]`, message: `${JSON.stringify(ts)} is not an ISO 8601 time` });
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return void problems.push({ at: `${at}.Values[${j}]`, message: `${JSON.stringify(v)} must be a number >= 0` });
      if (!Number.isInteger(v)) rounded = true;
      sums.set(ms, (sums.get(ms) ?? 0) + v);
    });
  });
  if (problems.length > 0) fail(problems);
  // get-metric-data lists newest first by default: sort
  const times = [...sums.keys()].sort((a, b) => a - b);
  if (times.length === 0) fail([{ at: 'MetricDataResults', message: 'has no data points' }]);
  let interval = opts.intervalMs;
  if (interval === undefined) {
    let step = Infinity;
    for (let i = 1; i < times.length; i++) step = Math.min(step, (times[i] as number) - (times[i - 1] as number));
    interval = Number.isFinite(step) ? step : 60_000;
  }
  const zero = times[0] as number;
  const rows = times.map((t) => ({ t: t - zero, count: Math.round(sums.get(t) as number) }));
  const total = rows.reduce((a, r) => a + r.count, 0);
  if (total > MAX_TRACE_ARRIVALS) fail([{ at: 'MetricDataResults', message: `more than ${MAX_TRACE_ARRIVALS} arrivals in all` }]);
  const notes = [`summed ${results.length} series (${labels.join(' + ')}) per ${interval / 1000} s period`];
  if (rounded) notes.push('values that were not whole numbers were rounded (use the Sum statistic)');
  const endMs = (rows[rows.length - 1] as CountRow).t + interval;
  return { format: 'cloudwatch', offsetsMs: spreadCounts(rows, interval, opts), startedAt: new Date(zero).toISOString(), intervalMs: interval, endMs, notes };
}

/** (d) a fleetsim events.jsonl: the `started` counter per second, each second's starts evenly within it. */
export function parseEventsTrace(text: string): ParsedTrace {
  const problems: TraceProblem[] = [];
  const perSecond = new Map<number, number>();
  let meta: { startedAt?: unknown } | undefined;
  const lines = text.split('\n');
  let total = 0;
  let notFleetsim = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || notFleetsim) return;
    let e: { type?: unknown; snapshot?: { series?: Record<string, Record<string, unknown>> } };
    try {
      e = JSON.parse(raw) as typeof e;
    } catch {
      // a torn last line (the run was killed mid-write) is skipped, as fleetsim report does
      if (i >= lines.length - 2) return;
      return void problems.push({ line, at: `line ${line}`, message: 'not a JSON line' });
    }
    if (meta === undefined) {
      if (e.type !== 'meta') {
        notFleetsim = true;
        return void problems.push({ line, at: `line ${line}`, message: 'a fleetsim events.jsonl starts with a meta line' });
      }
      meta = e as { startedAt?: unknown };
      return;
    }
    if (e.type !== 'progress' && e.type !== 'crash') return;
    for (const [period, counters] of Object.entries(e.snapshot?.series ?? {})) {
      const n = counters.started;
      if (n === undefined) continue;
      if (!/^\d+$/.test(period) || typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        problems.push({ line, at: `line ${line}`, message: `series ${JSON.stringify(period)}: started must be a whole number` });
        continue;
      }
      total += n;
      perSecond.set(Number(period), (perSecond.get(Number(period)) ?? 0) + n);
    }
  });
  if (total > MAX_TRACE_ARRIVALS) fail([{ at: 'file', message: `more than ${MAX_TRACE_ARRIVALS} arrivals` }]);
  if (problems.length > 0) fail(problems);
  if (meta === undefined) fail([{ at: 'file', message: 'is empty' }]);
  if (total === 0) fail([{ at: 'file', message: 'no device started in that run: nothing to replay' }]);
  const rows = [...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([s, count]) => ({ t: s * 1000, count }));
  const endMs = (rows[rows.length - 1] as CountRow).t + 1000;
  const out: ParsedTrace = { format: 'events', offsetsMs: spreadCounts(rows, 1000, { spread: 'even' }), intervalMs: 1000, endMs, notes: ['devices started per second in the recorded run, spread evenly within each second'] };
  if (typeof meta.startedAt === 'string') out.startedAt = meta.startedAt;
  return out;
}

export function parseTrace(format: TraceFormat, text: string, opts: ParseOptions): ParsedTrace {
  switch (format) {
    case 'timestamps':
      return parseTimestamps(text);
    case 'counts':
      return parseCounts(text, opts);
    case 'cloudwatch':
      return parseCloudWatch(text, opts);
    case 'events':
      return parseEventsTrace(text);
  }
}
