/**
 * Command-line overrides of a scenario (k6's `-e`, Artillery's `--overrides`): `--set a.b[0].c=value`
 * is applied to the raw document before schema validation, so a bad value is reported at its path
 * exactly as if it had been written in the file. The value is read as YAML (a scalar such as `50`,
 * `10s`, `true`, or a flow collection such as `{rate: 5, burst: 10}`).
 *
 * The shortcuts `--devices`, `--concurrency` and `--rate` are spelled out as `--set` overrides
 * (shortcutOverrides) so that a run records one list of what was changed.
 */
import YAML from 'yaml';
import { InputError, type ValidationIssue } from '../util/errors.js';
import { loadShortcut } from '../load/models/index.js';
import { isPlainObject } from '../util/json-values.js';

export interface Override {
  /** the path as given, e.g. `emulator.templates[0].file` */
  path: string;
  segments: Array<string | number>;
  value: unknown;
  /** `path=value` as recorded in report.json */
  text: string;
}

const SEGMENT = /^([A-Za-z_$][\w$-]*)((?:\[\d+\])*)$/;

/** `a.b[0].c` → ['a', 'b', 0, 'c']; undefined when it is not a path. */
export function parsePath(p: string): Array<string | number> | undefined {
  if (p === '') return undefined;
  const out: Array<string | number> = [];
  for (const part of p.split('.')) {
    const m = SEGMENT.exec(part);
    if (m === null) return undefined;
    out.push(m[1] as string);
    for (const idx of (m[2] as string).matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** One `--set path=value`; throws InputError naming the flag and the rule. */
export function parseOverride(arg: string, flag = '--set'): Override {
  const eq = arg.indexOf('=');
  const bad = (message: string) => new InputError(`${flag} ${arg}: ${message}`, { issues: [{ path: flag, message: `${arg}: ${message}` }] });
  if (eq <= 0) throw bad('must be path=value, e.g. fleet.devices=50');
  const path = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  const segments = parsePath(path);
  if (segments === undefined) throw bad(`${JSON.stringify(path)} is not a path such as load.stages[0].rate`);
  if (raw.trim() === '') throw bad('needs a value after =');
  let value: unknown;
  try {
    value = YAML.parse(raw);
  } catch (err) {
    throw bad(`the value is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return { path, segments, value, text: `${path}=${raw}` };
}

/** The command-line shortcuts, before they are resolved against the document's load model. */
export interface Shortcuts {
  devices?: number | undefined;
  concurrency?: number | undefined;
  rate?: number | undefined;
}


/**
 * The shortcuts as overrides, given the document they apply to (after the `--set` overrides):
 * `--devices` → fleet.devices; `--concurrency` and `--rate` → the field the load model names
 * (closed: load.concurrency; the others: load.maxInFlight; open with one stage:
 * load.stages[0].rate; step: load.start). A shortcut the model has no field for is an
 * InputError saying what to use instead.
 */
export function shortcutOverrides(doc: unknown, s: Shortcuts): Override[] {
  const out: Override[] = [];
  const load = isPlainObject(doc) && isPlainObject(doc.load) ? doc.load : {};
  const fail = (flag: string, message: string) => new InputError(`${flag}: ${message}`, { issues: [{ path: flag, message }] });
  const num = (flag: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0) throw fail(flag, 'must be a number > 0');
    return v;
  };
  const make = (path: string, value: number) => parseOverride(`${path}=${value}`);
  if (s.devices !== undefined) out.push(make('fleet.devices', num('--devices', s.devices)));
  for (const which of ['concurrency', 'rate'] as const) {
    const v = s[which];
    if (v === undefined) continue;
    const flag = `--${which}`;
    num(flag, v);
    // each load model says where its shortcuts write (load/models/)
    const target = loadShortcut(load.model, which, load);
    if ('none' in target) throw fail(flag, target.none);
    out.push(make(target.path, v));
  }
  return out;
}

/**
 * Apply overrides to a parsed document (a copy is returned; the input is not changed). Missing
 * objects on the way are created; a path through a scalar, or an index past the end of a list,
 * is an issue naming the path.
 */
export function applyOverrides(doc: unknown, overrides: readonly Override[], issues: ValidationIssue[]): unknown {
  let root: unknown = doc === null || doc === undefined ? {} : structuredClone(doc);
  for (const o of overrides) {
    if (!isPlainObject(root)) {
      issues.push({ path: o.path, message: '--set needs the scenario to be a mapping' });
      continue;
    }
    let cur: unknown = root;
    let ok = true;
    for (let i = 0; i < o.segments.length - 1 && ok; i++) {
      const seg = o.segments[i] as string | number;
      const nextIsIndex = typeof o.segments[i + 1] === 'number';
      const at = pathText(o.segments.slice(0, i + 1));
      if (typeof seg === 'number') {
        if (!Array.isArray(cur) || seg > cur.length) {
          issues.push({ path: o.path, message: `--set: ${at} is not an item of a list (the list has ${Array.isArray(cur) ? cur.length : 0})` });
          ok = false;
          break;
        }
        cur[seg] ??= nextIsIndex ? [] : {};
        cur = cur[seg];
      } else {
        if (!isPlainObject(cur)) {
          issues.push({ path: o.path, message: `--set: ${at} goes through a value that is not a mapping` });
          ok = false;
          break;
        }
        cur[seg] ??= nextIsIndex ? [] : {};
        cur = cur[seg];
      }
    }
    if (!ok) continue;
    const last = o.segments[o.segments.length - 1] as string | number;
    if (typeof last === 'number') {
      if (!Array.isArray(cur) || last > cur.length) {
        issues.push({ path: o.path, message: `--set: not an item of a list (the list has ${Array.isArray(cur) ? cur.length : 0})` });
        continue;
      }
      cur[last] = structuredClone(o.value);
    } else if (isPlainObject(cur)) {
      cur[last] = structuredClone(o.value);
    } else {
      issues.push({ path: o.path, message: `--set: ${pathText(o.segments.slice(0, -1))} is not a mapping` });
    }
  }
  return root;
}

function pathText(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}
