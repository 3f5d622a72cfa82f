/**
 * fleetsim's public API, and the only module the CLI imports (test/unit/deps.test.ts). Exports
 * only: the wiring lives in the modules named here. Nothing here reads argv, prints or exits.
 */
export { EXAMPLE_TEMPLATE, loadScenario, type LoadedScenario, type ScenarioOverrides } from './scenario/load.js';
export type { Emulator, EmulatorOptions } from './emulator/emulator.js';
export type { TrafficEvent, TrafficObserver } from './emulator/traffic.js';
export { runScenario, runFolder, newRunId, defaultWorkers, type RunOptions, type RunOutcome } from './orchestrator/run.js';
export { describeLoad } from './load/models/index.js';
export { describeFlow } from './scenario/describe-flow.js';
export { buildReport, type RunReport } from './report/build.js';
export { writeReports, rebuildReport, parseReportFormats, REPORT_FORMATS, ReportWriteError, type ReportFormat } from './report/write.js';
export { renderHtmlReport } from './report/html.js';
export { renderJunit } from './report/junit.js';
export { compareReports, formatComparison, loadReportFile, parseTolerance, type Comparison } from './report/compare.js';
export { expandShardDirs, mergeShardRuns, type MergeResult } from './report/merge.js';
export { evaluateThresholds, parseThreshold, type ThresholdResult, type ThresholdSource } from './metrics/thresholds.js';
export { checkAwsConfirmation, describeAwsCreation, AWS_CONFIRM_THRESHOLD } from './aws/safety.js';
export { dryRunScenario, type DryRunResult } from './orchestrator/dry-run.js';
export { buildInitFiles, checkInitOptions, setupCommands, writeInitFiles, APP_POLICY_FILE, SCENARIO_FILE, SETUP_SCRIPT, type InitOptions } from './aws/init-files.js';
export * from './cleanup/index.js';

// targets: what a run connects to (src/target/)
export { prepareTarget, targetStarter, loadTemplates, loadAwsTargetInfo, regionOfEndpoint, appPermission, type PreparedTarget, type StartedTarget, type TargetKind } from './target/index.js';
export { runScenarioFile, runSweepFile } from './run-file.js';
export { sweepAxis, type SweepOptions, type SweepOutcome } from './orchestrator/sweep.js';
export { formatSweepTable, writeSweepReport, type SweepReport, type SweepRow } from './report/sweep.js';

// the standalone emulator (`fleetsim emulator`)
export type { StandaloneEmulator, StandaloneOptions, TemplateSource } from './emulator/hosting/standalone.js';
export type { MemoryReleaseEvent, MemoryReleaseStatus } from './emulator/hosting/memory-release.js';
export { exampleParameters } from './emulator/hosting/example-parameters.js';
export { resolveEmulatorSection, type EmulatorFlagSettings } from './emulator/hosting/settings.js';
export type { KeyAlgorithm } from './emulator/pki/index.js';

// shards, console output and verdicts (what the CLI prints)
export { parseShard } from './load/split.js';
export { formatProgress, formatSummary, makeChalk, type ProgressView, type SummaryOptions } from './report/console.js';
export { checksFailed, formatFailedChecks } from './report/console-analysis.js';

// errors: every bad input is an InputError (exit 2); a run that could not complete a RunError (exit 3)
export { FleetsimError, InputError, RunError, type ValidationIssue } from './util/errors.js';

// The emulator's code (broker, PKI, registry: ~0.1 s to load) is loaded when one is started here,
// not when the library is imported: a run hosts its embedded emulator in a thread of its own
// (target/emulator.ts), so a run's main thread never needs it.
type EmulatorModule = typeof import('./emulator/emulator.js');
type StandaloneModule = typeof import('./emulator/hosting/standalone.js');

/** Start an emulator in this thread. */
export async function startEmulator(...args: Parameters<EmulatorModule['startEmulator']>): ReturnType<EmulatorModule['startEmulator']> {
  return (await import('./emulator/emulator.js')).startEmulator(...args);
}

/** `fleetsim emulator`: the emulator with its files in a folder. */
export async function startStandaloneEmulator(...args: Parameters<StandaloneModule['startStandaloneEmulator']>): ReturnType<StandaloneModule['startStandaloneEmulator']> {
  return (await import('./emulator/hosting/standalone.js')).startStandaloneEmulator(...args);
}
