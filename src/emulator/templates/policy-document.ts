/**
 * Static checks of an AWS::IoT::Policy resource's PolicyDocument, so a policy that cannot work is
 * refused when the template loads rather than at every RegisterThing. The document may be:
 * - an object: read with the policy grammar (protocol/iot-policy.ts); an intrinsic function inside
 *   it is a value known only at run time and is accepted where a value goes;
 * - a string: it must hold policy JSON, read the same way;
 * - an intrinsic function: it must produce a string (Fn::Join, Fn::Sub, Ref, Fn::FindInMap do; a
 *   Fn::Split list does not). When the function's text is static apart from pieces that sit inside
 *   JSON strings, each piece becomes a placeholder and the text is read as policy JSON. When a
 *   piece may supply JSON structure (a Ref outside quotes), nothing more is checked: it could be
 *   valid at run time.
 * Problems inside the policy JSON of a string are reported at the string's path, with the location
 * in the policy (`policy JSON Statement[0].Effect: ...`).
 */
import { MAX_POLICY_DOCUMENT_CHARS, policyDocumentChars, readPolicyDocument } from '../../protocol/iot-policy.js';
import { describeJsonType, isPlainObject } from '../../util/json-values.js';
import { isIntrinsic, MAX_DEPTH, SUB_VARIABLE_RE } from './intrinsics.js';
import type { TemplateBody } from './types.js';

type AddIssue = (path: string, message: string) => void;

/** Stands for a value only known at run time, inside policy JSON text; private-use characters, valid in a JSON string. */
const PLACEHOLDER = '\uE000fleetsim-dynamic\uE001';
const hasPlaceholder = (v: unknown): boolean => typeof v === 'string' && v.includes('\uE000');

/** What an intrinsic PolicyDocument yields, as far as is known before run time. */
type Yield =
  | { kind: 'text'; text: string } // a string; run-time pieces are PLACEHOLDER
  | { kind: 'unknown' } // could be anything (Fn::Select over run-time values, an unsupported function)
  | { kind: 'notString'; at: string; message: string };

export function checkPolicyDocument(doc: unknown, path: string, mappings: TemplateBody['Mappings'], add: AddIssue): void {
  if (doc === undefined) return;
  if (typeof doc === 'string') return checkPolicyText(doc, path, add);
  if (isIntrinsic(doc)) {
    const y = yieldOf(doc, path, mappings, 0);
    if (y.kind === 'notString') return add(y.at, y.message);
    if (y.kind === 'text') checkPolicyText(y.text, `${path}.${Object.keys(doc)[0] as string}`, add);
    return;
  }
  if (!isPlainObject(doc)) return add(path, `must be a JSON object (or a string holding one), not ${describeJsonType(doc)}`);
  readPolicyDocument(doc, { report: (p, m) => add(p === '' ? path : `${path}.${p}`, m), dynamic: isIntrinsic });
  checkSize(JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (isIntrinsic(v) ? '' : v))), path, add);
}

/** Policy JSON held in a string (literal, or built by a function with PLACEHOLDER pieces). */
function checkPolicyText(text: string, path: string, add: AddIssue): void {
  if (!placeholdersInsideStrings(text)) return; // a run-time piece may supply JSON structure
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (!text.includes(PLACEHOLDER)) return add(path, `is a string but not valid JSON (${(err as Error).message})`);
    return add(path, `builds text that is not valid JSON whatever the run-time values (… stands for them): ${near(text, err)}`);
  }
  readPolicyDocument(parsed, {
    report: (p, m) => add(path, p === '' ? `policy JSON: ${m}` : `policy JSON ${p}: ${m}`),
    dynamic: hasPlaceholder,
  });
  checkSize(parsed, path, add);
}

/** Why and where JSON.parse stopped, with a short excerpt of the built text. */
function near(text: string, err: unknown): string {
  const msg = (err as Error).message;
  const reason = msg.replace(/ in JSON at position \d+.*$/s, '').replaceAll(PLACEHOLDER, '…');
  const m = /at position (\d+)/.exec(msg);
  if (m === null) return reason;
  const pos = Number(m[1]);
  const shown = (t: string): string => t.replaceAll(PLACEHOLDER, '…');
  const before = JSON.stringify(shown(text.slice(0, pos)).slice(-30));
  return pos >= text.length ? `${reason}: the text ends after ${before}` : `${reason}: at ${JSON.stringify(shown(text.slice(pos)).slice(0, 12))}, after ${before}`;
}

/** AWS IoT's policy size limit, counted without white space; run-time values count as nothing, so only a sure excess is reported. */
function checkSize(doc: unknown, path: string, add: AddIssue): void {
  const chars = policyDocumentChars(doc) - (JSON.stringify(doc).split(PLACEHOLDER).length - 1) * PLACEHOLDER.length;
  if (chars > MAX_POLICY_DOCUMENT_CHARS) {
    add(path, `the policy is at least ${chars} characters without white space; AWS IoT takes at most ${MAX_POLICY_DOCUMENT_CHARS}`);
  }
}

/** True when every PLACEHOLDER sits inside a JSON string literal of `text` (so the JSON structure is static). */
function placeholdersInsideStrings(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString && c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (c === '\uE000' && !inString) return false;
  }
  return true;
}

/** The value an intrinsic yields, statically. `at` paths follow the template (`...PolicyDocument.Fn::Join[1][0]`). */
function yieldOf(value: unknown, at: string, mappings: TemplateBody['Mappings'], depth: number): Yield {
  if (typeof value === 'string') return { kind: 'text', text: value };
  if (depth > MAX_DEPTH || !isIntrinsic(value)) {
    return isIntrinsic(value) ? { kind: 'unknown' } : { kind: 'notString', at, message: `is ${describeJsonType(value)}; Fn::Join joins strings` };
  }
  const [name, arg] = Object.entries(value)[0] as [string, unknown];
  const here = `${at}.${name}`;
  switch (name) {
    case 'Ref':
      return { kind: 'text', text: PLACEHOLDER };
    case 'Fn::Split':
      return { kind: 'notString', at: here, message: 'gives a list; PolicyDocument must be policy JSON (an object, or a string holding it)' };
    case 'Fn::Sub': {
      const template = Array.isArray(arg) ? arg[0] : arg;
      if (typeof template !== 'string') return { kind: 'unknown' }; // rendering names the usage error
      return { kind: 'text', text: template.replace(SUB_VARIABLE_RE, (_w, v: string) => (v.startsWith('!') ? `\${${v.slice(1)}}` : PLACEHOLDER)) };
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return { kind: 'unknown' };
      const list: unknown = arg[1];
      if (!Array.isArray(list)) return isIntrinsic(list) ? { kind: 'text', text: PLACEHOLDER } : { kind: 'unknown' };
      const parts: string[] = [];
      for (let i = 0; i < list.length; i++) {
        const y = yieldOf(list[i], `${here}[1][${i}]`, mappings, depth + 1);
        if (y.kind === 'notString') return y;
        parts.push(y.kind === 'text' ? y.text : PLACEHOLDER);
      }
      return { kind: 'text', text: parts.join(arg[0]) };
    }
    case 'Fn::FindInMap': {
      const [m, k1, k2] = Array.isArray(arg) ? arg : [];
      const own = (o: object | undefined, k: unknown): unknown => (o !== undefined && typeof k === 'string' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
      const found = own(own(own(mappings, m) as object | undefined, k1) as object | undefined, k2);
      return { kind: 'text', text: typeof found === 'string' ? found : PLACEHOLDER };
    }
    default: // Fn::Select over static values could be followed, but its pick is rarely a whole policy
      return { kind: 'unknown' };
  }
}
