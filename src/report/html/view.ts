/**
 * The data behind report.html, computed in Node from a RunReport: per-second rates per API,
 * latency percentile distributions decoded from the HDR histograms (never in the browser),
 * outcomes, rejections, attempts, generator health, checks, analysis and the comparison.
 * Every chart series is plain arrays, so the page only has to draw.
 */
import { isThrottleRejection } from '../../analysis/api-series.js';
import { arrivalCurve } from '../../load/models/index.js';
import YAML from 'yaml';
import { LatencyHistogram } from '../../metrics/histogram.js';
import { STEP_NAMES } from '../../metrics/names.js';
import type { RunReport } from '../build.js';
import type { Comparison } from '../compare.js';
import { activitySeconds, apiSeconds, seriesLength, type ApiSeconds } from '../series.js';
import { runHeadline, type Headline, type Tone } from '../headline.js';
import { buildFirstScreen, rateMarks, type FirstScreen, type RateMarks } from './first-screen.js';

/** Percentiles of the latency distribution chart (0 = min, 100 = max). */
export const DISTRIBUTION_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

/** One API's rates: report/series.ts apiSeconds (figures defined in analysis/api-series.ts), padded to the page's seconds. */
export type ApiRateView = ApiSeconds & { marks: RateMarks };

export type { Tone };

export interface HtmlView {
  title: string;
  runId: string;
  status: string;
  statusReason?: string;
  /** the status as the exit code tells it (report/headline.ts) */
  headline: Headline;
  /** cards, knee table and the throttled API in focus (html/first-screen.ts) */
  first: FirstScreen;
  /** under SHORT_RUN_SECONDS of data: per-second charts become tables */
  short: boolean;
  startedAt: string;
  durationMs: number;
  target: string;
  plan: string;
  devices: number;
  shard: string;
  outcomes: { provisioned: number; failed: number; dropped: number; labels: string[]; values: number[]; kinds: Array<'provisioned' | 'failed' | 'dropped'> };
  seconds: number[];
  rates: ApiRateView[];
  /** a replayed trace's arrivals per second (load.model trace), drawn over every per-API rate chart */
  arrivals?: number[];
  activity: { started: number[]; provisioned: number[]; failed: number[]; dropped: number[] };
  latency: { percentiles: string[]; steps: Array<{ step: string; count: number; valuesMs: number[] }> };
  stepsTable: Array<{ step: string; count: number; p50: number; p90: number; p99: number; max: number }>;
  rejections: Array<{ label: string; api: string; statusCode: number; errorCode: string; throttled: boolean; count: number; messages: Array<{ message: string; count: number }>; otherMessages: number }>;
  attempts: { labels: string[]; values: number[] };
  /** retries per device (0, 1, 2…): devices; requestsPerFlow = requests one flow makes without retries */
  retries: { labels: string[]; values: number[]; requestsPerFlow: number | null; retried: number };
  /** per second: devices in flight and per-step latency (report.timeline; empty for older reports) */
  timeline: { inFlight: Array<number | null>; steps: Array<{ step: string; p50: Array<number | null>; p99: Array<number | null> }> };
  health: { seconds: number[]; eventLoopP99Ms: number[]; lateStarts: number[]; starts: number[]; summary: string; saturated: boolean };
  thresholds: RunReport['thresholds'];
  expectations: RunReport['expectations'];
  verdict?: string;
  analysis: Array<{ api: string; plateau: string; onset: string; recovery: string; meanAccepted: string; throttled: number; timedOut: number }>;
  comparison?: Comparison;
  merged?: NonNullable<RunReport['merged']>;
  warnings: string[];
  scenarioYaml: string;
}

function percentileLabel(p: number): string {
  if (p === 0) return 'min';
  if (p === 100) return 'max';
  return `p${p}`;
}

function distributionOf(encoded: string): number[] {
  const h = LatencyHistogram.decode(encoded);
  try {
    return h.distribution(DISTRIBUTION_PERCENTILES).map((d) => Math.round(d.valueMs * 1000) / 1000);
  } finally {
    h.destroy();
  }
}

/** Runs with fewer seconds of data than this show per-second figures as tables, not lines. */
export const SHORT_RUN_SECONDS = 5;

