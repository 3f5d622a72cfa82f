/**
 * fleetsim's public API. The CLI is a thin layer over these functions; nothing here reads argv,
 * prints or exits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario, type LoadedScenario } from './scenario/load.js';
import { parseTemplateBody, type TemplateBody } from './emulator/templates/index.js';
import type { LoadedTemplate } from './emulator/provisioning.js';
import { startEmulatorThread } from './emulator/thread.js';
import { runScenario, type RunOptions, type RunOutcome, type StartedTarget } from './orchestrator/run.js';
import { InputError, RunError, type ValidationIssue } from './util/errors.js';

export { loadScenario, type LoadedScenario } from './scenario/load.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/emulator.js';
export { runScenario, newRunId, defaultWorkers } from './orchestrator/run.js';
export { describeLoad } from './load/profiles.js';
export { buildReport, type RunReport } from './report/build.js';

/** Read and check every template the scenario's emulator section names; all problems at once. */
export function loadTemplates(loaded: LoadedScenario): LoadedTemplate[] {
  const issues: ValidationIssue[] = [];
  const out: LoadedTemplate[] = [];
  loaded.scenario.emulator.templates.forEach((t, i) => {
    const file = path.resolve(loaded.baseDir, t.file);
    let body: TemplateBody;
    try {
      const text = readFileSync(file, 'utf8');
      let doc: unknown;
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
    out.push({ name: t.name, body, enabled: t.enabled });
  });
  if (issues.length > 0) {
    throw new InputError(`${loaded.file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the provisioning templates`, {
      file: loaded.file,
      issues,
    });
  }
  return out;
}

/** Start the scenario's target: the embedded emulator in its own thread, or (later) an AWS endpoint. */
export function targetStarter(loaded: LoadedScenario): () => Promise<StartedTarget> {
  const s = loaded.scenario;
  if (s.target.type !== 'emulator') {
    return () => Promise.reject(new RunError('TARGET_UNSUPPORTED', 'target.type aws is not supported yet'));
  }
  const templates = loadTemplates(loaded);
  const host = s.target.host;
  const port = s.target.port;
  return async () => {
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
      });
    } catch (err) {
      throw new RunError('EMULATOR_START_FAILED', `the embedded emulator could not start: ${(err as Error).message}`, {
        hint: port !== 0 ? `is port ${port} already in use? use port: 0 for any free port` : undefined,
        cause: err,
      });
    }
    return {
      info: { host: emu.host, port: emu.port, servername: 'localhost', caPem: emu.caPem, claimCertPem: emu.claimCertPem, claimKeyPem: emu.claimKeyPem },
      label: `emulator ${emu.host}:${emu.port}`,
      stats: () => emu.stats(),
      close: () => emu.close(),
    };
  };
}

/** Load, validate and run a scenario file end to end. */
export async function runScenarioFile(file: string, opts: Omit<RunOptions, 'loaded' | 'startTarget'> = {}): Promise<RunOutcome> {
  const loaded = await loadScenario(file);
  return runScenario({ ...opts, loaded, startTarget: targetStarter(loaded) });
}
