/**
 * fleetsim's public API. The CLI is a thin layer over these functions; nothing here reads argv,
 * prints or exits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario, type LoadedScenario } from './scenario/load.js';
import { parseTemplateBody, type TemplateBody } from './emulator/templates/index.js';
import type { LoadedTemplate } from './emulator/provisioning/service.js';
import { startEmulatorThread } from './emulator/hosting/thread.js';
import { resolveTemplateHook } from './emulator/hook/hook-config.js';
import { checkHookSync } from './emulator/hook/runtimes/launch.js';
import { runScenario, type RunOptions, type RunOutcome, type StartedTarget } from './orchestrator/run.js';
import { InputError, RunError, type ValidationIssue } from './util/errors.js';
import { describeAwsTarget, loadAwsTargetInfo } from './aws/target.js';
import { checkAwsConfirmation } from './aws/safety.js';

export { loadScenario, type LoadedScenario } from './scenario/load.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/emulator.js';
export { runScenario, newRunId, defaultWorkers } from './orchestrator/run.js';
export { describeLoad } from './load/profiles.js';
export { buildReport, type RunReport } from './report/build.js';
export { writeReports, parseReportFormats, REPORT_FORMATS, type ReportFormat } from './report/write.js';
export { renderHtmlReport } from './report/html.js';
export { renderJunit } from './report/junit.js';
export { compareReports, formatComparison, loadReportFile, type Comparison } from './report/compare.js';
export { mergeShardRuns, type MergeResult } from './report/merge.js';
export { evaluateThresholds, parseThreshold, type ThresholdResult, type ThresholdSource } from './metrics/thresholds.js';
export { checkAwsConfirmation, describeAwsCreation, AWS_CONFIRM_THRESHOLD } from './aws/safety.js';
export { dryRunScenario, type DryRunResult } from './orchestrator/dry-run.js';
export { regionOfEndpoint, loadAwsTargetInfo } from './aws/target.js';
export { buildInitFiles, checkInitOptions, setupCommands, writeInitFiles, SCENARIO_FILE, SETUP_SCRIPT, type InitOptions } from './aws/init-files.js';
export * from './cleanup/index.js';

/** Read and check every template the scenario's emulator section names; all problems at once. */
export function loadTemplates(loaded: LoadedScenario): LoadedTemplate[] {
  const issues: ValidationIssue[] = [];
  const out: LoadedTemplate[] = [];
  loaded.scenario.emulator.templates.forEach((t, i) => {
    const file = path.resolve(loaded.baseDir, t.file);
    let body: TemplateBody;
    let doc: unknown;
    try {
      const text = readFileSync(file, 'utf8');
      try {
        doc = JSON.parse(text);
      } catch (err) {
        issues.push({ path: `emulator.templates[${i}].file`, message: `${file} is not valid JSON: ${(err as Error).message}` });
        return;
      }
      // a file may hold the body itself, or CreateProvisioningTemplate's input with templateBody as a string
      const inner = typeof doc === 'object' && doc !== null && 'templateBody' in doc ? (doc as { templateBody: unknown }).templateBody : doc;
      body = parseTemplateBody(inner as string | object);
    } catch (err) {
      const e = err as { issues?: ValidationIssue[]; message: string; code?: string };
      if (e.issues !== undefined && e.issues.length > 0) {
        for (const issue of e.issues) issues.push({ path: `emulator.templates[${i}] (${path.basename(file)}: ${issue.path || '(root)'})`, message: issue.message });
      } else issues.push({ path: `emulator.templates[${i}].file`, message: e.code === 'ENOENT' ? `file not found: ${file}` : e.message });
      return;
    }
    const hook = resolveTemplateHook({ scenarioHook: t.hook, baseDir: loaded.baseDir, templateFile: file, templateDoc: doc });
    if ('message' in hook) {
      issues.push({ path: `emulator.templates[${i}].${hook.field}`, message: hook.message });
      return;
    }
    // the handler loads (interpreter found, module imports, function exists): checked before anything starts
    const broken = hook.spec === undefined ? undefined : checkHookSync(hook.spec);
    if (broken !== undefined) {
      issues.push({ path: `emulator.templates[${i}].hook`, message: broken });
      return;
    }
    out.push({ name: t.name, body, enabled: t.enabled, ...(hook.spec === undefined ? {} : { hook: hook.spec }) });
  });
  if (issues.length > 0) {
    throw new InputError(`${loaded.file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the provisioning templates`, {
      file: loaded.file,
      issues,
    });
  }
  return out;
}

