/**
 * The report.json fields this module owns, computed from merged metrics: `analysis`,
 * `thresholds` and `expectations`. buildReport calls it for a live run, a rebuilt one and merged
 * shards alike, so thresholds are always re-evaluated on merged data.
 */
import type { SnapshotAccumulator } from '../metrics/snapshot.js';
import { evaluateThresholds, type ThresholdResult, type ThresholdSpec } from '../metrics/thresholds.js';
import { kneeSearchOf } from '../load/models/index.js';
import type { Scenario } from '../scenario/schema.js';
import { evaluateExpectations, type ExpectationResult } from './expectations.js';
import { analyzeRun, type AnalysisInput, type RunAnalysis } from './index.js';
import type { EmulatorStats } from '../protocol/emulator-stats.js';

/** What the analysis needs, with the accumulator itself as metrics, plus the scenario. */
export type ReportFieldsInput = Omit<AnalysisInput, 'metrics' | 'step' | 'emulator' | 'onsetShare'> & {
  metrics: SnapshotAccumulator;
  scenario: Scenario;
  emulator?: EmulatorStats | undefined;
};

export interface ReportFields {
  analysis: RunAnalysis;
  thresholds: ThresholdResult[];
  expectations: ExpectationResult[];
}

/** The scenario's thresholds, tolerating reports written before thresholds became objects. */
export function thresholdSpecs(s: Pick<Scenario, 'thresholds'> | undefined): ThresholdSpec[] {
  const list = (s?.thresholds ?? []) as ReadonlyArray<string | ThresholdSpec>;
  return list.map((t) => (typeof t === 'string' ? { expression: t } : t));
}

export function computeReportFields(i: ReportFieldsInput): ReportFields {
  const analysis = analyzeRun({
    metrics: i.metrics,
    outcomes: i.outcomes,
    devices: i.devices,
    startMs: i.startMs,
    durationMs: i.durationMs,
    status: i.status,
    statusReason: i.statusReason,
    step: kneeSearchOf(i.scenario.load),
    emulator: i.emulator,
    generatorSaturated: i.generatorSaturated,
  });
  const thresholds = evaluateThresholds(thresholdSpecs(i.scenario), { metrics: i.metrics, outcomes: i.outcomes, devices: i.devices });
  const expectations = evaluateExpectations(i.scenario.expectations, {
    apis: analysis.apis,
    devices: i.devices,
    provisioned: i.outcomes.provisioned,
    lastProvisionedSec: analysis.lastProvisionedSec,
  });
  return { analysis, thresholds, expectations };
}
