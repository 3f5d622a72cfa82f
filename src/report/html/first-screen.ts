/**
 * What report.html shows before any scrolling: cards that answer "was it throttled, which API, at
 * what rate against which quota, from when to when, how long to provision everyone, how slow,
 * what failed", the throttled API in focus with its story (throttled span, backoff tail, the two
 * means), and for a knee search its table. All figures come from report.json's analysis; nothing
 * here is measured anew.
 */
import type { RunReport } from '../build.js';
import type { ApiSeconds } from '../series.js';
import type { Tone } from '../headline.js';

export interface Card {
  id: string;
  label: string;
  value: string;
  sub: string;
  tone: Tone | '';
}

/** What a rate chart marks beside its lines. Seconds are [fromSec, toSec). */
export interface RateMarks {
  /** the rate the API is known to allow: the emulator's quota, or the scenario's acceptedRate expectation */
  quota?: { perSec: number; source: string };
  /** median accepted/s over the throttled seconds (analysis); null when never throttled */
  plateau: number | null;
  /** throttled / offered over the run */
  share: number;
  /** the y-axis stops at `max` so the plateau stays readable; `peak` (at `atSec`) is off the scale */
  clip?: { max: number; peak: number; atSec: number; series: string };
  /** from the first to the end of the last second with a 429 */
  throttled?: { fromSec: number; toSec: number; accepted: number; meanPerSec: number };
  /** after the last 429 until the API was drained: what the devices' backoff, not the quota, paced */
  tail?: { fromSec: number; toSec: number; accepted: number; meanPerSec: number };
  /** the API's active span (analysis activeSpan) and its mean accepted/s */
  span?: { fromSec: number; toSec: number };
  meanPerSec: number;
}

export interface KneeView {
  summary: string;
  stop: string;
  apis: string[];
  rows: Array<{ step: number; rate: number; started: number; apis: Array<{ accepted: number; share: number } | null>; p99Ms: number | null; failures: number; passed: boolean; result: string }>;
  kneeStep?: number;
}

export interface FirstScreen {
  cards: Card[];
  /** index into the rates of the API in focus (the most throttled), or null */
  focus: number | null;
  /** one sentence per line, explaining the focus chart */
  story: string[];
  knee?: KneeView;
}

