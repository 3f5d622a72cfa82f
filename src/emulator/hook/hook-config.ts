/**
 * Where a template's pre-provisioning hook comes from, and how it runs: the scenario's
 * `emulator.templates[].hook` (relative to the scenario file; a path, or `{file, handler, ...}`),
 * `fleetsim emulator --hook template=file[:handler]`, or the template file's own
 * `preProvisioningHook` (CreateProvisioningTemplate's input form) whose `targetArn` names a local
 * file relative to the template file. A real Lambda ARN cannot run locally: that is an error
 * that says to name a local handler instead. The scenario's hook wins when both are given.
 *
 * A hook is a Python file (`.py`, run by python3 >= 3.9) or a Node.js module (`.mjs/.cjs/.js`),
 * named by a Lambda handler string `module.function` (default `<file>.lambda_handler` for Python,
 * `<file>.handler` for Node.js).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only payloadVersion AWS accepts (API_ProvisioningHook). */
export const HOOK_PAYLOAD_VERSION = '2020-04-01';

export type HookRuntime = 'python' | 'nodejs';

/** Local cap on execution environments per hook: protects this machine, not an AWS limit. */
export const DEFAULT_MAX_ENVIRONMENTS = 64;
/** Idle environments are reaped after this long (AWS does not document its own; our choice). */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;
export const DEFAULT_MEMORY_MB = 128;

// HookSpec lives with LoadedTemplate (templates/ is a leaf, see test/unit/deps.test.ts)
export type { HookSpec } from '../templates/index.js';
import type { HookSpec } from '../templates/index.js';

/** What a scenario or flag may give: a path, or the object form. */
export interface HookSetting extends Omit<HookSpec, 'file' | 'idleTimeoutMs' | 'coldStartMs' | 'timeoutMs'> {
  file: string;
  idleTimeout?: number;
  coldStart?: number;
  timeout?: number;
}

export function runtimeOf(file: string): HookRuntime | undefined {
  if (/\.py$/i.test(file)) return 'python';
  if (/\.(m|c)?js$/i.test(file)) return 'nodejs';
  return undefined;
}

/** The handler string a Lambda console would show for this file by default. */
export function defaultHandler(file: string): string {
  const base = path.basename(file).replace(/\.(py|mjs|cjs|js)$/i, '');
  return runtimeOf(file) === 'python' ? `${base}.lambda_handler` : `${base}.handler`;
}

export function handlerOf(spec: HookSpec): string {
  return spec.handler ?? defaultHandler(spec.file);
}

/** `file` or `file:handler` (the --hook flag's form). */
export function splitHookFlag(value: string): { file: string; handler?: string } {
  const m = /^(.+\.(?:py|mjs|cjs|js)):([A-Za-z_$][\w$./-]*)$/i.exec(value);
  return m === null ? { file: value } : { file: m[1]!, handler: m[2]! };
}

export function toHookSpec(hook: string | HookSpec): HookSpec {
  return typeof hook === 'string' ? { file: hook } : hook;
}

export type HookResolution = { spec?: HookSpec } | { field: 'hook' | 'file'; message: string };

function fromSetting(setting: string | HookSetting, baseDir: string): HookSpec {
  if (typeof setting === 'string') {
    const { file, handler } = splitHookFlag(setting);
    return { file: path.resolve(baseDir, file), ...(handler === undefined ? {} : { handler }) };
  }
  const { file, idleTimeout, coldStart, timeout, ...rest } = setting;
  const spec: HookSpec = { ...rest, file: path.resolve(baseDir, file) };
  if (idleTimeout !== undefined) spec.idleTimeoutMs = idleTimeout;
  if (coldStart !== undefined) spec.coldStartMs = coldStart;
  if (timeout !== undefined) spec.timeoutMs = timeout;
  return spec;
}

/** The file and runtime are usable (exists, known extension); the handler itself is checked by running it (hook-check.ts). */
function checkFile(spec: HookSpec, where: string): string | undefined {
  if (!existsSync(spec.file)) return `${where}hook file not found: ${spec.file}`;
  if (runtimeOf(spec.file) === undefined) return `${where}${spec.file}: a hook is a Python file (.py) or a Node.js module (.mjs, .cjs, .js)`;
  return undefined;
}

export function resolveTemplateHook(o: { scenarioHook: string | HookSetting | undefined; baseDir: string; templateFile: string; templateDoc: unknown }): HookResolution {
  if (o.scenarioHook !== undefined) {
    const spec = fromSetting(o.scenarioHook, o.baseDir);
    const bad = checkFile(spec, '');
    return bad === undefined ? { spec } : { field: 'hook', message: bad };
  }
  const doc = o.templateDoc;
  const hook = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).preProvisioningHook : undefined;
  if (hook === undefined || hook === null) return {};
  const where = `${path.basename(o.templateFile)}: preProvisioningHook`;
  if (typeof hook !== 'object') return { field: 'file', message: `${where} must be an object {targetArn, payloadVersion}` };
  const { targetArn, payloadVersion } = hook as Record<string, unknown>;
  if (payloadVersion !== undefined && payloadVersion !== HOOK_PAYLOAD_VERSION) {
    return { field: 'file', message: `${where}.payloadVersion must be "${HOOK_PAYLOAD_VERSION}" (the only version AWS accepts)` };
  }
  if (typeof targetArn !== 'string' || targetArn === '') return { field: 'file', message: `${where}.targetArn must be a string` };
  if (targetArn.startsWith('arn:')) {
    return {
      field: 'file',
      message: `${where}.targetArn is a Lambda ARN, which the emulator cannot call; set emulator.templates[].hook to a local handler file (or targetArn to a file path)`,
    };
  }
  const file = targetArn.startsWith('file:') ? fileURLToPath(targetArn) : path.resolve(path.dirname(o.templateFile), targetArn);
  const spec: HookSpec = { file };
  const bad = checkFile(spec, `${where}.targetArn: `);
  return bad === undefined ? { spec } : { field: 'file', message: bad };
}
