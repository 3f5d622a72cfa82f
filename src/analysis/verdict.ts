/**
 * The run's verdict in one plain sentence, e.g.
 * "RegisterThing was throttled at 10.0/s from t=2 s; all 5,000 devices provisioned by t=531 s
 *  with at most 7 attempts at RegisterThing; none lost."
 */
import type { OutcomeCounts } from '../metrics/snapshot.js';
import type { KneeAnalysis } from './knee.js';
import type { ApiAnalysis } from './throttle.js';

export interface VerdictInput {
  apis: Record<string, ApiAnalysis>;
  outcomes: OutcomeCounts;
  devices: number;
  lastProvisionedSec: number | undefined;
  outOfRetries: number;
  status: string;
  statusReason?: string | undefined;
  durationSec: number;
  knee?: KneeAnalysis | undefined;
  /** the generator, not the target, limited the run (report.generator.saturated) */
  generatorSaturated?: boolean | undefined;
}

const num = (n: number) => n.toLocaleString('en-US');
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function topReasons(r: Record<string, number>, n = 2): string {
  return Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => (Object.keys(r).length === 1 ? k : `${v} ${k}`))
    .join(', ');
}

function throttleClause(throttled: Array<[string, ApiAnalysis]>): string {
  if (throttled.length === 0) return 'No API was throttled';
  const parts = throttled.map(([api, a], i) => {
    const at = a.plateauPerSec === null ? '' : ` at ${a.plateauPerSec.toFixed(1)}/s`;
    const from = a.onset === undefined ? '' : ` from t=${a.onset.tSec} s`;
    return i === 0 ? `${api} was throttled${at}${from}` : `${api}${at}${from}`;
  });
  return parts.length === 1 ? (parts[0] as string) : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function provisionClause(v: VerdictInput): string {
  const p = v.outcomes.provisioned;
  const by = v.lastProvisionedSec === undefined ? '' : ` by t=${v.lastProvisionedSec} s`;
  if (p === 0) return 'no device provisioned';
  if (p === v.devices) return `${v.devices === 1 ? 'the only device' : `all ${num(v.devices)} devices`} provisioned${by}`;
  return `${num(p)} of ${num(v.devices)} devices provisioned${by}`;
}

function attemptsClause(throttled: Array<[string, ApiAnalysis]>, apis: Record<string, ApiAnalysis>): string {
  const pick = throttled.find(([, a]) => a.attempts !== undefined) ?? Object.entries(apis).find(([, a]) => (a.attempts?.max ?? 0) > 1);
  if (pick === undefined || pick[1].attempts === undefined) return '';
  const max = pick[1].attempts.max;
  return ` with at most ${max} attempt${max === 1 ? '' : 's'} at ${pick[0]}`;
}

function lossClause(v: VerdictInput): string {
  const failed = sum(v.outcomes.failed);
  const dropped = sum(v.outcomes.dropped);
  if (failed + dropped === 0) return 'none lost';
  const parts: string[] = [];
  if (failed > 0) {
    const oor = v.outOfRetries > 0 ? `${num(v.outOfRetries)} ran out of retries` : topReasons(v.outcomes.failed);
    parts.push(`${num(failed)} failed (${oor})`);
  }
  if (dropped > 0) parts.push(`${num(dropped)} dropped (${topReasons(v.outcomes.dropped)})`);
  return parts.join(', ');
}

const SATURATED = ' (the generator was saturated: these numbers understate the target)';

export function composeVerdict(v: VerdictInput): string {
  const note = v.generatorSaturated === true ? SATURATED : '';
  if (v.knee !== undefined) return v.knee.summary.replace(/\.$/, `${note}.`);
  const throttled = Object.entries(v.apis).filter(([, a]) => a.onset !== undefined);
  const prefix =
    v.status === 'interrupted'
      ? `Interrupted at t=${v.durationSec} s: `
      : v.status === 'failed'
        ? `Run failed${v.statusReason === undefined ? '' : ` (${v.statusReason})`} at t=${v.durationSec} s: `
        : v.statusReason === 'threshold_aborted'
          ? `Stopped at t=${v.durationSec} s by a failing abortOnFail threshold: `
          : '';
  const sentence = `${throttleClause(throttled)}; ${provisionClause(v)}${attemptsClause(throttled, v.apis)}; ${lossClause(v)}${note}.`;
  return prefix === '' ? sentence : prefix + sentence.replace(/^No API/, 'no API');
}
