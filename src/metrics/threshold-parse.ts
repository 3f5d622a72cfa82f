/**
 * Parser for k6-style threshold expressions:
 *
 *   fn(metric{label=value,...}) op value[unit]
 *
 *   p99(register_thing) < 2s            avg(provision) <= 800ms
 *   count(failed) == 0                  count(provisioned) >= 100
 *   ratio(rejected{api=RegisterThing,status=429}) < 0.05      ratio(provisioned) > 99%
 *   rate(accepted{api=RegisterThing}) >= 9/s
 *
 * Pure and dependency-free, so the scenario schema can check expressions at validate time and
 * a parse error names the column. Semantics live in thresholds.ts.
 */
import { STEP_NAMES, type CounterName, type COUNTERS } from './names.js';
import { UNIT_MS } from '../util/duration.js';

export const COMPARATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** Histogram metrics: the per-step latencies. */
export const LATENCY_METRICS = STEP_NAMES;

/** Device outcomes (filter: reason). */
export const OUTCOME_METRICS = ['provisioned', 'failed', 'dropped'] as const;

/** Per-second counters a threshold may use and the labels each may be filtered by (a counter's own labels, names.ts COUNTERS). */
export const COUNTER_FILTERS: Record<string, readonly string[]> = {
  offered: ['api'],
  accepted: ['api'],
  rejected: ['api', 'status', 'code'],
  timeout: ['api'],
  started: [],
  retries: ['reason', 'step'],
  exhausted: ['reason', 'step'],
} satisfies { [N in CounterName]?: ReadonlyArray<(typeof COUNTERS)[N][number]> };

export type ThresholdFn = 'percentile' | 'avg' | 'min' | 'max' | 'count' | 'ratio' | 'rate';

export interface ParsedThreshold {
  /** the expression as written (trimmed) */
  source: string;
  fn: ThresholdFn;
  /** for `percentile`: 0-100 */
  percentile?: number;
  /** the function name as written: p99, avg, count, ... */
  fnName: string;
  metric: string;
  filters: Record<string, string>;
  op: Comparator;
  /** the right-hand side in canonical units: ms (latencies), per second (rate), 0-1 (ratio), count */
  value: number;
  /** unit as written ('' when none) */
  unit: string;
}

export class ThresholdParseError extends Error {
  override name = 'ThresholdParseError';
  /** 1-based column in the expression */
  readonly column: number;
  readonly expression: string;
  readonly reason: string;
  constructor(expression: string, column: number, reason: string) {
    super(`"${expression}": ${reason} at column ${column}`);
    this.expression = expression;
    this.column = column;
    this.reason = reason;
  }
}

const FN_NAMES = ['avg', 'mean', 'med', 'min', 'max', 'count', 'ratio', 'rate'];
const RATE_UNITS: Record<string, number> = { '/s': 1, '/m': 1 / 60, '/h': 1 / 3600 };

/** A cursor over the expression; every error carries the 1-based column. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }
  fail(reason: string, at = this.pos): never {
    throw new ThresholdParseError(this.text, at + 1, reason);
  }
  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null || m.index !== this.pos) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  expect(ch: string, what: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected ${what}${this.found()}`);
    this.pos++;
  }
  found(): string {
    return this.pos >= this.text.length ? ', found the end' : `, found "${this.text[this.pos]}"`;
  }
}

function parseFilters(c: Cursor): Record<string, string> {
  const filters: Record<string, string> = {};
  c.pos++; // '{'
  for (;;) {
    c.skipSpace();
    const keyAt = c.pos;
    const key = c.match(/[A-Za-z_][A-Za-z0-9_]*/y);
    if (key === undefined) c.fail(`expected a label name (api, status, code, reason, step)${c.found()}`);
    c.expect('=', '"=" after the label name');
    c.skipSpace();
    let value: string | undefined;
    if (c.text[c.pos] === '"') {
      const end = c.text.indexOf('"', c.pos + 1);
      if (end < 0) c.fail('unterminated quoted label value');
      value = c.text.slice(c.pos + 1, end);
      c.pos = end + 1;
    } else {
      value = c.match(/[^,}")\s]+/y);
    }
    if (value === undefined || value === '') c.fail(`expected a value for label ${key}${c.found()}`);
    if (filters[key] !== undefined) c.fail(`label ${key} is given twice`, keyAt);
    filters[key] = value;
    c.skipSpace();
    const ch = c.text[c.pos];
    if (ch === ',') {
      c.pos++;
      continue;
    }
    if (ch === '}') {
      c.pos++;
      return filters;
    }
    c.fail(`expected "," or "}" in the label list${c.found()}`);
  }
}

