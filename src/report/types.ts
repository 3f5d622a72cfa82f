/**
 * The shape of report.json (schemaVersion 1) and of the baseline comparison it may carry, with
 * nothing but types and the schema version: build.ts writes a RunReport, compare.ts reads two,
 * the console, HTML, JUnit and the CLI render one. Fields are only ever added; none is renamed or removed within a schema version.
 */
import type { EmulatorStats } from '../protocol/emulator-stats.js';
import type { HistogramStats } from '../metrics/histogram.js';
import type { OutcomeCounts, RejectionCount } from '../metrics/snapshot.js';
import type { Scenario } from '../scenario/schema.js';
import type { ReportFields } from '../analysis/report-fields.js';
import type { RunStatus } from './events.js';
import type { GeneratorSummary, ShardSummary } from './run-state.js';
import type { Timeline } from './timeline.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface StepReport extends HistogramStats {
  /** encoded HDR histogram (µs), mergeable */
  histogram: string;
}

export interface RunReport {
  schemaVersion: number;
  runId: string;
  status: RunStatus;
  statusReason?: string;
  startedAt: string;
  endedAt: string;
  /** ms */
  durationMs: number;
  scenarioFile: string;
  scenarioHash: string;
  /** the resolved scenario, secrets redacted */
  scenario: Scenario;
  plan: string;
  target: string;
  shard: { index: number; count: number };
  devices: number;
  outcomes: OutcomeCounts & { total: number };
  steps: Record<string, StepReport>;
  rejections: RejectionCount[];
  attempts: Record<string, number>;
  retries: Record<string, number>;
  /** { retries: devices }: how many retries (step retries and flow restarts) each device needed; absent in older reports */
  retriesPerDevice?: Record<string, number>;
  /** per second (key: seconds since start) → series key → count */
  series: Record<string, Record<string, number>>;
  generator: GeneratorSummary & { saturated: boolean; message?: string };
  crashes: Array<{ worker: number; message: string }>;
  /** the embedded emulator's own statistics (merged over shards), when the target was the emulator */
  emulator?: EmulatorStats;
  /** what the run created on the target, for `fleetsim cleanup` (no private keys) */
  created: { things: string[]; certificates: string[] };
  peakRssBytes: number;
  warnings: string[];
  /** scenario thresholds, evaluated on the merged results (exit 1 when one fails) */
  thresholds: ReportFields['thresholds'];
  /** scenario expectations about the target (exit 1 when one fails) */
  expectations: ReportFields['expectations'];
  /** per-API throttle analysis, attempts, knee table and the one-sentence verdict */
  analysis: ReportFields['analysis'];
  /** `run --baseline`: the comparison with a previous run (report/compare.ts) */
  comparison?: Comparison;
  /** merged from shards (`fleetsim report merge`): what each shard contributed */
  merged?: { shards: ShardSummary[] };
  /** per second: devices in flight and each step's latency p50/p99 (report/timeline.ts); absent in older reports */
  timeline?: Timeline;
}

export interface ComparisonRow {
  kind: 'latency' | 'rate' | 'outcome';
  /** step name, API name or `provisioned` */
  subject: string;
  /** p50/p90/p99 (ms), accepted/s, share */
  metric: string;
  baseline: number | null;
  current: number | null;
  /** (current - baseline) / baseline × 100; null when either side is missing or baseline is 0 */
  deltaPct: number | null;
  regression: boolean;
  note?: string;
}

export interface Comparison {
  baseline: { runId: string; source: string; scenarioHash: string };
  current: { runId: string; scenarioHash: string };
  /** percent */
  tolerancePct: number;
  /** latency changes smaller than this many ms never count as a regression (timer noise) */
  minLatencyDeltaMs: number;
  rows: ComparisonRow[];
  regressions: number;
  warnings: string[];
}