function retriesView(r: RunReport): HtmlView['retries'] {
  const per = r.retriesPerDevice ?? {};
  const max = Math.max(0, ...Object.keys(per).map(Number));
  const labels = Object.keys(per).length === 0 ? [] : Array.from({ length: max + 1 }, (_, i) => String(i));
  const devices = Object.values(per).reduce((a, b) => a + b, 0);
  const retried = devices - (per['0'] ?? 0);
  // attempts = requests of one flow + retries, so the mean difference is the requests per flow
  let attemptSum = 0;
  let attemptDevices = 0;
  for (const [k, v] of Object.entries(r.attempts ?? {})) {
    if (Number(k) === 0) continue;
    attemptSum += Number(k) * v;
    attemptDevices += v;
  }
  const retrySum = Object.entries(per).reduce((n, [k, v]) => n + Number(k) * v, 0);
  const requestsPerFlow = devices === 0 || attemptDevices === 0 ? null : Math.round(((attemptSum - retrySum) / attemptDevices) * 10) / 10;
  return { labels, values: labels.map((k) => per[k] ?? 0), requestsPerFlow, retried };
}

function timelineView(r: RunReport, len: number): HtmlView['timeline'] {
  const per = r.timeline?.perSecond ?? {};
  // null: no worker reported in that second (not "none in flight")
  const inFlight = Array.from({ length: len }, (_, i) => per[String(i)]?.inFlight ?? null);
  const names = new Set<string>();
  for (const sec of Object.values(per)) for (const n of Object.keys(sec.steps)) names.add(n);
  const steps = (STEP_NAMES as readonly string[])
    .filter((n) => names.has(n) && n !== 'provision_service')
    .map((step) => ({
      step,
      p50: Array.from({ length: len }, (_, i) => per[String(i)]?.steps[step]?.p50Ms ?? null),
      p99: Array.from({ length: len }, (_, i) => per[String(i)]?.steps[step]?.p99Ms ?? null),
    }));
  return { inFlight, steps };
}

const rate = (v: number) => `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}/s`;

function analysisRows(r: RunReport): HtmlView['analysis'] {
  const apis = r.analysis?.apis;
  if (apis === undefined) return [];
  return Object.entries(apis).map(([api, a]) => ({
    api,
    plateau: a.plateauPerSec === null ? '—' : rate(a.plateauPerSec),
    onset: a.onset === undefined ? '—' : `t=${a.onset.tSec} s at ${rate(a.onset.offeredPerSec)} offered (${(a.onset.share429 * 100).toFixed(0)}% throttled)`,
    recovery: a.recovery === undefined ? '—' : `429s t=${a.recovery.firstThrottledSec}–${a.recovery.lastThrottledSec + 1} s; drained by t=${a.recovery.drainedSec} s (${a.recovery.durationSec} s after the first 429)`,
    // the rates table's figure, formatted the same way
    meanAccepted: `${a.meanAcceptedPerSec.toFixed(2)}/s`,
    throttled: a.throttled,
    timedOut: a.timedOut,
  }));
}

