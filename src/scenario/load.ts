/**
 * Reads a scenario file: YAML (JSON accepted), `${ENV_VAR}` substitution in string values,
 * schema validation and cross-field checks. Every problem is collected into one InputError
 * with the file, the path and the rule; nothing is thrown half-way.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { InputError, type ValidationIssue } from '../util/errors.js';
import { findUnknownPlaceholders } from '../util/patterns.js';
import { jsonSyntaxProblem, MAX_SCENARIO_FILE_BYTES, readBoundedTextFile } from '../util/read-file.js';
import { AWS_ATS_ENDPOINT, scenarioSchema, type Scenario } from './schema.js';
import { applyOverrides, parseOverride, shortcutOverrides, type Shortcuts } from './overrides.js';
import { loadForReport, resolveLoadFiles } from '../load/models/index.js';

export interface LoadedScenario {
  scenario: Scenario;
  /** absolute path of the scenario file */
  file: string;
  /** folder that relative paths in the scenario are resolved against */
  baseDir: string;
  /** the command line's `--set path=value` overrides (shortcuts spelled out), in the order applied */
  overrides?: string[];
  /** what loading filled in or found elsewhere (the bundled example template, a file from scenarios/); said by --plan and validate */
  notes?: string[];
}

/** What the command line changes in the scenario before it is validated (scenario/overrides.ts). */
export interface ScenarioOverrides extends Shortcuts {
  /** `path=value`, repeatable */
  set?: readonly string[] | undefined;
}

/** The scenarios/ folder shipped with fleetsim: its templates/ and hooks/ serve scenarios copied elsewhere. */
export const BUNDLED_SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/** The example template of AWS's walkthrough, used when a `target: emulator` scenario names none. */
export const EXAMPLE_TEMPLATE = {
  name: 'fleet-prov-test-template',
  file: path.join(BUNDLED_SCENARIOS_DIR, 'templates', 'fleet-prov-test-template.json'),
} as const;

/**
 * Where a file named in a scenario is: relative to the scenario file first, then in the bundled
 * scenarios/ folder (so a bundled example copied anywhere keeps its templates and hooks).
 * `looked` lists every place tried, for the error.
 */
export function locateScenarioFile(file: string, baseDir: string): { found: string | undefined; looked: string[] } {
  const looked = path.isAbsolute(file) ? [file] : [...new Set([path.resolve(baseDir, file), path.resolve(BUNDLED_SCENARIOS_DIR, file)])];
  return { found: looked.find((f) => existsSync(f)), looked };
}

export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Replace `${NAME}` in every string of a parsed document; a missing variable is an issue. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, issues: ValidationIssue[], at: PropertyKey[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      const v = env[name];
      if (v === undefined) {
        issues.push({ path: formatPath(at), message: `environment variable ${name} is not set (used as ${whole})` });
        return whole;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, [...at, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a key named __proto__ stays an own key (and is reported where it is) instead of replacing the prototype
      Object.defineProperty(out, k, { value: substituteEnv(v, env, issues, [...at, k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function zodIssues(error: z.ZodError): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), message: 'is not a known setting (check the spelling)' });
      }
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
    out.push({ path: formatPath(issue.path), message });
  }
  return out;
}

/**
 * Cross-field rules that a schema alone cannot say. Also fills in what a scenario may leave out
 * (the example template) and points file names at where they were found; `notes` says so.
 */
function checkScenario(s: Scenario, baseDir: string, notes: string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [field, pattern] of [
    ['fleet.clientId', s.fleet.clientId],
    ['fleet.serial', s.fleet.serial],
    ...Object.entries(s.fleet.parameters).map(([k, v]) => [`fleet.parameters.${k}`, v]),
  ] as Array<[string, string]>) {
    for (const p of findUnknownPlaceholders(pattern)) {
      issues.push({ path: field, message: `unknown placeholder ${p} (known: {index}, {index:N}, {runId}, {serial}, {shard})` });
    }
  }
  if (!/\{(index|serial)(:\d+)?\}/.test(s.fleet.clientId)) {
    issues.push({ path: 'fleet.clientId', message: 'must contain {index} or {serial}: every device needs its own client ID' });
  }
  // a serial without {index} would repeat in every parameter or client ID built from it
  if (s.fleet.devices > 1 && !/\{index(:\d+)?\}/.test(s.fleet.serial) && /\{serial\}/.test(JSON.stringify(s.fleet.parameters) + s.fleet.clientId)) {
    issues.push({ path: 'fleet.serial', message: 'must contain {index} so that serial numbers differ between devices' });
  }
  if (s.target.type === 'emulator') {
    if (s.emulator.templates.length === 0) {
      // as the standalone emulator does: AWS's walkthrough template, shipped in scenarios/templates/
      s.emulator.templates.push({ name: EXAMPLE_TEMPLATE.name, file: EXAMPLE_TEMPLATE.file, enabled: true });
      notes.push(`emulator.templates is empty: using the bundled example template ${EXAMPLE_TEMPLATE.name} (${EXAMPLE_TEMPLATE.file})`);
    }
    if (!s.emulator.templates.some((t) => t.name === s.fleet.templateName)) {
      issues.push({
        path: 'fleet.templateName',
        message: `must name a template in emulator.templates (${s.emulator.templates.map((t) => t.name).join(', ')})`,
      });
    }
    const locate = (file: string, at: string, set: (abs: string) => void): void => {
      const { found, looked } = locateScenarioFile(file, baseDir);
      if (found === undefined) {
        issues.push({ path: at, message: `file not found: ${file} (looked for ${looked.join(', then ')})` });
      } else if (found !== path.resolve(baseDir, file)) {
        set(found);
        notes.push(`${at}: ${file} is not beside the scenario: using the bundled ${found}`);
      }
    };
    s.emulator.templates.forEach((t, i) => {
      locate(t.file, `emulator.templates[${i}].file`, (abs) => (t.file = abs));
      if (typeof t.hook === 'string') locate(t.hook, `emulator.templates[${i}].hook`, (abs) => (t.hook = abs));
      else if (t.hook !== undefined) {
        const hook = t.hook;
        locate(hook.file, `emulator.templates[${i}].hook.file`, (abs) => (hook.file = abs));
      }
    });
  }
  issues.push(...checkClaimMethod(s));
  if (s.retry.baseDelay > s.retry.maxDelay) {
    issues.push({ path: 'retry.baseDelay', message: 'must not exceed retry.maxDelay' });
  }
  return issues;
}

