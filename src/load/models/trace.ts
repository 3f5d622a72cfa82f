/**
 * The `trace` load model (incident replay): devices arrive when a recorded trace says they did. The
 * file (load/trace/parse.ts: timestamps, `t,count` CSV, CloudWatch get-metric-data JSON, or a
 * fleetsim events.jsonl) is read once when the scenario is loaded (resolve), so every shard and
 * worker takes its share of the same arrivals.
 *
 * Rules, in order: `from`/`to` cut a window of the trace (its start becomes t=0); `speed` divides
 * every offset (10x replays an hour in 6 minutes) and the embedded emulator's quotas are multiplied
 * by the same factor, so each quota meets the same share of the traffic (retry backoff, latencies
 * and timeouts are not scaled); `devices` keeps the first N arrivals; fleet.devices also caps them.
 * Arrivals are open, as in the `open` model: at most `maxInFlight` at once, and an arrival that
 * cannot start within `startTolerance` is dropped.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatDuration } from '../../util/duration.js';
import { InputError, type ValidationIssue } from '../../util/errors.js';
import { duration, positiveInt } from '../../util/zod-fields.js';
import { asArrivals } from '../arrivals.js';
import { detectFormat, MAX_TRACE_BYTES, parseTrace, TRACE_FORMATS, TraceParseError, type TraceFormat } from '../trace/parse.js';
import { defineLoadModel } from './types.js';

/** `10x`, `10`, `0.5x` → the factor; anything else is an issue. */
const speedField = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\s*\d+(\.\d+)?\s*x?\s*$/i.test(v) ? Number.parseFloat(v) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1000) {
    ctx.addIssue({ code: 'custom', message: `must be a factor such as 10x (0 < speed <= 1000; got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return n;
});

export const traceLoadSchema = z
  .strictObject({
    model: z.literal('trace'),
    /** the trace file, relative to the scenario file */
    file: z.string().min(1, 'must name the trace file'),
    /** default: from the file name (.jsonl events, .json cloudwatch, .csv counts, else timestamps) */
    format: z.enum(['auto', ...TRACE_FORMATS], { error: `must be auto, ${TRACE_FORMATS.join(', ')}` }).default('auto'),
    /** counts: each row's interval; cloudwatch: the metric period (default: the step between its timestamps) */
    interval: duration.optional(),
    /** counts and cloudwatch: arrivals evenly over each interval, or at seeded random times in it */
    spread: z.enum(['even', 'random'], { error: 'must be even or random' }).default('even'),
    seed: z.number().int('must be an integer').default(1),
    /** replay faster: 10x divides every offset by 10 and multiplies the emulator's quotas by 10 */
    speed: speedField.default(1),
    /** a window of the trace, from its start (before speed) */
    from: duration.optional(),
    to: duration.optional(),
    /** keep only the first N arrivals of the window */
    devices: positiveInt.optional(),
    maxInFlight: positiveInt.default(1000),
    /** an arrival that cannot start within this time of its intended start is dropped */
    startTolerance: duration.default(60_000),
    maxDuration: duration.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.from !== undefined && s.to !== undefined && s.to <= s.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (s.interval !== undefined && s.interval <= 0) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'must be > 0' });
  });

/** What was read from the trace file (filled in when the scenario is loaded; not written by hand). */
export interface ResolvedTrace {
  format: TraceFormat;
  /** arrivals in the file, and in the window */
  fileArrivals: number;
  windowArrivals: number;
  /** ms, after the window and speed, ascending; at most `devices` */
  offsetsMs: number[];
  /** arrivals per second of the replay (after speed), for the plan and the report's charts */
  perSecond: number[];
  /** ms, length of the replayed window after speed */
  durationMs: number;
  startedAt?: string;
  notes: string[];
}

export type TraceLoad = z.output<typeof traceLoadSchema> & { resolved?: ResolvedTrace };

function resolvedOf(load: TraceLoad): ResolvedTrace {
  if (load.resolved === undefined) throw new TypeError(`the trace ${load.file} was not read (scenario not loaded with loadScenario)`);
  return load.resolved;
}

/** Read, check and cut the trace; problems become one InputError naming the file and line. */
export function resolveTrace(load: TraceLoad, ctx: { file: string; baseDir: string }): TraceLoad {
  const file = path.resolve(ctx.baseDir, load.file);
  const issue = (message: string, at = 'load.file'): InputError =>
    new InputError(`${ctx.file}: the trace ${load.file} cannot be replayed`, { file: ctx.file, issues: [{ path: at, message }] });
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_TRACE_BYTES) throw issue(`${file}: ${size} bytes is more than the ${MAX_TRACE_BYTES / 1024 / 1024} MiB a trace may have`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw issue(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const format = load.format === 'auto' ? detectFormat(file, text) : load.format;
  if (format === undefined) throw issue(`${file}: empty, or its format is not recognised: set load.format (${TRACE_FORMATS.join(', ')})`);
  let parsed;
  try {
    parsed = parseTrace(format, text, { intervalMs: load.interval, spread: load.spread, seed: load.seed });
  } catch (err) {
    if (!(err instanceof TraceParseError)) throw err;
    const issues: ValidationIssue[] = err.problems.map((p) => (p.at.startsWith('load.') ? { path: p.at, message: p.message } : { path: 'load.file', message: `${file}: ${p.at}: ${p.message} (format ${format})` }));
    throw new InputError(`${ctx.file}: the trace ${load.file} cannot be replayed`, { file: ctx.file, issues });
  }
  const from = load.from ?? 0;
  const to = load.to ?? Infinity;
  const window = parsed.offsetsMs.filter((t) => t >= from && t < to);
  if (window.length === 0) {
    const last = parsed.offsetsMs[parsed.offsetsMs.length - 1] ?? 0;
    throw issue(`no arrivals between from ${formatDuration(from)} and to ${Number.isFinite(to) ? formatDuration(to) : 'the end'} (the trace's arrivals span 0 to ${formatDuration(last)})`, load.from !== undefined ? 'load.from' : 'load.to');
  }
  const kept = window.slice(0, load.devices ?? window.length).map((t) => Math.round(((t - from) / load.speed) * 1000) / 1000);
  const end = (Math.min(to, Math.max(parsed.endMs, from + 1)) - from) / load.speed;
  const perSecond = new Array<number>(Math.max(1, Math.ceil(end / 1000))).fill(0);
  for (const t of kept) {
    const s = Math.floor(t / 1000);
    if (s < perSecond.length) perSecond[s] = (perSecond[s] as number) + 1;
  }
  const resolved: ResolvedTrace = {
    format,
    fileArrivals: parsed.offsetsMs.length,
    windowArrivals: window.length,
    offsetsMs: kept,
    perSecond,
    durationMs: Math.round(end),
    notes: parsed.notes,
  };
  if (parsed.startedAt !== undefined) resolved.startedAt = parsed.startedAt;
  return { ...load, resolved };
}

const BARS = '▁▂▃▄▅▆▇█';

/** The arrival curve in `width` characters (blank: no arrival in that slice). */
export function sparkline(perSecond: readonly number[], width = 48): string {
  if (perSecond.length === 0) return '';
  const n = Math.min(width, perSecond.length);
  const sums = new Array<number>(n).fill(0);
  perSecond.forEach((v, i) => {
    const b = Math.min(n - 1, Math.floor((i * n) / perSecond.length));
    sums[b] = (sums[b] as number) + v;
  });
  const max = Math.max(...sums);
  return sums.map((v) => (v === 0 || max === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))])).join('');
}

