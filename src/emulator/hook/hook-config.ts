/**
 * Where a template's pre-provisioning hook module comes from: the scenario's
 * `emulator.templates[].hook` (relative to the scenario file), or the template file's own
 * `preProvisioningHook` (CreateProvisioningTemplate's input form) whose `targetArn` names a local
 * module relative to the template file. A real Lambda ARN cannot run locally: that is an error
 * that says to name a local handler instead. The scenario's hook wins when both are given.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only payloadVersion AWS accepts (API_ProvisioningHook). */
export const HOOK_PAYLOAD_VERSION = '2020-04-01';

export type HookResolution = { file?: string } | { field: 'hook' | 'file'; message: string };

export function resolveTemplateHook(o: { scenarioHook: string | undefined; baseDir: string; templateFile: string; templateDoc: unknown }): HookResolution {
  if (o.scenarioHook !== undefined) {
    const file = path.resolve(o.baseDir, o.scenarioHook);
    return existsSync(file) ? { file } : { field: 'hook', message: `hook module not found: ${file}` };
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
      message: `${where}.targetArn is a Lambda ARN, which the emulator cannot call; set emulator.templates[].hook to a local handler module (or targetArn to a module path)`,
    };
  }
  const file = targetArn.startsWith('file:') ? fileURLToPath(targetArn) : path.resolve(path.dirname(o.templateFile), targetArn);
  return existsSync(file) ? { file } : { field: 'file', message: `${where}.targetArn: hook module not found: ${file}` };
}
