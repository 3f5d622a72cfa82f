/**
 * The AWS IoT Core policy language: the grammar of a policy document, read one way by the
 * emulator's evaluator (emulator/policy/evaluate.ts, at run time) and by the template checks
 * (emulator/templates/policy-document.ts, at `validate`). Pure.
 *
 * Sources:
 * - IOTPOL: AWS IoT developer guide, "AWS IoT Core policies"
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html): policies are JSON
 *   documents that "follow the same conventions as IAM policies"; each statement has Effect,
 *   Action and Resource.
 * - IAMGRAMMAR: IAM user guide, "Grammar of the IAM JSON policy language"
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html): the policy
 *   keys Version / Id / Statement, the statement keys, Effect "Allow" | "Deny" (case sensitive),
 *   Action or NotAction and Resource or NotResource (one of each pair), a value that is one string
 *   or a list of strings, Version "2012-10-17" or "2008-10-17", the Condition map
 *   `{ operator: { key: value | [values] } }`, actions written `<service>:<action>`, resources ARNs
 *   or `*`.
 * - IOTVARS: AWS IoT developer guide, "AWS IoT Core policy variables"
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-variables.html): variables
 *   such as `${iot:Connection.Thing.ThingName}` go in Resource and Condition values.
 * - LIM2019: AWS IoT developer guide limits table (awsdocs/aws-iot-docs developerguide/limits-iot.md,
 *   Nov 2019; aws-fleet-provisioning.md §6): a policy document holds at most 2048 characters,
 *   white space excluded.
 *
 * Assumed (AWS publishes no IoT-specific rule; kept lenient so no policy AWS takes is refused):
 * a missing Version and an empty Statement list are accepted; Principal / NotPrincipal (resource
 * policies only in IAM; an IoT policy is attached to its principal) are reported as unknown keys;
 * Condition operators and keys are not checked by name, only the map's shape; an action or a
 * resource is reported only when it can match nothing (wildcards may reach a `service:action` or
 * an ARN, and the evaluator compares with those).
 */

import { describeJsonType, isPlainObject } from '../util/json-values.js';

/** Maximum policy document size in characters, white space not counted (LIM2019). */
export const MAX_POLICY_DOCUMENT_CHARS = 2048;

/** A document's size as that limit counts it: its JSON without any white space. */
export function policyDocumentChars(doc: unknown): number {
  return (JSON.stringify(doc) ?? '').replace(/\s/g, '').length;
}

export const POLICY_VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];
export const POLICY_KEYS: readonly string[] = ['Version', 'Id', 'Statement'];
export const STATEMENT_KEYS: readonly string[] = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];

/** `<service>:<action>` (IAMGRAMMAR action_string); `*` and `?` are wildcards. */
const ACTION_RE = /^[A-Za-z0-9-]+:\S*$/;

/** The text before the first wildcard or policy variable: what every match starts with. */
const staticPrefix = (s: string): string => s.split(/[*?]|\$\{/)[0] as string;
/** True when `pattern` can match some string that starts with `start` (e.g. an ARN, which starts `arn:`). */
const canStartWith = (pattern: string, start: string): boolean => {
  const prefix = staticPrefix(pattern);
  return prefix.startsWith(start) || (prefix.length < pattern.length && start.startsWith(prefix));
};

/** One statement as the evaluator reads it; `P` is how a pattern is held (the text here, compiled in the evaluator). A `not*` list is null when the statement uses the positive key. */
export interface PolicyStatement<P = string> {
  allow: boolean;
  conditional: boolean;
  actions: P[];
  notActions: P[] | null;
  resources: P[];
  notResources: P[] | null;
}

export interface ReadPolicyOptions {
  /** a problem at `path` inside the document (`Statement[0].Effect`; '' is the document itself) */
  report?: (path: string, message: string) => void;
  /**
   * Values only known at run time (a template's intrinsic function, or a string holding a
   * placeholder for one): accepted wherever a value is expected, their content not checked.
   */
  dynamic?: (value: unknown) => boolean;
}

const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v) ?? String(v));

/**
 * Reads a policy document. Statements that cannot be read (not an object, no valid Effect, no
 * Action/NotAction or no Resource/NotResource) are left out: they grant nothing. Every departure
 * from the grammar goes to `report`, including ones the evaluator reads past.
 */
