/**
 * The emulator's hooks at start: for each template with a hook, check that its handler loads
 * (bad input otherwise, before anything listens) and make it a LambdaFunction whose environments
 * write their log streams to <logs.dir>/<template>/.
 */
import path from 'node:path';
import type { LoadedTemplate } from '../templates/index.js';
import { toHookSpec } from './hook-config.js';
import { LambdaFunction } from './environments.js';
import { HookLoadError, type HookHandler, type HookRunner } from './hook-runner.js';
import { checkHookSync } from './runtimes/launch.js';

export interface HookLogOptions {
  /** log streams go to <dir>/<template>/<stream>.log */
  dir: string;
  /** file names in the stats and the report are relative to this folder (the run folder) */
  displayBase?: string;
}

/** Lambda's function-name rule: 1-64 of letters, digits, hyphens and underscores. */
function functionNameFor(templateName: string): string {
  return `${templateName}-hook`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

export function startHookFunctions(
  templates: LoadedTemplate[],
  o: { region: string; accountId: string; runner: HookRunner; logs?: HookLogOptions },
): Map<string, HookHandler> {
  const hooks = new Map<string, HookHandler>();
  for (const t of templates) {
    if (t.hook === undefined) continue;
    const spec = toHookSpec(t.hook);
    const broken = checkHookSync(spec);
    if (broken !== undefined) throw new HookLoadError(`of template ${t.name}`, broken);
    const fn = new LambdaFunction({
      spec,
      identity: { functionName: functionNameFor(t.name), region: o.region, accountId: o.accountId },
      ...(o.logs === undefined ? {} : { logDir: path.join(o.logs.dir, t.name), ...(o.logs.displayBase === undefined ? {} : { displayBase: o.logs.displayBase }) }),
    });
    o.runner.register(t.name, fn);
    hooks.set(t.name, fn);
  }
  return hooks;
}

export async function closeHooks(hooks: Map<string, HookHandler>): Promise<void> {
  for (const h of hooks.values()) if (typeof h !== 'function') await h.close();
}