/**
 * Provisioning by claim needs the claim files against AWS; by trusted user it needs none, but the
 * region the app calls CreateProvisioningClaim in must be known (the data endpoint's, so that the
 * temporary claim and the devices meet in one region).
 */
function checkClaimMethod(s: Scenario): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const trusted = s.flow.claim === 'trusted-user';
  if (!trusted && s.flow.handoffDelay !== undefined) {
    issues.push({ path: 'flow.handoffDelay', message: 'only applies with flow.claim: trusted-user (the app hands a temporary claim to the device)' });
  }
  if (s.target.type !== 'aws') return issues;
  const t = s.target;
  if (!trusted) {
    if (t.claimCertFile === undefined) issues.push({ path: 'target.claimCertFile', message: 'must name the claim certificate file (PEM) (not needed with flow.claim: trusted-user)' });
    if (t.claimKeyFile === undefined) issues.push({ path: 'target.claimKeyFile', message: 'must name the claim private key file (PEM) (not needed with flow.claim: trusted-user)' });
    return issues;
  }
  if (t.region === undefined && AWS_ATS_ENDPOINT.exec(t.endpoint) === null) {
    issues.push({
      path: 'target.region',
      message: 'flow.claim trusted-user calls CreateProvisioningClaim in a region: give target.region (the endpoint is not an ATS endpoint whose name says it; the AWS SDK signs for a region even against a local control plane)',
    });
  }
  return issues;
}

/** Validate an already parsed document. */
export function parseScenario(doc: unknown, opts: { file: string; baseDir: string; env?: NodeJS.ProcessEnv; notes?: string[] }): Scenario {
  const envIssues: ValidationIssue[] = [];
  const substituted = substituteEnv(doc, opts.env ?? process.env, envIssues);
  const result = scenarioSchema.safeParse(substituted ?? {});
  const issues = [...envIssues];
  if (!result.success) issues.push(...zodIssues(result.error));
  else issues.push(...checkScenario(result.data, opts.baseDir, opts.notes ?? []));
  if (issues.length > 0 || !result.success) {
    const n = issues.length;
    throw new InputError(`${opts.file}: ${n} problem${n === 1 ? '' : 's'} in the scenario`, { file: opts.file, issues });
  }
  return result.data;
}

export async function loadScenario(file: string, env: NodeJS.ProcessEnv = process.env, changes: ScenarioOverrides = {}): Promise<LoadedScenario> {
  const abs = path.resolve(file);
  const read = readBoundedTextFile(abs, MAX_SCENARIO_FILE_BYTES);
  if (!read.ok) throw new InputError(`cannot read scenario file ${file}: ${read.problem}`, { file });
  const text = read.text;
  let doc: unknown;
  try {
    doc = abs.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    // first line only: the YAML parser's later lines (and V8's JSON messages) quote the file's text
    const msg = abs.endsWith('.json') ? jsonSyntaxProblem(err, text) : `not valid YAML: ${(err as Error).message.split('\n')[0]}`;
    throw new InputError(`${file}: ${msg}`, { file, cause: err });
  }
  const baseDir = path.dirname(abs);
  const sets = (changes.set ?? []).map((a) => parseOverride(a));
  const overrideIssues: ValidationIssue[] = [];
  let changed = applyOverrides(doc, sets, overrideIssues);
  const shortcuts = shortcutOverrides(changed, changes);
  changed = applyOverrides(changed, shortcuts, overrideIssues);
  if (overrideIssues.length > 0) {
    throw new InputError(`${file}: ${overrideIssues.length} problem${overrideIssues.length === 1 ? '' : 's'} with the overrides`, { file, issues: overrideIssues });
  }
  const applied = [...sets, ...shortcuts].map((o) => o.text);
  const notes: string[] = [];
  const scenario = parseScenario(sets.length + shortcuts.length === 0 ? doc : changed, { file, baseDir, env, notes });
  // files the load model reads (a trace): read and checked now, so a bad file fails before anything starts
  scenario.load = resolveLoadFiles(scenario.load, { file, baseDir });
  return { scenario, file: abs, baseDir, notes, ...(applied.length === 0 ? {} : { overrides: applied }) };
}

/** The scenario with anything secret-looking removed, for reports. */
export function redactScenario(s: Scenario): Scenario {
  const copy = structuredClone({ ...s, load: loadForReport(s.load) });
  if (copy.target.type === 'aws') {
    if (copy.target.claimKeyFile !== undefined) copy.target.claimKeyFile = '<redacted>';
  }
  return copy;
}
