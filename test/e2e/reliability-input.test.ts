/** Issue 12: hostile input files end in exit 2 with a message naming file, path and rule; no hang, no stack trace, no file bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

const withTemplate = (file: string): string => smallScenario(4).replace('templates/fleet-prov-test-template.json', file);

function assertBadInput(r: { code: number | null; stderr: string }, ...patterns: RegExp[]): void {
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.doesNotMatch(r.stderr, /unexpected error/);
  for (const p of patterns) assert.match(r.stderr, p);
}

test('validate: a template path that is /dev/zero is refused at once (exit 2), not read', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': withTemplate('/dev/zero') });
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r, /emulator\.templates\[0\]\.file/, /\/dev\/zero is a character device/);
});

test('validate: a template path that is a FIFO with no writer is refused, not waited on', async (t) => {
  const ws = makeWorkspace();
  const fifo = path.join(ws, 'scenarios', 'pipe.json');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  writeFileSync(path.join(ws, 'scenarios', 's.yaml'), withTemplate('pipe.json'));
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r, /emulator\.templates\[0\]\.file/, /FIFO/);
});

test('validate: a scenario over 4 MiB and a template over 1 MiB are refused by size, naming the limit', async () => {
  const big = `# ${'x'.repeat(4 * 1024 * 1024)}\n${smallScenario(4)}`;
  const ws = makeWorkspace({ 'scenarios/big.yaml': big, 'scenarios/s.yaml': withTemplate('big.json') });
  writeFileSync(path.join(ws, 'scenarios', 'big.json'), `{"Resources": {}, "x": "${'y'.repeat(1024 * 1024)}"}`);
  const r1 = await runCli(['validate', 'scenarios/big.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r1, /big\.yaml/, /limit for this file is 4 MiB/);
  const r2 = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r2, /emulator\.templates\[0\]\.file/, /limit for this file is 1 MiB/);
});

test('validate: an error about a template outside the scenario folder never quotes the file', async () => {
  const ws = makeWorkspace({ 'secret.txt': 'root:x:0:0:TOPSECRET-BYTES\n' });
  writeFileSync(path.join(ws, 'scenarios', 's.yaml'), withTemplate('../secret.txt'));
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r, /secret\.txt is not valid JSON/);
  assert.doesNotMatch(r.stderr, /root:x|TOPSECRET/);
});

test('validate: fleet.devices past the ceiling exits 2 and says the ceiling', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(4).replace('devices: 4', 'devices: 1000000000000') });
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r, /fleet\.devices: must be at most 100,000,000/);
});

test('validate: a stage with duration 0 is refused at its path', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(4, 'model: open\n  stages:\n    - { rate: 5, duration: 0 }') });
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r, /load\.stages\[0\]\.duration: must be longer than 0/);
});

test('validate: a __proto__ key is reported at its own path (YAML and JSON)', async () => {
  const yaml = smallScenario(4).replace('  templateName:', '  __proto__: { devices: 5 }\n  templateName:');
  const json = JSON.stringify({
    name: 'x',
    target: { type: 'emulator' },
    fleet: { devices: 2, templateName: 'fleet-prov-test-template' },
    load: { model: 'closed', concurrency: 1, ['__proto__']: 1 },
    emulator: { templates: [{ name: 'fleet-prov-test-template', file: 'templates/fleet-prov-test-template.json' }] },
  }).replace('"load":{', '"load":{"__proto__":{"concurrency":7},');
  const ws = makeWorkspace({ 'scenarios/s.yaml': yaml, 'scenarios/s.json': json });
  const r1 = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r1, /fleet\.__proto__: is not a known setting/);
  const r2 = await runCli(['validate', 'scenarios/s.json'], { cwd: ws, timeoutMs: 20_000 });
  assertBadInput(r2, /load\.__proto__: is not a known setting/);
});

test('validate: an unknown intrinsic and a Ref to an undeclared parameter are caught with their JSON paths', async () => {
  const ws = makeWorkspace();
  const tpl = JSON.parse(readFileSync(path.join(ws, 'scenarios', 'templates', 'fleet-prov-test-template.json'), 'utf8'));
  tpl.Resources.thing.Properties.ThingName = { 'Fn::Frobnicate': ['a'] };
  tpl.Resources.thing.Properties.AttributePayload = { serialNumber: { Ref: 'NotDeclared' } };
  writeFileSync(path.join(ws, 'scenarios', 'bad.json'), JSON.stringify(tpl));
  writeFileSync(path.join(ws, 'scenarios', 's.yaml'), withTemplate('bad.json'));
  for (const cmd of [['validate', 'scenarios/s.yaml'], ['run', 'scenarios/s.yaml', '--out', 'out', '--quiet']]) {
    const r = await runCli(cmd, { cwd: ws, timeoutMs: 60_000 });
    assertBadInput(r, /ThingName\.Fn::Frobnicate\): unknown intrinsic function/, /AttributePayload\.serialNumber\.Ref\): Ref "NotDeclared"/);
  }
});

test('validate | head -1: a closed stdout ends the command quietly', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(4) });
  // the reader closes its end before fleetsim writes: every write meets EPIPE
  const r = await runCli(['validate', 'scenarios/s.yaml'], { cwd: ws, timeoutMs: 20_000, onSpawn: (_pid, stdout) => (stdout as unknown as { destroy(): void }).destroy() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('run --out: a file, a path inside a file and a folder under /proc exit 2 naming --out, before the run starts', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(2), afile: 'x' });
  const cases: Array<[string, RegExp]> = [
    ['afile', /--out .*afile: is a file, not a folder/],
    ['afile/sub', /afile is a file, not a folder/],
    ['/proc/fleetsim-out-test', /cannot create the folder \/proc\/fleetsim-out-test/],
  ];
  for (const [dir, pattern] of cases) {
    const r = await runCli(['run', 'scenarios/s.yaml', '--out', dir, '--quiet'], { cwd: ws, timeoutMs: 30_000 });
    assertBadInput(r, pattern);
  }
});

test('run: events.jsonl on a device that is always full (/dev/full) ends with exit 3 naming the file and ENOSPC, no stack trace', async () => {
  const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(2) });
  const { mkdirSync, symlinkSync, existsSync } = await import('node:fs');
  if (!existsSync('/dev/full')) return;
  mkdirSync(path.join(ws, 'out', 'r1'), { recursive: true });
  symlinkSync('/dev/full', path.join(ws, 'out', 'r1', 'events.jsonl'));
  const r = await runCli(['run', 'scenarios/s.yaml', '--out', 'out', '--run-id', 'r1', '--quiet'], { cwd: ws, timeoutMs: 60_000 });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /events\.jsonl: no space left on the device \(ENOSPC\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
});

test('run: a rejection reason reaches report.json, the console summary and report.html with its count', async () => {
  const scenario = smallScenario(3).replace('file: templates/fleet-prov-test-template.json', 'file: templates/fleet-prov-test-template.json\n      enabled: false');
  const ws = makeWorkspace({ 'scenarios/s.yaml': scenario });
  const r = await runCli(['run', 'scenarios/s.yaml', '--out', 'out', '--run-id', 'r1'], { cwd: ws, timeoutMs: 60_000 });
  assert.ok(r.code === 0 || r.code === 1, `${r.code} ${r.stderr}`);
  const report = JSON.parse(readFileSync(path.join(ws, 'out', 'r1', 'report.json'), 'utf8')) as {
    schemaVersion: number;
    rejections: Array<{ api: string; count: number; messages?: Array<{ message: string; count: number }> }>;
  };
  assert.equal(report.schemaVersion, 1);
  const rt = report.rejections.find((x) => x.api === 'RegisterThing');
  assert.ok(rt, JSON.stringify(report.rejections));
  assert.deepEqual(rt.messages, [{ message: 'Template fleet-prov-test-template is disabled.', count: rt.count }]);
  assert.match(r.stdout, /\n\s+\d+ {2}Template fleet-prov-test-template is disabled\./);
  assert.match(readFileSync(path.join(ws, 'out', 'r1', 'report.html'), 'utf8'), /Template fleet-prov-test-template is disabled\./);
});