export function readPolicyDocument(doc: unknown, opts: ReadPolicyOptions = {}): PolicyStatement[] {
  const report = opts.report ?? (() => {});
  const dynamic = opts.dynamic ?? (() => false);
  if (!isPlainObject(doc)) {
    report('', 'a policy document must be a JSON object');
    return [];
  }
  for (const key of Object.keys(doc)) {
    if (!POLICY_KEYS.includes(key) && !dynamic(key)) report(key, `unknown key; a policy document has ${POLICY_KEYS.join(', ')}`);
  }
  const version = doc.Version;
  if (version !== undefined && !dynamic(version) && !POLICY_VERSIONS.includes(version as string)) {
    report('Version', `must be "2012-10-17" (or the older "2008-10-17"), not ${show(version)}`);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string' && !dynamic(doc.Id)) report('Id', 'must be a string');
  const raw = doc.Statement;
  if (raw === undefined) report('Statement', 'is required: a statement, or a list of them');
  if (dynamic(raw)) return [];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const out: PolicyStatement[] = [];
  list.forEach((st, i) => {
    const read = readStatement(st, Array.isArray(raw) ? `Statement[${i}]` : 'Statement', report, dynamic);
    if (read !== null) out.push(read);
  });
  return out;
}

function readStatement(raw: unknown, path: string, report: (path: string, message: string) => void, dynamic: (v: unknown) => boolean): PolicyStatement | null {
  if (dynamic(raw)) return null;
  if (!isPlainObject(raw)) {
    report(path, 'a statement must be an object with Effect, Action and Resource');
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.includes(key) && !dynamic(key)) report(`${path}.${key}`, `unknown key; a statement has ${STATEMENT_KEYS.join(', ')}`);
  }
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string' && !dynamic(raw.Sid)) report(`${path}.Sid`, 'must be a string');
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny' && !dynamic(effect)) report(`${path}.Effect`, `must be "Allow" or "Deny" (case sensitive), not ${show(effect)}`);
  const actions = readPair(raw, 'Action', path, report, dynamic);
  const resources = readPair(raw, 'Resource', path, report, dynamic);
  checkCondition(raw.Condition, `${path}.Condition`, report, dynamic);
  if (effect !== 'Allow' && effect !== 'Deny') return null;
  if (actions === null || resources === null) return null;
  return {
    allow: effect === 'Allow',
    conditional: raw.Condition !== undefined,
    actions: actions.positive ?? [],
    notActions: actions.negative,
    resources: resources.positive ?? [],
    notResources: resources.negative,
  };
}

/** `Action`/`NotAction` or `Resource`/`NotResource`: null when neither is there. Where both are, the Not* list applies. */
function readPair(
  st: Record<string, unknown>,
  key: 'Action' | 'Resource',
  path: string,
  report: (path: string, message: string) => void,
  dynamic: (v: unknown) => boolean,
): { positive: string[] | null; negative: string[] | null } | null {
  const notKey = `Not${key}`;
  const has = Object.hasOwn(st, key);
  const hasNot = Object.hasOwn(st, notKey);
  if (!has && !hasNot) report(path, `needs ${key} or ${notKey}`);
  if (has && hasNot) report(path, `has both ${key} and ${notKey}; a statement takes one of them`);
  const positive = has ? readStrings(st[key], `${path}.${key}`, key, report, dynamic) : null;
  const negative = hasNot ? readStrings(st[notKey], `${path}.${notKey}`, key, report, dynamic) : null;
  return !has && !hasNot ? null : { positive, negative };
}

/** One string or a list of strings; anything else in the list is left out (and reported). */
function readStrings(value: unknown, path: string, kind: 'Action' | 'Resource', report: (path: string, message: string) => void, dynamic: (v: unknown) => boolean): string[] {
  if (dynamic(value)) return [];
  const check = (s: string, at: string): void => {
    if (dynamic(s)) return;
    // only what can match nothing is reported: a wildcard may still reach a `service:action` or an ARN
    if (kind === 'Action' && !ACTION_RE.test(s) && staticPrefix(s) === s) report(at, `action ${show(s)} matches no action: write "<service>:<action>", e.g. "iot:Publish", or "*"`);
    if (kind === 'Resource' && !canStartWith(s, 'arn:')) report(at, `resource ${show(s)} matches no resource: write "*" or an ARN such as "arn:aws:iot:<region>:<account>:topic/<topic>"`);
  };
  if (typeof value === 'string') {
    check(value, path);
    return [value];
  }
  if (!Array.isArray(value)) {
    report(path, `must be a string or a list of strings, not ${describeJsonType(value)}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    if (typeof v === 'string') {
      check(v, `${path}[${i}]`);
      out.push(v);
    } else if (!dynamic(v)) report(`${path}[${i}]`, `must be a string, not ${describeJsonType(v)}`);
  });
  return out;
}

/** `{ operator: { key: value | [values] } }`, values strings, numbers or booleans (IAMGRAMMAR condition_map). */
function checkCondition(value: unknown, path: string, report: (path: string, message: string) => void, dynamic: (v: unknown) => boolean): void {
  if (value === undefined || dynamic(value)) return;
  if (!isPlainObject(value)) return report(path, 'must be an object like {"StringEquals": {"iot:ClientId": "..."}}');
  const scalar = (v: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof v) || dynamic(v);
  for (const [operator, block] of Object.entries(value)) {
    const at = `${path}.${operator}`;
    if (dynamic(block)) continue;
    if (!isPlainObject(block)) {
      report(at, 'must be an object of condition keys to values');
      continue;
    }
    for (const [key, v] of Object.entries(block)) {
      const ok = scalar(v) || (Array.isArray(v) && v.every(scalar));
      if (!ok) report(`${at}.${key}`, `must be a value or a list of values, not ${describeJsonType(v)}`);
    }
  }
}
