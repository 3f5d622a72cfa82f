/**
 * The run's status as the exit code will tell it, in a few words, for the console header and the
 * HTML badge: a completed run whose threshold failed reads `completed, 1 threshold failed` (bad),
 * an interrupted one `interrupted` once. It mirrors the CLI's exit-code rules (cli/commands/run.ts)
 * from the report alone: interrupted, failed, then checks (judged on whole runs only: a single
 * shard's checks are judged on the merge), then baseline regressions.
 */
import type { RunReport } from './build.js';

export type Tone = 'ok' | 'bad' | 'warn';

export interface Headline {
  text: string;
  tone: Tone;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Human words for the reasons a run stops early (statusReason). */
function reasonText(reason: string): string {
  if (reason === 'knee_found') return 'knee found';
  if (reason === 'threshold_aborted') return 'stopped by a threshold';
  return reason.replace(/_/g, ' ');
}

export function runHeadline(r: Pick<RunReport, 'status' | 'statusReason' | 'shard' | 'thresholds' | 'expectations' | 'comparison'>): Headline {
  const reason = r.statusReason;
  if (r.status === 'interrupted') return { text: reason === undefined || reason === 'interrupted' ? 'interrupted' : `interrupted (${reasonText(reason)})`, tone: 'warn' };
  if (r.status === 'failed') return { text: reason === undefined ? 'failed' : `failed (${reasonText(reason)})`, tone: 'bad' };
  const base = reason === undefined || reason === 'threshold_aborted' ? 'completed' : `completed (${reasonText(reason)})`;
  const partOfShards = r.shard.count > 1 && r.shard.index > 0;
  if (partOfShards) return { text: base, tone: 'ok' };
  const problems: string[] = [];
  const th = (r.thresholds ?? []).filter((t) => !t.ok).length;
  const ex = (r.expectations ?? []).filter((e) => !e.ok).length;
  if (reason === 'threshold_aborted') problems.push('stopped early by a threshold');
  if (th > 0) problems.push(`${plural(th, 'threshold', 'thresholds')} failed`);
  if (ex > 0) problems.push(`${plural(ex, 'expectation', 'expectations')} not met`);
  const reg = r.comparison?.regressions ?? 0;
  if (reg > 0) problems.push(`${plural(reg, 'regression', 'regressions')} vs baseline`);
  return problems.length === 0 ? { text: base, tone: 'ok' } : { text: `${base}, ${problems.join(', ')}`, tone: 'bad' };
}