const num = (n: number) => n.toLocaleString('en-US');
const rate = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}/s`;
const quotaRate = (v: number) => `${Number.isInteger(v) ? v : v.toFixed(1)}/s`;
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
export const fmtMs = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const span = (from: number, to: number) => `t=${from}–${to} s`;

/** Dropped reasons that mean "the run stopped as designed before these devices were needed". */
const NOT_STARTED = new Set(['knee_found', 'threshold_aborted']);

/** The rate an API is known to allow, if the report says. */
export function knownQuota(r: RunReport, api: string): RateMarks['quota'] {
  const quotas = (r.emulator as { quotas?: Record<string, unknown> } | undefined)?.quotas;
  const q = quotas?.[api === 'Connect' ? 'connectPerAccount' : api];
  if (typeof q === 'object' && q !== null && typeof (q as { rate?: unknown }).rate === 'number') {
    const b = (q as { burst?: unknown }).burst;
    return { perSec: (q as { rate: number }).rate, source: `emulator quota${typeof b === 'number' ? `, burst ${b}` : ''}` };
  }
  const ar = (r.scenario as { expectations?: { acceptedRate?: unknown } } | undefined)?.expectations?.acceptedRate;
  const list = (Array.isArray(ar) ? ar : ar === undefined ? [] : [ar]) as Array<{ api?: string; perSec?: number }>;
  const e = list.find((x) => x.api === api && typeof x.perSec === 'number');
  return e === undefined ? undefined : { perSec: e.perSec as number, source: 'expected (acceptedRate)' };
}

function niceCeil(v: number): number {
  const step = v <= 20 ? 5 : v <= 100 ? 10 : v <= 500 ? 50 : 100;
  return Math.ceil(v / step) * step;
}

export function rateMarks(r: RunReport, a: ApiSeconds): RateMarks {
  const an = r.analysis?.apis?.[a.api];
  const quota = knownQuota(r, a.api);
  const marks: RateMarks = {
    plateau: an?.plateauPerSec ?? null,
    share: a.totals.offered === 0 ? 0 : a.totals.throttled / a.totals.offered,
    meanPerSec: a.totals.meanAcceptedPerSec,
  };
  if (quota !== undefined) marks.quota = quota;
  if (an?.activeSpan !== undefined) marks.span = { fromSec: an.activeSpan.fromSec, toSec: an.activeSpan.toSec };
  const acceptedIn = (from: number, to: number) => a.accepted.slice(from, to).reduce((x, y) => x + y, 0);
  const rec = an?.recovery;
  if (rec !== undefined) {
    const to = rec.lastThrottledSec + 1;
    const acc = acceptedIn(rec.firstThrottledSec, to);
    marks.throttled = { fromSec: rec.firstThrottledSec, toSec: to, accepted: acc, meanPerSec: Math.round((acc / (to - rec.firstThrottledSec)) * 100) / 100 };
    const end = Math.max(rec.drainedSec, marks.span?.toSec ?? 0);
    if (end > to) {
      const tailAcc = acceptedIn(to, end);
      marks.tail = { fromSec: to, toSec: end, accepted: tailAcc, meanPerSec: Math.round((tailAcc / (end - to)) * 100) / 100 };
    }
  }
  // keep the plateau readable: stop the axis well above what the API accepted when something else towers over it
  const ref = Math.max(quota?.perSec ?? 0, marks.plateau ?? 0, ...a.accepted);
  const candidates: Array<[string, number[]]> = [
    ['offered', a.offered],
    ['throttled', a.throttled],
    ['rejected (other)', a.rejected],
  ];
  let peak = 0;
  let atSec = 0;
  let series = '';
  for (const [name, xs] of candidates) {
    xs.forEach((v, i) => {
      if (v > peak) [peak, atSec, series] = [v, i, name];
    });
  }
  if (ref > 0 && peak > ref * 4) marks.clip = { max: niceCeil(ref * 2.5), peak, atSec, series };
  return marks;
}

function retryText(r: RunReport): string {
  const rt = (r.scenario as { retry?: { backoff?: string; jitter?: string; maxDelay?: number } } | undefined)?.retry;
  if (rt === undefined) return 'their retry backoff';
  const parts = [rt.backoff, rt.jitter === undefined || rt.jitter === 'none' ? undefined : `${rt.jitter} jitter`, rt.maxDelay === undefined ? undefined : `up to ${rt.maxDelay % 1000 === 0 ? `${rt.maxDelay / 1000} s` : fmtMs(rt.maxDelay)}`].filter((x) => x !== undefined);
  return parts.length === 0 ? 'their retry backoff' : `their backoff (${parts.join(', ')})`;
}

/** Sentences under the focus chart: when it was throttled, what the tail was, the two means defined. */
export function storyOf(r: RunReport, api: string, m: RateMarks, throttledCount: number): string[] {
  const out: string[] = [];
  if (m.throttled !== undefined) {
    const q = m.quota === undefined ? '' : ` against a quota of ${quotaRate(m.quota.perSec)} (${m.quota.source})`;
    out.push(
      `Throttled ${span(m.throttled.fromSec, m.throttled.toSec)} (${m.throttled.toSec - m.throttled.fromSec} s): ${api} accepted a median ${rate(m.plateau ?? 0)}${q} while ${num(throttledCount)} requests were answered 429.`,
    );
  }
  if (m.tail !== undefined) {
    out.push(
      `Backoff tail ${span(m.tail.fromSec, m.tail.toSec)} (${m.tail.toSec - m.tail.fromSec} s): no more 429s, yet only ${rate(m.tail.meanPerSec)} accepted. The quota no longer limited anything: the last devices were waiting out ${retryText(r)}.`,
    );
  }
  if (m.span !== undefined) out.push(`Mean accepted/s ${m.meanPerSec.toFixed(2)}: accepted ÷ the seconds ${api} was in use (${span(m.span.fromSec, m.span.toSec)}).`);
  if (m.throttled !== undefined) out.push(`Mean accepted/s while throttled ${m.throttled.meanPerSec.toFixed(2)}: accepted ÷ the seconds from the first to the last 429 (${span(m.throttled.fromSec, m.throttled.toSec)}).`);
  return out;
}

function kneeView(r: RunReport): KneeView | undefined {
  const k = r.analysis?.knee;
  if (k === undefined) return undefined;
  const apis = [...new Set(k.steps.flatMap((s) => Object.keys(s.apis)))].filter(
    (a) => a !== 'VerifyConnect' && a !== 'VerifyPublish' && (a !== 'Connect' || k.steps.some((s) => (s.apis[a]?.share429 ?? 0) > 0)),
  );
  const w = k.stopWhen;
  const stop = [
    w.share429 === undefined ? undefined : `an API's 429 share ≥ ${pct(w.share429)}`,
    w.p99 === undefined ? undefined : `p99 ${k.p99Of} ≥ ${fmtMs(w.p99)}`,
    w.failures === undefined ? undefined : `failures ≥ ${pct(w.failures)}`,
  ]
    .filter((x) => x !== undefined)
    .join(' or ');
  const view: KneeView = {
    summary: k.summary,
    stop,
    apis,
    rows: k.steps.map((s) => ({
      step: s.step,
      rate: s.ratePerSec,
      started: s.startedPerSec,
      apis: apis.map((a) => {
        const x = s.apis[a];
        return x === undefined ? null : { accepted: x.acceptedPerSec, share: x.share429 };
      }),
      p99Ms: s.p99Ms,
      failures: s.failures,
      passed: s.passed,
      result: s.passed ? 'pass' : s.reasons.join('; '),
    })),
  };
  if (k.knee !== undefined) view.kneeStep = k.knee.step;
  return view;
}

