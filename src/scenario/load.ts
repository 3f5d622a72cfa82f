/**
 * Reads a scenario file: YAML (JSON accepted), `${ENV_VAR}` substitution in string values,
 * schema validation and cross-field checks. Every problem is collected into one InputError
 * with the file, the path and the rule; nothing is thrown half-way.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { InputError, type ValidationIssue } from '../util/errors.js';
import { findUnknownPlaceholders } from '../util/patterns.js';
import { scenarioSchema, type Scenario } from './schema.js';

export interface LoadedScenario {
  scenario: Scenario;
  /** absolute path of the scenario file */
  file: string;
  /** folder that relative paths in the scenario are resolved against */
  baseDir: string;
  /** what loading filled in or found elsewhere (the bundled example template, a file from scenarios/); said by --plan and validate */
  notes?: string[];
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
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, issues, [...at, k]);
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
  if (s.retry.baseDelay > s.retry.maxDelay) {
    issues.push({ path: 'retry.baseDelay', message: 'must not exceed retry.maxDelay' });
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

export async function loadScenario(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedScenario> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read scenario file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file, cause: err });
  }
  let doc: unknown;
  try {
    doc = abs.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new InputError(`${file}: not valid ${abs.endsWith('.json') ? 'JSON' : 'YAML'}: ${msg}`, { file, cause: err });
  }
  const baseDir = path.dirname(abs);
  const notes: string[] = [];
  return { scenario: parseScenario(doc, { file, baseDir, env, notes }), file: abs, baseDir, notes };
}

/** The scenario with anything secret-looking removed, for reports. */
export function redactScenario(s: Scenario): Scenario {
  const copy = structuredClone(s);
  if (copy.target.type === 'aws') {
    copy.target.claimKeyFile = '<redacted>';
  }
  return copy;
}
