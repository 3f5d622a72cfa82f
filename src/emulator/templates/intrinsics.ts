/**
 * Evaluation of `Ref` and the fleet-provisioning intrinsic functions (aws-fleet-provisioning.md §4.4):
 * Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub. Pure; arbitrarily nested.
 */
import { describeJsonType, isPlainObject } from '../../util/json-values.js';
import { CERTIFICATE_ID_PARAMETER, TemplateRenderError, type TemplateBody } from './types.js';

export const SUPPORTED_FUNCTIONS = ['Ref', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::FindInMap', 'Fn::Sub'] as const;

/** Deeper nesting than this is refused, so a hand-built body cannot exhaust the stack. */
export const MAX_DEPTH = 64;

export interface EvalContext {
  body: TemplateBody;
  parameters: Record<string, string>;
  certificateId: string;
}

/** True for `{"Ref": ...}` or `{"Fn::X": ...}`: an object with one key that names a function. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'));
}

/** Evaluates every intrinsic inside `value`. `path` locates the value in the template for messages. */
export function evaluateValue(value: unknown, ctx: EvalContext, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) fail('BAD_FUNCTION', `Template value is nested more than ${MAX_DEPTH} levels deep`, path);
  if (Array.isArray(value)) return value.map((v, i) => evaluateValue(v, ctx, `${path}[${i}]`, depth + 1));
  if (!isPlainObject(value)) return value;
  if (isIntrinsic(value)) {
    const [name, arg] = Object.entries(value)[0] as [string, unknown];
    return callFunction(name, arg, ctx, path, depth);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = evaluateValue(v, ctx, `${path}.${k}`, depth + 1);
  return out;
}

/** Value of a parameter: the request's value, else the Default. `AWS::IoT::Certificate::Id` is always supplied. */
export function resolveParameter(name: string, ctx: EvalContext, path: string): string {
  if (name === CERTIFICATE_ID_PARAMETER) return ctx.certificateId;
  const def = Object.hasOwn(ctx.body.Parameters, name) ? ctx.body.Parameters[name] : undefined;
  if (def === undefined) {
    fail('BAD_REFERENCE', `Ref "${name}" does not name a parameter declared in the template's Parameters section`, path);
  }
  if (Object.hasOwn(ctx.parameters, name)) return ctx.parameters[name] as string;
  if (def.Default !== undefined) return def.Default;
  fail('MISSING_PARAMETER', `Parameter "${name}" has no value and no Default`, path);
}

function callFunction(name: string, arg: unknown, ctx: EvalContext, path: string, depth: number): unknown {
  const at = `${path}.${name}`;
  const evalArg = (v: unknown, i: number): unknown => evaluateValue(v, ctx, `${at}[${i}]`, depth + 1);
  switch (name) {
    case 'Ref':
      if (typeof arg !== 'string') fail('BAD_FUNCTION', 'Ref expects a parameter name (a string)', at);
      return resolveParameter(arg, ctx, path);
    case 'Fn::Join':
      return callJoin(expectArgs(arg, 2, 'Fn::Join expects [delimiter, [values...]]', at).map(evalArg), at);
    case 'Fn::Select':
      return callSelect(expectArgs(arg, 2, 'Fn::Select expects [index, [values...]]', at).map(evalArg), at);
    case 'Fn::Split':
      return callSplit(expectArgs(arg, 2, 'Fn::Split expects [delimiter, string]', at).map(evalArg), at);
    case 'Fn::FindInMap':
      return callFindInMap(expectArgs(arg, 3, 'Fn::FindInMap expects [mapName, topLevelKey, secondLevelKey]', at).map(evalArg), ctx, at);
    case 'Fn::Sub':
      return callSub(arg, ctx, at, depth);
    default:
      fail('BAD_FUNCTION', `Unsupported intrinsic function "${name}"; fleet provisioning templates support ${SUPPORTED_FUNCTIONS.join(', ')}`, at);
  }
}

function callJoin([delimiter, list]: unknown[], at: string): string {
  if (typeof delimiter !== 'string') fail('BAD_FUNCTION', 'Fn::Join delimiter must be a string', at);
  if (!Array.isArray(list)) fail('BAD_FUNCTION', 'Fn::Join expects a list of values as its second argument', at);
  list.forEach((v, i) => {
    if (typeof v !== 'string') fail('BAD_FUNCTION', `Fn::Join value ${i} is ${describeJsonType(v)}, not a string`, at);
  });
  return list.join(delimiter);
}

function callSelect([index, list]: unknown[], at: string): unknown {
  const n = typeof index === 'string' && /^\d+$/.test(index) ? Number(index) : index;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    fail('BAD_SELECT_INDEX', `Fn::Select index ${JSON.stringify(index) ?? 'undefined'} is not a non-negative whole number`, at);
  }
  if (!Array.isArray(list)) fail('BAD_FUNCTION', `Fn::Select expects a list as its second argument, got ${describeJsonType(list)}`, at);
  if (n >= list.length) fail('BAD_SELECT_INDEX', `Fn::Select index ${n} is out of range for a list of ${list.length} item(s)`, at);
  const picked: unknown = list[n];
  if (picked === null || picked === undefined) fail('BAD_SELECT_INDEX', `Fn::Select index ${n} picks a null value`, at);
  return picked;
}