/** Start the scenario's target: the embedded emulator in its own thread, or an AWS IoT data endpoint. */
export function targetStarter(loaded: LoadedScenario): () => Promise<StartedTarget> {
  const s = loaded.scenario;
  if (s.target.type === 'aws') {
    // read and check the claim files now, so a bad path fails before anything starts (exit 2)
    const info = loadAwsTargetInfo(loaded);
    const label = describeAwsTarget(s.target);
    return () => Promise.resolve({ info, label, close: () => Promise.resolve() });
  }
  const cp = s.emulator.controlPlane;
  const templates = loadTemplates(loaded);
  const host = s.target.host;
  const port = s.target.port;
  return async (ctx?: { runDir: string }) => {
    let emu;
    try {
      emu = await startEmulatorThread({
        host,
        port,
        templates,
        keyAlgorithm: s.emulator.keyAlgorithm,
        keyPoolSize: s.emulator.keyPoolSize,
        tokenTtlMs: s.emulator.tokenTtl,
        dropReplies: s.emulator.dropReplies,
        tlsSessionResumption: s.emulator.tlsSessionResumption,
        ...(s.emulator.thingGroups === undefined ? {} : { thingGroups: s.emulator.thingGroups }),
        ...(s.emulator.thingTypes === undefined ? {} : { thingTypes: s.emulator.thingTypes }),
        ...(s.emulator.quotas === undefined ? {} : { quotas: s.emulator.quotas }),
        ...(s.emulator.latency === undefined ? {} : { latency: s.emulator.latency }),
        ...(s.emulator.faults === undefined ? {} : { faults: s.emulator.faults }),
        ...(s.emulator.hookTimeout === undefined ? {} : { hookTimeoutMs: s.emulator.hookTimeout }),
        // each hook environment's log stream: <run-dir>/hook-logs/<template>/<stream>.log
        ...(ctx === undefined ? {} : { hookLogs: { dir: path.join(ctx.runDir, 'hook-logs'), displayBase: ctx.runDir } }),
        ...(s.emulator.claimPolicy === undefined ? {} : { claimPolicy: s.emulator.claimPolicy }),
        ...(cp === undefined ? {} : { controlPlane: { port: cp.port, ...(cp.rateLimit === undefined ? {} : { rateLimit: { rate: cp.rateLimit } }) } }),
      });
    } catch (err) {
      if ((err as { exitCategory?: string }).exitCategory === 'badInput') {
        throw new InputError(`${loaded.file}: the emulator could not start: ${(err as Error).message}`, { file: loaded.file, cause: err });
      }
      throw new RunError('EMULATOR_START_FAILED', `the embedded emulator could not start: ${(err as Error).message}`, {
        hint: port !== 0 ? `is port ${port} already in use? use port: 0 for any free port` : undefined,
        cause: err,
      });
    }
    return {
      info: { host: emu.host, port: emu.port, servername: 'localhost', caPem: emu.caPem, claimCertPem: emu.claimCertPem, claimKeyPem: emu.claimKeyPem },
      label: `emulator ${emu.host}:${emu.port}${emu.controlPlaneUrl === undefined ? '' : `, control plane ${emu.controlPlaneUrl}`}`,
      stats: () => emu.stats(),
      close: () => emu.close(),
    };
  };
}

/** Load, validate and run a scenario file end to end. */
export async function runScenarioFile(file: string, opts: Omit<RunOptions, 'loaded' | 'startTarget'> & { confirm?: boolean } = {}): Promise<RunOutcome> {
  const loaded = await loadScenario(file);
  checkAwsConfirmation(loaded.scenario, { confirm: opts.confirm === true });
  return runScenario({ ...opts, loaded, startTarget: targetStarter(loaded) });
}
