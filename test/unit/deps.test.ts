/**
 * Module boundaries (design.md §4, style.md §9), checked on the sources, in the spirit of
 * Playwright's DEPS.list: a forbidden import fails the build's tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/emulator.js';

const SRC = path.join(REPO_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const files = sources(SRC).map((file) => ({ rel: path.relative(SRC, file).split(path.sep).join('/'), text: readFileSync(file, 'utf8') }));

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g), ...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1] as string);
}

/** Folder (under src/) an import of `spec` from `rel` resolves to, or the package name. */
function target(rel: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  return path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
}

function violations(rule: (rel: string, to: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of files) for (const spec of importsOf(f.text)) if (rule(f.rel, target(f.rel, spec))) out.push(`${f.rel} imports ${spec}`);
  return out;
}

test('the sources were found', () => {
  assert.ok(files.length > 50);
  assert.ok(files.some((f) => f.rel === 'device/device.ts'));
});

test('device/ and emulator/ never import each other (protocol/ is what they share)', () => {
  assert.deepEqual(violations((rel, to) => rel.startsWith('device/') && to.startsWith('emulator/')), []);
  assert.deepEqual(violations((rel, to) => rel.startsWith('emulator/') && to.startsWith('device/')), []);
});

const SRC_FOLDERS = new Set(readdirSync(SRC).filter((n) => statSync(path.join(SRC, n)).isDirectory()));
const isSrcModule = (to: string) => SRC_FOLDERS.has(to.split('/')[0] as string) && to.includes('/');

test('protocol/ is a leaf: it imports nothing of fleetsim but util/', () => {
  assert.ok(SRC_FOLDERS.has('protocol') && SRC_FOLDERS.has('util'));
  assert.deepEqual(violations((rel, to) => rel.startsWith('protocol/') && isSrcModule(to) && !to.startsWith('protocol/') && !to.startsWith('util/')), []);
});

test('each library has one home', () => {
  const only: Array<[string, (rel: string) => boolean]> = [
    ['mqtt', (rel) => rel === 'device/connection.ts'],
    ['mqtt-packet', (rel) => rel.startsWith('emulator/broker/')],
    ['hdr-histogram-js', (rel) => rel === 'metrics/histogram.ts'],
    ['yargs', (rel) => rel.startsWith('cli/')],
  ];
  for (const [pkg, allowed] of only) assert.deepEqual(violations((rel, to) => to === pkg && !allowed(rel)), [], pkg);
});

test('only cli/ reads argv or exits', () => {
  const bad = files.filter((f) => !f.rel.startsWith('cli/') && /process\.(exit|argv)\b/.test(f.text)).map((f) => f.rel);
  assert.deepEqual(bad, []);
});

/** Only the emulator's wiring (emulator.ts) imports its provisioning service; the gateway reaches it through a callback. */
const SERVICE = 'emulator/provisioning/service.js';
const importsServiceOutsideWiring = (rel: string, to: string) => to === SERVICE && rel !== 'emulator/emulator.ts';

test('only the emulator wiring (emulator.ts) imports the provisioning service', () => {
  assert.ok(files.some((f) => f.rel === 'emulator/provisioning/service.ts'), 'the service is where the rule says');
  assert.ok(importsServiceOutsideWiring('emulator/gateway.ts', SERVICE), 'the rule sees an import from elsewhere');
  assert.ok(!importsServiceOutsideWiring('emulator/emulator.ts', SERVICE));
  assert.deepEqual(violations(importsServiceOutsideWiring), []);
});

/** broker/, pki/ and templates/ are leaves: of fleetsim they import only their own folder, protocol/ and util/. */
const LEAVES = ['emulator/broker/', 'emulator/pki/', 'emulator/templates/'];
const leafReachesOut = (rel: string, to: string) => {
  const leaf = LEAVES.find((l) => rel.startsWith(l));
  return leaf !== undefined && isSrcModule(to) && !to.startsWith(leaf) && !to.startsWith('protocol/') && !to.startsWith('util/');
};

test('emulator broker/, pki/ and templates/ are leaves (nothing of fleetsim but protocol/ and util/)', () => {
  for (const leaf of LEAVES) assert.ok(files.some((f) => f.rel.startsWith(leaf)), `${leaf} has sources`);
  assert.ok(leafReachesOut('emulator/broker/broker.ts', 'emulator/policy/authorizer.js'), 'the rule sees a sibling folder');
  assert.ok(leafReachesOut('emulator/pki/ca.ts', 'emulator/emulator.js'), 'the rule sees the wiring');
  assert.ok(!leafReachesOut('emulator/templates/render.ts', 'util/errors.js'));
  assert.deepEqual(violations(leafReachesOut), []);
});

test('cli/ imports fleetsim only through index.ts, its public face (packages and node: modules are free)', () => {
  // relative imports resolve to `<folder>/<file>.js`; packages keep their names
  assert.deepEqual(violations((rel, to) => rel.startsWith('cli/') && to.endsWith('.js') && !to.startsWith('cli/') && to !== 'index.js'), []);
});

/**
 * The layers, top to bottom (design.md §4). A module may import its own layer or any layer below it,
 * never one above; and the folders of one layer never import each other in a circle.
 */
const LAYERS: string[][] = [
  ['cli'],
  ['index.ts', 'run-file.ts', 'aws'],
  ['target', 'orchestrator', 'cleanup'],
  ['report'],
  ['analysis'],
  ['device'],
  ['emulator', 'scenario'],
  // the load models own their schemas: the scenario schema is composed from them
  ['load'],
  ['metrics'],
  ['protocol', 'util'],
];
/** the unit a source file or import target belongs to: its top folder, or the file itself at src/'s top */
const unitOf = (p: string) => {
  const [head, ...rest] = p.split('/');
  return rest.length > 0 ? (head as string) : (head as string).replace(/\.js$/, '.ts');
};
const layerOf = (p: string) => LAYERS.findIndex((l) => l.includes(unitOf(p)));
const importsUpward = (rel: string, to: string) => {
  if (!to.endsWith('.js')) return false; // packages and node: modules
  return layerOf(to) < layerOf(rel);
};

test('every source folder has a layer', () => {
  const units = new Set(files.map((f) => unitOf(f.rel)));
  assert.deepEqual([...units].filter((u) => layerOf(u + '/x.ts') === -1 && layerOf(u) === -1), []);
});

test('nothing imports a layer above its own', () => {
  assert.ok(importsUpward('report/build.ts', 'orchestrator/run.js'), 'the rule sees an upward import');
  assert.ok(importsUpward('protocol/topics.ts', 'index.js'), 'the rule sees an import of the public face');
  assert.ok(!importsUpward('orchestrator/run.ts', 'report/build.js'));
  assert.deepEqual(violations(importsUpward), []);
});

test('the folders of one layer never import each other in a circle', () => {
  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    for (const spec of importsOf(f.text)) {
      const to = target(f.rel, spec);
      if (!to.endsWith('.js')) continue;
      const [a, b] = [unitOf(f.rel), unitOf(to)];
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
  }
  const cycles: string[] = [];
  const reach = (from: string, seen: Set<string>): Set<string> => {
    for (const n of edges.get(from) ?? []) if (!seen.has(n)) reach(n, seen.add(n));
    return seen;
  };
  for (const [a, outs] of edges) for (const b of outs) if (reach(b, new Set()).has(a)) cycles.push(`${a} -> ${b}`);
  assert.deepEqual(cycles, []);
});
