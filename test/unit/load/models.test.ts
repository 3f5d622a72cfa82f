/**
 * The load-model registry (src/load/models/): every model's schema takes the example scenarios'
 * `load` sections, its plan, schedule, slots and runner agree with each other, and nothing outside
 * src/load/models/ chooses by model name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { LOAD_MODELS, describeLoad, inFlightSlots, kneeSearchOf, loadModel, loadRunner, loadSchema, scheduleArrivals, type LoadConfig } from '../../../src/load/models/index.js';
import { stepRates } from '../../../src/load/models/step.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { REPO_ROOT } from '../../helpers/emulator.js';

const SCENARIOS = path.join(REPO_ROOT, 'scenarios');
const NAMES = LOAD_MODELS.map((m) => m.name);

interface Example {
  file: string;
  devices: number;
  section: unknown;
}

const examples: Example[] = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => {
    const doc = YAML.parse(readFileSync(path.join(SCENARIOS, file), 'utf8')) as { fleet: { devices: number }; load: unknown };
    return { file, devices: doc.fleet.devices, section: doc.load };
  });

test('the registry: one entry per name, and every model has an example scenario', () => {
  assert.deepEqual(NAMES, [...new Set(NAMES)]);
  assert.deepEqual(NAMES.toSorted(), ['burst', 'closed', 'open', 'step']);
  const used = new Set(examples.map((e) => (e.section as { model: string }).model));
  for (const name of NAMES) assert.ok(used.has(name), `no scenarios/*.yaml uses model: ${name}`);
  assert.ok(examples.length >= 10);
});

test("each model's own schema accepts its example sections, and only its own model name", () => {
  for (const e of examples) {
    const name = (e.section as { model: string }).model;
    const model = LOAD_MODELS.find((m) => m.name === name);
    assert.ok(model !== undefined, `${e.file}: unknown model ${name}`);
    const own = model.schema.safeParse(e.section);
    assert.ok(own.success, `${e.file}: ${own.error?.message}`);
    const viaUnion = loadSchema.parse(e.section);
    assert.deepEqual(viaUnion, own.data, e.file);
    assert.equal(loadModel(viaUnion).name, name);
    for (const other of LOAD_MODELS) {
      if (other.name !== name) assert.equal(other.schema.safeParse(e.section).success, false, `${other.name} accepted ${e.file}'s ${name} section`);
    }
  }
  const unknown = loadSchema.safeParse({ model: 'soak' });
  assert.equal(unknown.success, false);
  assert.match(unknown.error?.issues[0]?.message ?? '', /^must have model: closed, open, burst or step$/);
});

/** The plan, the schedule, the slots and the runner of one load section tell the same story. */
function assertConsistent(load: LoadConfig, devices: number, label: string): void {
  const slots = inFlightSlots(load, devices);
  assert.ok(Number.isInteger(slots) && slots >= 1, `${label}: slots ${slots}`);
  const plan = describeLoad(load, devices);
  assert.ok(plan.includes(`at most ${slots} in flight`), `${label}: the plan does not state the ${slots} slots: ${plan}`);
  const arrivals = scheduleArrivals(load, devices);
  assert.ok(arrivals.length <= devices, label);
  arrivals.forEach((a, i) => assert.equal(a.index, i, `${label}: arrivals are devices 0, 1, 2, ...`));
  const runner = loadRunner(load);
  if (runner.kind === 'slots') {
    assert.equal(arrivals.length, devices, `${label}: a slots runner starts every device`);
    assert.ok(arrivals.every((a) => a.offsetMs === undefined), `${label}: a slots runner has no start times`);
  } else {
    assert.ok(runner.startToleranceMs >= 0 && Number.isFinite(runner.startToleranceMs), label);
    const offsets = arrivals.map((a) => a.offsetMs);
    assert.ok(offsets.every((o) => typeof o === 'number' && o >= 0), `${label}: a timed runner needs a start time for every arrival`);
    for (let i = 1; i < offsets.length; i++) assert.ok((offsets[i] as number) >= (offsets[i - 1] as number), `${label}: start times ascend`);
  }
  const knee = kneeSearchOf(load);
  if (knee !== undefined) {
    assert.ok(stepRates(knee).length >= 1, label);
    assert.ok(plan.includes('knee search'), label);
  }
}

test('plan, schedule, slots and runner agree for every example scenario', () => {
  for (const e of examples) assertConsistent(loadSchema.parse(e.section), e.devices, e.file);
});

