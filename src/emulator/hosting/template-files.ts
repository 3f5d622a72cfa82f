/**
 * The one template loader: reads provisioning template files (a template body, or
 * CreateProvisioningTemplate's input with templateBody as a string), checks them and finds each
 * one's pre-provisioning hook. Scenario runs (src/target/emulator.ts) and `fleetsim emulator`
 * (standalone.ts) both load through it; they differ only in how a problem names its entry
 * (`emulator.templates[0].file` or `--template name=file`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidationIssue } from '../../util/errors.js';
import { resolveTemplateHook, type HookSetting } from '../hook/hook-config.js';
import { checkHookSync } from '../hook/runtimes/launch.js';
import type { LoadedTemplate } from '../templates/index.js';
import { parseTemplateBody, type TemplateBody } from '../templates/index.js';

/** How problems with one entry are named: a scenario path or a command-line flag. */
export interface TemplateEntryNames {
  /** the file itself: not found, unreadable, not JSON, not a template */
  file: string;
  /** a rule broken at `bodyPath` inside the template body of `absFile` */
  body: (bodyPath: string, absFile: string) => string;
  /** the hook: `hook` is the module the entry names, `file` the template file's own preProvisioningHook */
  hook: (field: 'hook' | 'file') => string;
}

export interface TemplateFileEntry {
  name: string;
  /** relative to the base folder */
  file: string;
  enabled: boolean;
  /** hook handler file (relative to the base folder) or its settings; undefined: the template file's own preProvisioningHook, if any */
  hook: string | HookSetting | undefined;
  names: TemplateEntryNames;
}

export interface TemplateFiles {
  templates: LoadedTemplate[];
  /** every problem, in entry order; the caller wraps them in one InputError */
  issues: ValidationIssue[];
}

/** Read the template body a file holds; problems go to `issues`. */
function readBody(entry: TemplateFileEntry, file: string, issues: ValidationIssue[]): { body: TemplateBody; doc: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    issues.push({ path: entry.names.file, message: e.code === 'ENOENT' ? `file not found: ${file}` : e.message });
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    issues.push({ path: entry.names.file, message: `${file} is not valid JSON: ${(err as Error).message}` });
    return undefined;
  }
  // a file may hold the body itself, or CreateProvisioningTemplate's input with templateBody as a string
  const inner = typeof doc === 'object' && doc !== null && 'templateBody' in doc ? (doc as { templateBody: unknown }).templateBody : doc;
  try {
    return { body: parseTemplateBody(inner as string | object), doc };
  } catch (err) {
    const e = err as { issues?: ValidationIssue[]; message: string };
    if (e.issues !== undefined && e.issues.length > 0) {
      for (const issue of e.issues) issues.push({ path: entry.names.body(issue.path || '(root)', file), message: issue.message });
    } else issues.push({ path: entry.names.file, message: e.message });
    return undefined;
  }
}

/** Read and check every entry's template file and hook; all problems at once. */
export function readTemplateFiles(entries: TemplateFileEntry[], baseDir: string): TemplateFiles {
  const issues: ValidationIssue[] = [];
  const templates: LoadedTemplate[] = [];
  for (const entry of entries) {
    const file = path.resolve(baseDir, entry.file);
    const read = readBody(entry, file, issues);
    if (read === undefined) continue;
    const hook = resolveTemplateHook({ scenarioHook: entry.hook, baseDir, templateFile: file, templateDoc: read.doc });
    if ('message' in hook) {
      issues.push({ path: entry.names.hook(hook.field), message: hook.message });
      continue;
    }
    // the handler loads (interpreter found, module imports, function exists): checked before anything starts
    const broken = hook.spec === undefined ? undefined : checkHookSync(hook.spec);
    if (broken !== undefined) {
      issues.push({ path: entry.names.hook('hook'), message: broken });
      continue;
    }
    templates.push({ name: entry.name, body: read.body, enabled: entry.enabled, ...(hook.spec === undefined ? {} : { hook: hook.spec }) });
  }
  return { templates, issues };
}
