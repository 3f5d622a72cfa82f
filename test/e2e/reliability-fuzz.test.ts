/**
 * Issue 12: broken scenarios and templates, generated from a seeded PRNG (the same cases every
 * run), each through `fleetsim validate`'s own code path in this process (loadScenario, then
 * prepareTarget, then the CLI's reportError): exit code 2, a message naming a path, no stack
 * trace. A few of them also go through the real CLI in a subprocess.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadScenario, prepareTarget } from '../../src/index.js';
import { reportError } from '../../src/cli/output.js';
import { InputError } from '../../src/util/errors.js';
import { createRandom } from '../../src/util/random.js';
import { REPO_ROOT } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';

const CASES = 300;
const SEED = 0x12_2026;
const STACK = /\n\s+at .+:\d+:\d+|\bat (?:async )?[\w.<>]+ \(/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TEMPLATE_NAME = 'fleet-prov-test-template';

function baseScenario(): { [k: string]: Json } {
  return {
    name: 'fuzz',
    target: { type: 'emulator' },
    fleet: { devices: 10, clientId: 'f-{runId}-{index}', serial: '{index:4}', templateName: TEMPLATE_NAME, parameters: { SerialNumber: '{serial}' } },
    flow: { certificate: 'create-keys', format: 'json', mqttVersion: 4, replyTimeout: '10s', verify: { enabled: true } },
    load: { model: 'open', stages: [{ rate: 5, duration: '2s' }], maxInFlight: 10, startTolerance: '1s' },
    emulator: { templates: [{ name: TEMPLATE_NAME, file: 't.json' }] },
  };
}

const baseTemplate = (): { [k: string]: Json } => JSON.parse(readFileSync(path.join(REPO_ROOT, 'scenarios', 'templates', `${TEMPLATE_NAME}.json`), 'utf8')) as { [k: string]: Json };

interface Leaf {
  parent: { [k: string]: Json } | Json[];
  key: string | number;
  value: Json;
  path: string;
}

/** Every value in `doc` with the object or array holding it and its dotted path. */
function leaves(doc: Json, at = ''): Leaf[] {
  const out: Leaf[] = [];
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push({ parent: doc, key: i, value: v, path: `${at}[${i}]` });
      out.push(...leaves(v, `${at}[${i}]`));
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const p = at === '' ? k : `${at}.${k}`;
      out.push({ parent: doc, key: k, value: v, path: p });
      out.push(...leaves(v, p));
    }
  }
  return out;
}

const objects = (doc: Json): Array<{ [k: string]: Json }> =>
  [doc, ...leaves(doc).map((l) => l.value)].filter((v): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v));

interface Case {
  title: string;
  /** scenario file name and text */
  file: string;
  text: string;
  /** the template file's text */
  template: string;
}

/** A value no field of the original's type accepts. */
function wrongType(rnd: () => number, original: Json): Json {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  if (typeof original === 'boolean') return pick<Json>(['yes', 7, [], {}]);
  if (typeof original === 'number') return pick<Json>([true, [], {}, 'many']);
  if (typeof original === 'string') return pick<Json>([true, [], {}, null]);
  if (Array.isArray(original)) return pick<Json>([true, 'list', 3, {}]);
  return pick<Json>([true, 'map', 3, []]);
}

/** Values out of range for the scenario's numeric and duration fields. */
const OUT_OF_RANGE: Array<[string, Json[]]> = [
  ['fleet.devices', [0, -1, 1.5, 1e12, '10']],
  ['load.maxInFlight', [0, -3, 2.5]],
  ['load.stages[0].rate', [-1, 'fast']],
  ['load.stages[0].duration', [0, '0s', '-5s', 'soon', '10 parsecs']],
  ['load.startTolerance', ['-1s', 'later']],
  ['flow.replyTimeout', ['0s', '-2s', 'never']],
  ['flow.mqttVersion', [3, 6, '5']],
  ['flow.format', ['xml', '']],
  ['flow.certificate', ['borrowed', '']],
  ['target.type', ['mars', '']],
  ['load.model', ['chaos', '']],
];

