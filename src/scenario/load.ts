/**
 * Reads a scenario file: YAML (JSON accepted), `${ENV_VAR}` substitution in string values,
 * schema validation and cross-field checks. Every problem is collected into one InputError
 * with the file, the path and the rule; nothing is thrown half-way.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
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

/** Cross-field rules that a schema alone cannot say. */
function checkScenario(s: Scenario, baseDir: string): ValidationIssue[] {
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
      issues.push({ path: 'emulator.templates', message: 'must list at least one template when target.type is emulator' });
    } else if (!s.emulator.templates.some((t) => t.name === s.fleet.templateName)) {
      issues.push({
        path: 'fleet.templateName',
        message: `must name a template in emulator.templates (${s.emulator.templates.map((t) => t.name).join(', ')})`,
      });
    }
    s.emulator.templates.forEach((t, i) => {
      if (!existsSync(path.resolve(baseDir, t.file))) {
        issues.push({ path: `emulator.templates[${i}].file`, message: `file not found: ${path.resolve(baseDir, t.file)}` });
      }
      const hookFile = typeof t.hook === 'string' ? t.hook : t.hook?.file;
      if (hookFile !== undefined && !existsSync(path.resolve(baseDir, hookFile))) {
        issues.push({ path: `emulator.templates[${i}].hook${typeof t.hook === 'string' ? '' : '.file'}`, message: `file not found: ${path.resolve(baseDir, hookFile)}` });
      }
    });
  }
  if (s.retry.baseDelay > s.retry.maxDelay) {
    issues.push({ path: 'retry.baseDelay', message: 'must not exceed retry.maxDelay' });
  }
  return issues;
}

/** Validate an already parsed document. */
export function parseScenario(doc: unknown, opts: { file: string; baseDir: string; env?: NodeJS.ProcessEnv }): Scenario {
  const envIssues: ValidationIssue[] = [];
  const substituted = substituteEnv(doc, opts.env ?? process.env, envIssues);
  const result = scenarioSchema.safeParse(substituted ?? {});
  const issues = [...envIssues];
  if (!result.success) issues.push(...zodIssues(result.error));
  else issues.push(...checkScenario(result.data, opts.baseDir));
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
  return { scenario: parseScenario(doc, { file, baseDir, env }), file: abs, baseDir };
}

/** The scenario with anything secret-looking removed, for reports. */
export function redactScenario(s: Scenario): Scenario {
  const copy = structuredClone(s);
  if (copy.target.type === 'aws') {
    copy.target.claimKeyFile = '<redacted>';
  }
  return copy;
}