function callSplit([delimiter, source]: unknown[], at: string): string[] {
  if (typeof delimiter !== 'string' || delimiter === '') fail('BAD_FUNCTION', 'Fn::Split delimiter must be a non-empty string', at);
  if (typeof source !== 'string') fail('BAD_FUNCTION', `Fn::Split expects a string to split, got ${describeJsonType(source)}`, at);
  return source.split(delimiter);
}

function callFindInMap([mapName, key1, key2]: unknown[], ctx: EvalContext, at: string): string {
  if (typeof mapName !== 'string' || typeof key1 !== 'string' || typeof key2 !== 'string') {
    fail('BAD_FUNCTION', 'Fn::FindInMap arguments must all be strings', at);
  }
  const map = Object.hasOwn(ctx.body.Mappings, mapName) ? ctx.body.Mappings[mapName] : undefined;
  if (map === undefined) fail('BAD_MAPPING', `Fn::FindInMap: no mapping named "${mapName}" in Mappings`, at);
  const level1 = Object.hasOwn(map, key1) ? map[key1] : undefined;
  if (level1 === undefined) fail('BAD_MAPPING', `Fn::FindInMap: mapping "${mapName}" has no key "${key1}"`, at);
  const value = Object.hasOwn(level1, key2) ? level1[key2] : undefined;
  if (value === undefined) fail('BAD_MAPPING', `Fn::FindInMap: mapping "${mapName}.${key1}" has no key "${key2}"`, at);
  return value;
}

/** `${Name}` in an Fn::Sub string. */
export const SUB_VARIABLE_RE = /\$\{([^}]*)\}/g;

/** `"text ${Param}"` or `["text ${Var}", {"Var": value}]`. `${!Literal}` writes `${Literal}`. */
function callSub(arg: unknown, ctx: EvalContext, at: string, depth: number): string {
  let template: unknown = arg;
  const vars: Record<string, string> = {};
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || !isPlainObject(arg[1])) fail('BAD_FUNCTION', 'Fn::Sub expects a string or [string, {variable: value}]', at);
    template = arg[0];
    for (const [k, v] of Object.entries(arg[1])) {
      const value = evaluateValue(v, ctx, `${at}[1].${k}`, depth + 1);
      if (typeof value !== 'string') fail('BAD_FUNCTION', `Fn::Sub variable "${k}" is ${describeJsonType(value)}, not a string`, at);
      vars[k] = value;
    }
  }
  if (typeof template !== 'string') fail('BAD_FUNCTION', 'Fn::Sub expects a string or [string, {variable: value}]', at);
  return template.replace(SUB_VARIABLE_RE, (_whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (Object.hasOwn(vars, name)) return vars[name] as string;
    if (name !== CERTIFICATE_ID_PARAMETER && !Object.hasOwn(ctx.body.Parameters, name)) {
      fail(
        'BAD_REFERENCE',
        `Fn::Sub: "\${${name}}" is neither a declared parameter nor a variable of this Fn::Sub (write "\${!${name}}" for a literal, e.g. an IoT policy variable)`,
        at,
      );
    }
    return resolveParameter(name, ctx, at);
  });
}

function expectArgs(arg: unknown, count: number, usage: string, at: string): unknown[] {
  if (!Array.isArray(arg) || arg.length !== count) fail('BAD_FUNCTION', usage, at);
  return arg;
}

/** Throws a TemplateRenderError whose message ends with the template location. */
export function fail(code: TemplateRenderError['code'], message: string, path: string): never {
  throw new TemplateRenderError(code, path === '' ? message : `${message} (at ${path})`);
}