function setPath(doc: { [k: string]: Json }, dotted: string, value: Json): void {
  const parts = dotted.replace(/\[(\d+)\]/g, '.$1').split('.');
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) cur = (cur as { [k: string]: Json })[p] as Json;
  (cur as { [k: string]: Json })[parts[parts.length - 1] as string] = value;
}

function makeCase(i: number, rnd: () => number): Case {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const s = baseScenario();
  const t = baseTemplate();
  let title: string;
  let templateText: string | undefined;
  const kind = i % 8;
  if (kind === 0 || kind === 1) {
    // a wrong type anywhere in the scenario
    const leaf = pick(leaves(s));
    const v = wrongType(rnd, leaf.value);
    (leaf.parent as Record<string | number, Json>)[leaf.key] = v;
    title = `scenario ${leaf.path} = ${JSON.stringify(v)}`;
  } else if (kind === 2) {
    const [p, values] = pick(OUT_OF_RANGE);
    const v = pick(values);
    setPath(s, p, v);
    title = `scenario ${p} = ${JSON.stringify(v)}`;
  } else if (kind === 3) {
    // an unknown key in any object of the scenario
    const params = (s.fleet as { parameters: Json }).parameters;
    const obj = pick(objects(s).filter((o) => o !== params));
    const key = pick(['colour', 'devicez', 'maxinflight', 'Stages', '__proto__', 'constructor', 'x-y']);
    if (key === '__proto__') Object.defineProperty(obj, key, { value: 1, enumerable: true, configurable: true, writable: true });
    else obj[key] = pick<Json>([1, 'two', true]);
    title = `scenario: unknown key ${key}`;
  } else if (kind === 4) {
    // structure: a section missing, replaced or a list where a map belongs
    const section = pick(['fleet', 'load', 'target', 'emulator', 'flow']);
    const how = pick(['delete', 'array', 'string', 'empty']);
    // flow and target have defaults, and an emulator target with no templates uses the bundled
    // example template: an absent flow, target or emulator is not an error (it becomes 17 instead)
    if (how === 'delete' && section !== 'flow' && section !== 'target' && section !== 'emulator') delete s[section];
    else if (how === 'array') s[section] = [s[section] as Json];
    else if (how === 'string') s[section] = section;
    else if (section === 'fleet' || section === 'load' || section === 'target') s[section] = {};
    else s[section] = 17;
    title = `scenario: ${section} ${how}`;
  } else if (kind === 5) {
    // the template: an unknown intrinsic or a Ref to an undeclared parameter, anywhere in Resources
    const resources = t.Resources as { [k: string]: Json };
    const leaf = pick(leaves(resources).filter((l) => typeof l.value === 'string' && l.key !== 'Type'));
    const v: Json = rnd() < 0.5 ? { [pick(['Fn::Frobnicate', 'Fn::Lower', 'Fn::Len', 'Fn::Upper'])]: ['a', 'b'] } : { Ref: pick(['Nope', 'serialnumber', 'AWS::Region::Name']) };
    (leaf.parent as Record<string | number, Json>)[leaf.key] = v;
    title = `template Resources.${leaf.path} = ${JSON.stringify(v)}`;
  } else if (kind === 6) {
    // the template's structure and types
    const how = pick(['resources-array', 'resources-string', 'parameter-type', 'resource-type', 'parameters-array', 'no-resources', 'properties-string']);
    const resources = t.Resources as { [k: string]: { [k: string]: Json } };
    if (how === 'resources-array') t.Resources = [];
    else if (how === 'resources-string') t.Resources = 'thing';
    else if (how === 'parameter-type') (t.Parameters as { [k: string]: { [k: string]: Json } }).SerialNumber!.Type = pick<Json>(['Strang', 42, null]);
    else if (how === 'resource-type') resources.thing!.Type = pick<Json>(['AWS::IoT::Frob', 7, '']);
    else if (how === 'parameters-array') t.Parameters = ['SerialNumber'];
    else if (how === 'no-resources') delete t.Resources;
    else resources.thing!.Properties = 'ThingName';
    title = `template: ${how}`;
  } else {
    // broken files: not JSON, not YAML, not there, empty
    const how = pick(['template-truncated', 'template-missing', 'scenario-yaml-tab', 'scenario-json-truncated', 'template-empty', 'scenario-empty-list']);
    if (how === 'template-truncated') templateText = JSON.stringify(t).slice(0, Math.floor(rnd() * 200) + 5);
    else if (how === 'template-missing') (s.emulator as { templates: Array<{ [k: string]: Json }> }).templates[0]!.file = 'missing.json';
    else if (how === 'template-empty') templateText = '';
    title = `file: ${how}`;
    if (how === 'scenario-yaml-tab') return { title, file: 's.yaml', text: `${YAML.stringify(s)}\tfleet:\n\t\tdevices: [1,\n`, template: JSON.stringify(t) };
    if (how === 'scenario-json-truncated') return { title, file: 's.json', text: JSON.stringify(s).slice(0, 80 + Math.floor(rnd() * 100)), template: JSON.stringify(t) };
    if (how === 'scenario-empty-list') return { title, file: 's.yaml', text: '- 1\n- 2\n', template: JSON.stringify(t) };
  }
  const asYaml = rnd() < 0.5 && !title.includes('__proto__');
  return { title, file: asYaml ? 's.yaml' : 's.json', text: asYaml ? YAML.stringify(s) : JSON.stringify(s, null, 1), template: templateText ?? JSON.stringify(t) };
}

