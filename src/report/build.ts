/** Builds report.json (schemaVersion 1) from a folded run. Later work adds fields, never breaks them. */
import { STEP_NAMES, parseCounterKey, parseDeviceRetriesKey, parseFlowAttemptsKey } from '../metrics/names.js';
import { outcomeTotal } from '../metrics/snapshot.js';
import type { GeneratorSummary, RunState } from './run-state.js';
import { computeReportFields } from '../analysis/report-fields.js';
import { REPORT_SCHEMA_VERSION, type RunReport, type StepReport } from './types.js';

// the report's types live in types.ts; re-exported here for modules that still import them from build.js
export { REPORT_SCHEMA_VERSION, type RunReport, type StepReport } from './types.js';

/** "generator saturated" when its own lateness, not the target, shaped the results. */
export function judgeGenerator(g: GeneratorSummary): { saturated: boolean; message?: string } {
  const lateShare = g.starts === 0 ? 0 : g.lateStarts / g.starts;
  if (lateShare > 0.05) {
    return {
      saturated: true,
      message: `generator saturated: ${(lateShare * 100).toFixed(0)}% of arrivals started >100 ms late; results understate the target`,
    };
  }
  if (g.eventLoopP99Ms > 200) {
    return {
      saturated: true,
      message: `generator saturated: event-loop delay p99 reached ${g.eventLoopP99Ms.toFixed(0)} ms; latencies include the generator's own delay`,
    };
  }
  return { saturated: false };
}

export function buildReport(state: RunState): RunReport {
  const meta = state.meta;
  if (meta === undefined) throw new Error('no meta event: not a fleetsim events file');
  const m = state.metrics;
  const steps: Record<string, StepReport> = {};
  const names = [...STEP_NAMES, ...m.histogramNames().filter((n) => !n.includes('{') && !(STEP_NAMES as readonly string[]).includes(n))];
  for (const name of names) {
    const h = m.histogram(name);
    if (h.count === 0) continue;
    steps[name] = { ...h.stats(), histogram: h.encode() };
  }
  const attempts: Record<string, number> = {};
  for (const [k, v] of Object.entries(m.totals)) {
    const n = parseFlowAttemptsKey(k);
    if (n !== undefined) attempts[String(n)] = v;
  }
  const retriesPerDevice: Record<string, number> = {};
  for (const [k, v] of Object.entries(m.totals)) {
    const n = parseDeviceRetriesKey(k);
    if (n !== undefined) retriesPerDevice[String(n)] = v;
  }
  const retries: Record<string, number> = {};
  for (const counts of Object.values(m.series)) {
    for (const [k, v] of Object.entries(counts)) {
      const labels = parseCounterKey(k, 'retries');
      if (labels === undefined) continue;
      const reason = labels.reason ?? 'unknown';
      retries[reason] = (retries[reason] ?? 0) + v;
    }
  }
  const things: string[] = [];
  const certificates: string[] = [];
  for (const r of [...state.results.values()].sort((a, b) => a.index - b.index)) {
    if (r.thingName !== undefined) things.push(r.thingName);
    if (r.certificateId !== undefined) certificates.push(r.certificateId);
  }
  const endMs = state.end?.t ?? state.lastT;
  const g = state.generator();
  const warnings: string[] = [...(meta.warnings ?? [])];
  const judged = judgeGenerator(g);
  if (judged.message !== undefined) warnings.push(judged.message);
  for (const c of state.crashes) warnings.push(`worker ${c.worker} crashed: ${c.message.split('\n')[0]}`);
  // Every device ends in exactly one outcome: those the events never gave one (an interrupted
  // run, or a generator killed mid-run) are dropped with the reason.
  const outcomes = structuredClone(m.outcomes);
  const missing = meta.devices - outcomeTotal(outcomes);
  if (missing > 0) {
    const reason = state.end === undefined ? 'run_killed' : state.end.status === 'interrupted' ? 'interrupted' : 'lost';
    outcomes.dropped[reason] = (outcomes.dropped[reason] ?? 0) + missing;
    if (reason !== 'interrupted') warnings.push(`${missing} devices had no recorded outcome (${reason})`);
  }
  const total = outcomeTotal(outcomes);
  const fields = computeReportFields({
    metrics: m,
    outcomes,
    devices: meta.devices,
    startMs: meta.startMs,
    durationMs: Math.max(0, endMs - meta.startMs),
    status: state.end === undefined ? 'interrupted' : state.status(),
    statusReason: state.end?.reason,
    scenario: meta.scenario,
    emulator: state.emulatorStats,
    generatorSaturated: judged.saturated,
  });
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    runId: meta.runId,
    status: state.end === undefined ? 'interrupted' : state.status(),
    startedAt: meta.startedAt,
    endedAt: state.end?.endedAt ?? new Date(endMs).toISOString(),
    durationMs: Math.max(0, endMs - meta.startMs),
    scenarioFile: meta.scenarioFile,
    scenarioHash: meta.scenarioHash,
    scenario: meta.scenario,
    plan: meta.plan,
    target: meta.target,
    shard: meta.shard,
    devices: meta.devices,
    outcomes: { ...outcomes, total },
    steps,
    rejections: m.rejections(),
    attempts,
    retries,
    series: m.series,
    generator: { ...g, ...judged },
    crashes: state.crashes,
    created: { things, certificates },
    peakRssBytes: state.end?.peakRssBytes ?? 0,
    warnings,
    ...fields,
  };
  if (state.end?.reason !== undefined) report.statusReason = state.end.reason;
  if (state.emulatorStats !== undefined) report.emulator = state.emulatorStats;
  report.timeline = state.timeline();
  if (Object.keys(retriesPerDevice).length > 0) report.retriesPerDevice = retriesPerDevice;
  if (state.shardsSeen() > 1) report.merged = { shards: state.shardSummaries() };
  return report;
}