export function buildHtmlView(r: RunReport): HtmlView {
  const len = Math.max(seriesLength(r.series), 1);
  const seconds = Array.from({ length: len }, (_, i) => i);
  const pad = (xs: number[]) => (xs.length >= len ? xs : [...xs, ...new Array<number>(len - xs.length).fill(0)]);
  const rates: ApiRateView[] = apiSeconds(r.series).map((a) => ({
    api: a.api,
    offered: pad(a.offered),
    accepted: pad(a.accepted),
    throttled: pad(a.throttled),
    rejected: pad(a.rejected),
    timeout: pad(a.timeout),
    totals: a.totals,
    marks: { plateau: null, share: 0, meanPerSec: 0 },
  }));
  for (const a of rates) a.marks = rateMarks(r, a);
  const act = activitySeconds(r.series);
  const curve = r.scenario?.load === undefined ? undefined : arrivalCurve(r.scenario.load);

  const stepOrder = [...STEP_NAMES, ...Object.keys(r.steps).filter((s) => !(STEP_NAMES as readonly string[]).includes(s))];
  const steps = stepOrder.map((s) => [s, r.steps[s]] as const).filter(([, v]) => v !== undefined && v.count > 0);
  const latencySteps = steps.filter(([, v]) => v?.histogram !== undefined && v.histogram !== '').map(([step, v]) => ({ step, count: v?.count ?? 0, valuesMs: distributionOf(v?.histogram ?? '') }));

  const labels: string[] = [];
  const values: number[] = [];
  const kinds: HtmlView['outcomes']['kinds'] = [];
  if (r.outcomes.provisioned > 0) {
    labels.push('provisioned');
    values.push(r.outcomes.provisioned);
    kinds.push('provisioned');
  }
  for (const kind of ['failed', 'dropped'] as const) {
    for (const [reason, n] of Object.entries(r.outcomes[kind]).sort((a, b) => b[1] - a[1])) {
      if (n === 0) continue;
      labels.push(`${kind}: ${reason}`);
      values.push(n);
      kinds.push(kind);
    }
  }

  const attemptKeys = Object.keys(r.attempts ?? {}).sort((a, b) => Number(a) - Number(b));
  const g = r.generator;
  const healthLen = Math.max(len, ...Object.keys(g.perSecond ?? {}).map((k) => Number(k) + 1));
  const hs = Array.from({ length: healthLen }, (_, i) => i);
  const perSec = (f: 'eventLoopP99Ms' | 'lateStarts' | 'starts') => hs.map((i) => Math.round((g.perSecond?.[String(i)]?.[f] ?? 0) * 100) / 100);

  const view: HtmlView = {
    title: r.scenario?.name ?? r.runId,
    runId: r.runId,
    status: r.status,
    headline: runHeadline(r),
    first: buildFirstScreen(r, rates),
    short: seriesLength(r.series) < SHORT_RUN_SECONDS,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    target: r.target,
    // a trace's console sparkline reads as a solid bar in the page's font: the rates chart draws the trace instead
    plan: r.plan.replace(/ ?\[[\u2581-\u2588]+\]/g, ''),
    devices: r.devices,
    shard: r.shard.index === 0 ? `merged from ${r.shard.count} shards` : r.shard.count === 1 ? 'unsharded' : `shard ${r.shard.index} of ${r.shard.count}`,
    outcomes: {
      provisioned: r.outcomes.provisioned,
      failed: Object.values(r.outcomes.failed).reduce((a, b) => a + b, 0),
      dropped: Object.values(r.outcomes.dropped).reduce((a, b) => a + b, 0),
      labels,
      values,
      kinds,
    },
    seconds,
    rates,
    activity: { started: pad(act.started), provisioned: pad(act.provisioned), failed: pad(act.failed), dropped: pad(act.dropped) },
    latency: { percentiles: DISTRIBUTION_PERCENTILES.map(percentileLabel), steps: latencySteps },
    stepsTable: steps.map(([step, v]) => ({ step, count: v?.count ?? 0, p50: v?.p50 ?? 0, p90: v?.p90 ?? 0, p99: v?.p99 ?? 0, max: v?.max ?? 0 })),
    rejections: (r.rejections ?? []).map((x) => ({
      label: `${x.api} ${x.statusCode} ${x.errorCode}`,
      api: x.api,
      statusCode: x.statusCode,
      errorCode: x.errorCode,
      // the analysis's own rule: 429, a ThrottlingException (HTTP 400 on the control plane), a CONNACK refused for rate
      throttled: isThrottleRejection(x.api, String(x.statusCode), x.errorCode),
      count: x.count,
      messages: x.messages ?? [],
      otherMessages: x.otherMessages ?? 0,
    })),
    attempts: { labels: attemptKeys, values: attemptKeys.map((k) => r.attempts[k] ?? 0) },
    retries: retriesView(r),
    timeline: timelineView(r, len),
    health: {
      seconds: hs,
      eventLoopP99Ms: perSec('eventLoopP99Ms'),
      lateStarts: perSec('lateStarts'),
      starts: perSec('starts'),
      summary: `${g.workers} worker${g.workers === 1 ? '' : 's'}; event-loop p99 ≤ ${g.eventLoopP99Ms} ms; ${g.lateStarts} of ${g.starts} starts late; busy ≤ ${Math.round(g.maxUtilization * 100)}%`,
      saturated: g.saturated === true,
    },
    thresholds: r.thresholds ?? [],
    expectations: r.expectations ?? [],
    analysis: analysisRows(r),
    warnings: r.warnings ?? [],
    scenarioYaml: YAML.stringify(r.scenario ?? {}),
  };
  if (r.statusReason !== undefined) view.statusReason = r.statusReason;
  if (r.analysis?.verdict !== undefined) view.verdict = r.analysis.verdict;
  if (curve !== undefined) view.arrivals = pad(curve.slice(0, len));
  if (r.comparison !== undefined) view.comparison = r.comparison;
  if (r.merged !== undefined) view.merged = r.merged;
  return view;
}