function generateCases(): Case[] {
  const rnd = createRandom(SEED);
  return Array.from({ length: CASES }, (_, i) => makeCase(i, rnd));
}

function writeCase(root: string, i: number, c: Case): string {
  const dir = path.join(root, String(i));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 't.json'), c.template);
  writeFileSync(path.join(dir, c.file), c.text);
  return path.join(dir, c.file);
}

/** validate's code path in this process: the exit code and what it printed on stderr. */
async function validateInProcess(file: string): Promise<{ code: number; stderr: string; error: unknown }> {
  let stderr = '';
  let error: unknown;
  try {
    prepareTarget(await loadScenario(file));
    return { code: 0, stderr, error };
  } catch (e) {
    error = e;
  }
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = reportError(error);
    return { code, stderr, error };
  } finally {
    process.stderr.write = write;
  }
}

test(`${CASES} generated broken scenarios and templates: each exits 2 naming a path, without a stack trace`, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-fuzz-'));
  try {
    const cases = generateCases();
    const distinct = new Set(cases.map((c) => c.title + c.text + c.template)).size;
    assert.ok(distinct >= 200, `${distinct} distinct cases`);
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const file = writeCase(root, i, c);
      const r = await validateInProcess(file);
      const problems: string[] = [];
      if (r.code !== 2) problems.push(`exit ${r.code}`);
      if (STACK.test(r.stderr)) problems.push('a stack trace');
      if (/unexpected error|\[object Object\]/.test(r.stderr)) problems.push('an unexpected-error message');
      if (r.error instanceof InputError) {
        // every problem names where it is: a path inside the file ('' is the document itself,
        // printed as (root)), or the file itself
        const named =
          r.error.issues.length > 0
            ? r.error.issues.every((x) => x.path.trim() !== '' || /\(root\)/.test(r.stderr))
            : r.stderr.includes(path.basename(file)) || r.stderr.includes('t.json');
        if (!named) problems.push('no path');
      } else problems.push(`not an input error: ${(r.error as Error)?.name}`);
      if (problems.length > 0) failures.push(`case ${i} (${c.title}): ${problems.join(', ')}\n${r.stderr}`);
    }
    assert.deepEqual(failures, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('five of the generated cases through the real CLI: exit 2, a path, no stack trace', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-fuzz-cli-'));
  try {
    const cases = generateCases();
    // one of each kind that names a path inside a file
    for (const i of [0, 2, 3, 5, 6]) {
      const c = cases[i] as Case;
      const file = writeCase(root, i, c);
      const r = await runCli(['validate', file], { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `case ${i} (${c.title}): ${r.stderr}`);
      assert.doesNotMatch(r.stderr, STACK, c.title);
      assert.match(r.stderr, /: [\w[\]().:-]+: /, `case ${i} names a path: ${r.stderr}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