export function buildFirstScreen(r: RunReport, rates: Array<ApiSeconds & { marks: RateMarks }>): FirstScreen {
  const cards: Card[] = [];
  const knee = kneeView(r);
  const k = r.analysis?.knee;
  if (k !== undefined) {
    cards.push({
      id: 'knee',
      label: 'knee',
      value: k.knee === undefined ? 'none' : `${quotaRate(k.knee.ratePerSec)}`,
      sub: k.stoppedAt === undefined ? 'the search did not stop' : `stopped at ${quotaRate(k.stoppedAt.ratePerSec)}: ${k.stoppedAt.reasons.join('; ')}`,
      tone: k.knee === undefined ? 'bad' : '',
    });
  }
  const throttled = rates
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a.totals.throttled > 0)
    .sort((x, y) => y.a.totals.throttled - x.a.totals.throttled);
  if (throttled.length === 0) {
    cards.push({ id: 'throttled', label: 'throttled', value: 'none', sub: 'no request was throttled', tone: 'ok' });
  }
  for (const { a } of throttled.slice(0, 2)) {
    cards.push({
      id: `throttled-${a.api}`,
      label: `throttled · ${a.api}`,
      value: pct(a.marks.share),
      sub: `${num(a.totals.throttled)} of ${num(a.totals.offered)} requests answered 429`,
      tone: 'warn',
    });
  }
  const focus = throttled[0];
  if (focus !== undefined) {
    const m = focus.a.marks;
    const q = m.quota === undefined ? 'no quota known' : `quota ${quotaRate(m.quota.perSec)} (${m.quota.source})`;
    cards.push({ id: 'plateau', label: `plateau · ${focus.a.api}`, value: m.plateau === null ? '—' : rate(m.plateau), sub: q, tone: '' });
    if (m.throttled !== undefined && k === undefined) {
      cards.push({
        id: 'throttled-span',
        label: 'first → last 429',
        value: span(m.throttled.fromSec, m.throttled.toSec),
        sub: m.tail === undefined ? 'drained when throttling stopped' : `then a ${m.tail.toSec - m.tail.fromSec} s backoff tail at ${rate(m.tail.meanPerSec)}`,
        tone: '',
      });
    }
  }
  const devices = r.devices;
  const provisioned = r.outcomes.provisioned;
  const last = r.analysis?.lastProvisionedSec;
  const droppedAll = r.outcomes.dropped;
  const notStarted = Object.entries(droppedAll).filter(([reason]) => NOT_STARTED.has(reason)).reduce((n, [, v]) => n + v, 0);
  const needed = devices - notStarted;
  if (provisioned === needed && provisioned > 0) {
    cards.push({ id: 'provision-all', label: 'time to provision all', value: last === undefined ? '—' : `${last} s`, sub: `${num(provisioned)} devices, the last by t=${last ?? '?'} s`, tone: 'ok' });
  } else {
    cards.push({
      id: 'provision-all',
      label: 'provisioned',
      value: `${num(provisioned)} / ${num(needed)}`,
      sub: provisioned === 0 ? 'no device provisioned' : `not all; the last by t=${last ?? '?'} s`,
      tone: 'bad',
    });
  }
  const p = r.steps.provision;
  cards.push({ id: 'p99', label: 'provision p99', value: p === undefined ? '—' : fmtMs(p.p99), sub: p === undefined ? 'no device provisioned' : `p50 ${fmtMs(p.p50)} · max ${fmtMs(p.max)}`, tone: '' });
  const failed = sumOf(r.outcomes.failed);
  const reasons = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([reason, n]) => `${num(n)} ${reason}`)
      .join(', ');
  cards.push({ id: 'failures', label: 'failures', value: failed === 0 ? 'none' : num(failed), sub: failed === 0 ? 'no device failed' : reasons(r.outcomes.failed), tone: failed === 0 ? 'ok' : 'bad' });
  const dropped = sumOf(droppedAll) - notStarted;
  if (dropped > 0) {
    cards.push({ id: 'dropped', label: 'dropped', value: num(dropped), sub: reasons(Object.fromEntries(Object.entries(droppedAll).filter(([x]) => !NOT_STARTED.has(x)))), tone: 'warn' });
  }
  if (notStarted > 0) {
    const why = k?.stoppedAt !== undefined ? `the search stopped at ${quotaRate(k.stoppedAt.ratePerSec)}` : 'the run stopped early as configured';
    cards.push({ id: 'not-started', label: 'not started', value: num(notStarted), sub: `not needed: ${why}`, tone: '' });
  }
  const checks = [...(r.thresholds ?? []).map((t) => t.ok), ...(r.expectations ?? []).map((e) => e.ok)];
  if (checks.length > 0) {
    const bad = checks.filter((ok) => !ok).length;
    cards.push({ id: 'checks', label: 'checks', value: bad === 0 ? `${checks.length} passed` : `${bad} failed`, sub: bad === 0 ? 'thresholds and expectations' : `of ${checks.length} thresholds and expectations`, tone: bad === 0 ? 'ok' : 'bad' });
  }
  const out: FirstScreen = { cards, focus: focus === undefined ? null : focus.i, story: focus === undefined ? [] : storyOf(r, focus.a.api, focus.a.marks, focus.a.totals.throttled) };
  if (knee !== undefined) out.knee = knee;
  return out;
}