export const traceModel = defineLoadModel({
  name: 'trace',
  schema: traceLoadSchema,
  describe(load, devices) {
    const r = resolvedOf(load as TraceLoad);
    const planned = Math.min(devices, r.offsetsMs.length);
    const peak = Math.max(...r.perSecond);
    const peakText = load.speed === 1 ? `peak ${peak}/s` : `peak ${peak}/s in the replay (${Math.round((peak / load.speed) * 10) / 10}/s as recorded)`;
    const windowText = load.from !== undefined || load.to !== undefined ? `, window ${formatDuration(load.from ?? 0)}–${load.to === undefined ? 'end' : formatDuration(load.to)}` : '';
    const speedText =
      load.speed === 1 ? '' : `; replayed at ${load.speed}x: arrivals ${load.speed}x closer together and the emulator's quotas ${load.speed}x higher (latencies and retry backoff are not scaled)`;
    const cut = r.windowArrivals > r.offsetsMs.length ? `; the first ${r.offsetsMs.length} of the window's ${r.windowArrivals} kept (load.devices)` : '';
    const tail = planned < r.offsetsMs.length ? `; fleet.devices ${devices} replays only the first ${planned} arrivals` : planned < devices ? `; the trace schedules ${planned} of ${devices} devices, the rest are not started` : '';
    return (
      `trace model: ${load.file} (${r.format}, ${r.fileArrivals} arrivals${windowText}), ${planned} arrivals over ${formatDuration(r.durationMs)}, ${peakText} ` +
      `[${sparkline(r.perSecond)}]${speedText}${cut}${tail}; at most ${load.maxInFlight} in flight, arrivals more than ${formatDuration(load.startTolerance)} late are dropped`
    );
  },
  schedule: (load, devices) => asArrivals(resolvedOf(load as TraceLoad).offsetsMs.slice(0, devices)),
  inFlight: (load) => load.maxInFlight,
  shortcuts: { concurrency: 'maxInFlight', rate: () => ({ none: 'the trace load model has no arrival rate: its arrivals come from the trace file (use --set load.speed=2x to replay faster)' }) },
  runner: (load) => ({ kind: 'timed', startToleranceMs: load.startTolerance }),
  resolve: (load, ctx) => resolveTrace(load as TraceLoad, ctx),
  speed: (load) => load.speed,
  forReport: (load) => {
    const r = (load as TraceLoad).resolved;
    if (r === undefined) return load;
    // the offsets can be millions of numbers: the report keeps the per-second curve
    const { offsetsMs: _offsets, ...rest } = r;
    return { ...load, resolved: rest } as typeof load;
  },
});