/** Metric name check; `at` is the metric's 0-based position. */
function checkMetric(c: Cursor, fn: ThresholdFn, fnName: string, metric: string, filters: Record<string, string>, at: number, filtersAt: number): void {
  if (fn === 'percentile' || fn === 'avg' || fn === 'min' || fn === 'max') {
    if (!(LATENCY_METRICS as readonly string[]).includes(metric)) {
      c.fail(`${fnName}() needs a latency metric (${LATENCY_METRICS.join(', ')}), not "${metric}"`, at);
    }
    if (Object.keys(filters).length > 0) c.fail(`${fnName}(${metric}) takes no labels`, filtersAt);
    return;
  }
  const isOutcome = (OUTCOME_METRICS as readonly string[]).includes(metric);
  const counterLabels = COUNTER_FILTERS[metric];
  if (!isOutcome && counterLabels === undefined) {
    c.fail(`unknown metric "${metric}" for ${fnName}() (outcomes: ${OUTCOME_METRICS.join(', ')}; counters: ${Object.keys(COUNTER_FILTERS).join(', ')})`, at);
  }
  if (fn === 'ratio' && !isOutcome && !['accepted', 'rejected', 'timeout'].includes(metric)) {
    c.fail(`ratio() applies to provisioned, failed, dropped (share of devices) or accepted, rejected, timeout (share of offered requests), not "${metric}"`, at);
  }
  const allowed = isOutcome ? ['reason'] : (counterLabels as readonly string[]);
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) {
      c.fail(`label "${key}" does not apply to ${metric} (${allowed.length === 0 ? 'it takes no labels' : `labels: ${allowed.join(', ')}`})`, filtersAt);
    }
  }
}

function parseValue(c: Cursor, fn: ThresholdFn, fnName: string): { value: number; unit: string } {
  c.skipSpace();
  const numAt = c.pos;
  const num = c.match(/-?\d+(\.\d+)?/y);
  if (num === undefined) c.fail(`expected a number${c.found()}`);
  const unitAt = c.pos;
  const unit = c.match(/\/[A-Za-z]+|%|[A-Za-z]+/y) ?? '';
  const n = Number(num);
  c.skipSpace();
  if (c.pos < c.text.length) c.fail(`unexpected "${c.text.slice(c.pos)}" after the value`);
  const isLatency = fn === 'percentile' || fn === 'avg' || fn === 'min' || fn === 'max';
  if (isLatency) {
    if (unit === '') return { value: n, unit };
    const f = UNIT_MS[unit];
    if (f === undefined) c.fail(`${fnName}() compares durations: use ms, s, m or h, not "${unit}"`, unitAt);
    return { value: n * f, unit };
  }
  if (fn === 'rate') {
    if (unit === '') return { value: n, unit };
    const f = RATE_UNITS[unit];
    if (f === undefined) c.fail(`rate() compares a rate: use /s, /m or /h, not "${unit}"`, unitAt);
    return { value: n * f, unit };
  }
  if (fn === 'ratio') {
    if (unit === '%') return { value: n / 100, unit };
    if (unit !== '') c.fail(`ratio() compares a fraction (0.05) or a percentage (5%), not "${unit}"`, unitAt);
    if (n < 0 || n > 1) c.fail('a ratio is between 0 and 1 (or write a percentage such as 5%)', numAt);
    return { value: n, unit };
  }
  if (unit !== '') c.fail(`count() compares a plain number, not "${unit}"`, unitAt);
  return { value: n, unit };
}

/** Parse one expression; throws ThresholdParseError with the column of the problem. */
export function parseThreshold(expression: string): ParsedThreshold {
  const source = expression.trim();
  const c: Cursor = new Cursor(source);
  if (source === '') c.fail('empty expression');
  const fnAt = c.pos;
  const fnName = c.match(/[A-Za-z_][A-Za-z0-9_.]*/y);
  if (fnName === undefined) c.fail(`expected a function such as p99, avg, count, ratio or rate${c.found()}`);
  let fn: ThresholdFn;
  let percentile: number | undefined;
  const pm = /^p(\d+(\.\d+)?)$/.exec(fnName);
  if (pm !== null) {
    percentile = Number(pm[1]);
    if (percentile <= 0 || percentile > 100) c.fail(`percentile ${fnName} must be between p0 and p100`, fnAt);
    fn = 'percentile';
  } else if (FN_NAMES.includes(fnName)) {
    fn = fnName === 'mean' ? 'avg' : fnName === 'med' ? 'percentile' : (fnName as ThresholdFn);
    if (fnName === 'med') percentile = 50;
  } else {
    c.fail(`unknown function "${fnName}" (use pNN such as p99, avg, min, max, med, count, ratio, rate)`, fnAt);
  }
  c.expect('(', `"(" after ${fnName}`);
  c.skipSpace();
  const metricAt = c.pos;
  const metric = c.match(/[A-Za-z_][A-Za-z0-9_]*/y);
  if (metric === undefined) c.fail(`expected a metric name${c.found()}`);
  c.skipSpace();
  const filtersAt = c.pos;
  const filters = c.text[c.pos] === '{' ? parseFilters(c) : {};
  c.expect(')', '")"');
  checkMetric(c, fn, fnName, metric, filters, metricAt, filtersAt);
  c.skipSpace();
  const op = c.match(/<=|>=|==|!=|<|>/y) as Comparator | undefined;
  if (op === undefined) c.fail(`expected a comparison (< <= > >= == !=)${c.found()}`);
  const { value, unit } = parseValue(c, fn, fnName);
  const parsed: ParsedThreshold = { source, fn, fnName, metric, filters, op, value, unit };
  if (percentile !== undefined) parsed.percentile = percentile;
  return parsed;
}

/** Parse, or return the error: for validation that collects every problem. */
export function checkThreshold(expression: string): ThresholdParseError | undefined {
  try {
    parseThreshold(expression);
    return undefined;
  } catch (err) {
    if (err instanceof ThresholdParseError) return err;
    throw err;
  }
}