test('plan, schedule, slots and runner agree for small fleets, where the caps bite', () => {
  for (const e of examples) {
    const load = loadSchema.parse(e.section);
    for (const devices of [1, 3, 17]) assertConsistent(load, devices, `${e.file} with ${devices} devices`);
  }
});

test('closed: concurrency above fleet.devices is capped, the scenario keeps its value and the plan says so', () => {
  const load = loadSchema.parse({ model: 'closed', concurrency: 50 });
  assert.equal(inFlightSlots(load, 10), 10);
  assert.equal(inFlightSlots(load, 80), 50);
  assert.match(describeLoad(load, 10), /at most 10 in flight \(concurrency 50 capped at the 10 devices\)/);
  assert.doesNotMatch(describeLoad(load, 80), /capped/);

  const doc = YAML.parse(readFileSync(path.join(SCENARIOS, 'quickstart.yaml'), 'utf8')) as { fleet: { devices: number }; load: { concurrency: number } };
  doc.fleet.devices = 5;
  const s = parseScenario(doc, { file: 'quickstart.yaml', baseDir: SCENARIOS, env: {} });
  assert.equal(s.load.model === 'closed' && s.load.concurrency, doc.load.concurrency);
  assert.match(describeLoad(s.load, s.fleet.devices), /at most 5 in flight \(concurrency \d+ capped at the 5 devices\)/);
});

test('only the step model asks for a knee search, and it carries the step settings', () => {
  for (const e of examples) {
    const load = loadSchema.parse(e.section);
    const knee = kneeSearchOf(load);
    assert.equal(knee !== undefined, load.model === 'step', e.file);
    if (knee !== undefined && load.model === 'step') {
      assert.deepEqual(knee, { start: load.start, increment: load.increment, stepDuration: load.stepDuration, maxRate: load.maxRate, stopWhen: load.stopWhen, p99Of: load.p99Of });
    }
  }
});

// --- one place chooses by model: a structural check on the sources --------------------------

const SRC = path.join(REPO_ROOT, 'src');
const MODELS_DIR = 'load/models/';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Code lines of `text` that choose by load model, without comments. */
function modelSwitches(text: string, names: readonly string[]): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const alt = names.join('|');
  const patterns = [
    /\.model\s*[!=]==?/, // load.model === 'closed'
    /\bmodel\s*[!=]==?\s*['"`]/, // ({ model }) => model === 'step'
    new RegExp(`['"\`](?:${alt})['"\`]\\s*[!=]==?\\s*[\\w.?]*\\bmodel\\b`), // 'closed' === load.model
    /switch\s*\([^)]*\bmodel\s*\)/, // switch (load.model)
    new RegExp(`z\\.literal\\(\\s*['"\`](?:${alt})['"\`]`), // a second schema for a model
    /\[\s*[\w.?]*\.model\s*\]/, // table[load.model]
  ];
  return code.split('\n').filter((line) => patterns.some((p) => p.test(line)));
}

test('the structural check finds a switch on model names (it can fail)', () => {
  const planted = [
    "if (s.load.model === 'closed') return s.load.concurrency;",
    "const knee = 'step' === load.model ? load : undefined;",
    'switch (load.model) {',
    "const closedLoad = z.strictObject({ model: z.literal('closed') });",
    'const slots = SLOTS[load.model];',
  ];
  for (const line of planted) assert.deepEqual(modelSwitches(line, NAMES), [line]);
  assert.deepEqual(modelSwitches("// load.model === 'closed' in a comment\nconst mode = scope === 'step' ? 'a' : 'b';", NAMES), []);
});

test('nothing outside src/load/models/ chooses by load model name', () => {
  const found: string[] = [];
  for (const file of sources(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    if (rel.startsWith(MODELS_DIR)) continue;
    for (const line of modelSwitches(readFileSync(file, 'utf8'), NAMES)) found.push(`${rel}: ${line.trim()}`);
  }
  assert.deepEqual(found, []);
});

test('inside src/load/models/, only the registry dispatches by name; each model file holds one model', () => {
  for (const file of sources(path.join(SRC, MODELS_DIR))) {
    const name = path.basename(file, '.ts');
    const text = readFileSync(file, 'utf8');
    const switches = modelSwitches(text, NAMES).filter((l) => !/z\.literal/.test(l));
    if (name !== 'index') assert.deepEqual(switches, [], `${name}.ts`);
    const literals = [...text.matchAll(/z\.literal\(\s*'([^']+)'/g)].map((m) => m[1]);
    if (NAMES.includes(name as never)) assert.deepEqual(literals, [name], `${name}.ts defines the ${name} schema only`);
    else assert.deepEqual(literals, [], `${name}.ts is not a model`);
  }
});
