/**
 * For a replayed trace (load.model trace): how long devices stayed unprovisioned and when the
 * backlog drained, the two numbers an incident review asks for.
 *
 * - unprovisioned: the `provision` latency, which runs from each device's intended start (its
 *   arrival in the trace) to the end of its flow: p50, p99 and max, ms of the replay;
 * - backlog: devices that had arrived (started their flow) and not yet finished (provisioned or
 *   failed) at the end of each second; its peak, and the end of the second in which it last went
 *   back to zero (a backlog that forms again later drains again later).
 *
 * With `speed` N, the replay's times are N times shorter than the recording's where the delay is
 * waiting (quotas and backoff in replay time); the sentence gives both.
 */
import type { MetricsView } from '../metrics/thresholds.js';
import { parseSeriesKey } from '../metrics/names.js';
import { formatDuration } from '../util/duration.js';

export interface ReplayAnalysis {
  speed: number;
  /** ms of the replay; absent when no device provisioned */
  unprovisioned?: { p50: number; p99: number; max: number; count: number };
  backlog: {
    peak: number;
    /** end of the second the peak was reached */
    peakSec: number;
    /** end of the second the backlog was last back to zero; absent when it was not at the end of the run */
    drainedSec?: number;
    /** end of the second of the last arrival */
    lastArrivalSec?: number;
  };
}

export function analyzeReplay(m: MetricsView, speed: number): ReplayAnalysis {
  const seconds = Object.keys(m.series).map(Number).filter(Number.isInteger).sort((a, b) => a - b);
  const last = seconds[seconds.length - 1] ?? -1;
  let backlog = 0;
  let peak = 0;
  let peakSec = 0;
  let drainedSec: number | undefined;
  let lastArrivalSec: number | undefined;
  for (let s = 0; s <= last; s++) {
    const before = backlog;
    const counts = m.series[String(s)] ?? {};
    for (const [key, v] of Object.entries(counts)) {
      const name = parseSeriesKey(key).name;
      if (name === 'started') {
        backlog += v;
        if (v > 0) lastArrivalSec = s + 1;
      } else if (name === 'provisioned' || name === 'failed') backlog -= v;
    }
    if (backlog > peak) {
      peak = backlog;
      peakSec = s + 1;
    }
    // the last time it went back to zero: a backlog that forms again later drains again later
    if (backlog <= 0 && (before > 0 || (counts.started ?? 0) > 0)) drainedSec = s + 1;
  }
  if (backlog > 0) drainedSec = undefined;
  const out: ReplayAnalysis = { speed, backlog: { peak, peakSec } };
  if (drainedSec !== undefined) out.backlog.drainedSec = drainedSec;
  if (lastArrivalSec !== undefined) out.backlog.lastArrivalSec = lastArrivalSec;
  const h = m.histogram('provision');
  if (h.count > 0) {
    const st = h.stats();
    out.unprovisioned = { p50: st.p50, p99: st.p99, max: st.max, count: st.count };
  }
  return out;
}

const d = (ms: number) => formatDuration(ms);

/** "Devices stayed unprovisioned for p50 2.1 s, p99 7.5 s, max 8.5 s after they arrived (...); the backlog peaked at ..." */
export function replaySentence(r: ReplayAnalysis): string {
  const parts: string[] = [];
  const u = r.unprovisioned;
  if (u !== undefined) {
    const recorded = r.speed === 1 ? '' : ` (at ${r.speed}x; as recorded, up to ${d(u.p50 * r.speed)}, ${d(u.p99 * r.speed)}, ${d(u.max * r.speed)} where the delay was waiting)`;
    parts.push(`devices stayed unprovisioned for p50 ${d(u.p50)}, p99 ${d(u.p99)}, max ${d(u.max)} after they arrived${recorded}`);
  }
  const b = r.backlog;
  if (b.peak > 0) {
    const drained =
      b.drainedSec === undefined
        ? 'had not drained when the run ended'
        : `drained at t=${b.drainedSec} s${b.lastArrivalSec === undefined ? '' : b.drainedSec > b.lastArrivalSec ? `, ${b.drainedSec - b.lastArrivalSec} s after the last arrival` : ', as the last devices arrived'}`;
    parts.push(`the backlog peaked at ${b.peak.toLocaleString('en-US')} devices at t=${b.peakSec} s and ${drained}`);
  }
  if (parts.length === 0) return '';
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
