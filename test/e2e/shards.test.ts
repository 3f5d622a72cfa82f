/**
 * Sharded runs through the CLI against ONE standalone emulator (in this process, reached as a
 * `target: aws` endpoint): shards 1/2 and 2/2 (with different worker counts, at the same time),
 * merged, give exactly the outcome counts and histogram totals of the unsharded run; the shards
 * never share a device index, client ID or thing; merge refuses an incomplete or mixed set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDeviceSpec } from '../../src/orchestrator/generator.js';
import { segmentIndices, shareCount } from '../../src/load/split.js';
import type { RunReport } from '../../src/report/types.js';
import { sampleScenario } from '../unit/report/sample-run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/util/errors.js';
import { startAwsLikeEmulator, type AwsLikeEmulator } from '../helpers/aws-target.js';
import { fleetYaml, makeWorkspace, runCli } from '../helpers/cli.js';
import { checkJunitShape } from '../helpers/junit-shape.js';

const DEVICES = 41;

function scenario(a: AwsLikeEmulator, concurrency: number): string {
  return `name: shards
target:
  type: aws
  endpoint: 127.0.0.1
  port: ${a.emu.port}
  servername: localhost
  caFile: ${a.files.ca}
  claimCertFile: ${a.files.cert}
  claimKeyFile: ${a.files.key}
${fleetYaml(DEVICES, { clientId: 'sh-{runId}-{index}', serial: '{runId}-{index:4}' })}load:
  model: closed
  concurrency: ${concurrency}
`;
}

const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunReport;

test('device indices and client IDs of all shards partition the fleet, whatever each shard\'s worker count', () => {
  const s = sampleScenario(DEVICES, { fleet: { devices: DEVICES, clientId: 'c-{runId}-{index}', templateName: 'tpl' } });
  for (const n of [1, 2, 3, 5]) {
    const ids: string[] = [];
    const indices: number[] = [];
    for (let shard = 0; shard < n; shard++) {
      const workers = 1 + (shard % 3);
      let inShard = 0;
      for (let w = 0; w < workers; w++) {
        const mine = segmentIndices(DEVICES, { shard, shards: n, worker: w, workers });
        inShard += mine.length;
        for (const k of mine) {
          indices.push(k);
          ids.push(makeDeviceSpec(s, 'run', shard, k).clientId);
        }
      }
      assert.equal(inShard, shareCount(DEVICES, shard, n), `shard ${shard + 1}/${n} gets its floor + remainder share`);
    }
    assert.deepEqual([...indices].sort((a, b) => a - b), Array.from({ length: DEVICES }, (_, i) => i), `${n} shards cover every index once`);
    assert.equal(new Set(ids).size, DEVICES, `${n} shards: unique client IDs`);
  }
  // a client ID built from a serial that does not vary with the index is refused up front
  const doc = { fleet: { devices: 3, clientId: 'dev-{serial}', serial: 'fixed', templateName: 'tpl' }, load: { model: 'closed', concurrency: 1 }, emulator: { templates: [{ name: 'tpl', file: 'tpl.json' }] } };
  assert.throws(() => parseScenario(doc, { file: 'x.yaml', baseDir: '/nonexistent' }), (e: unknown) => e instanceof InputError && /fleet\.serial: must contain \{index\}/.test(e.describe()));
});

test('shards 1/2 + 2/2 merged equal the unsharded run (outcomes, histogram counts); merge refuses bad sets', { timeout: 240_000 }, async (t) => {
  const ws = makeWorkspace();
  const aws = await startAwsLikeEmulator(ws);
  t.after(() => aws.emu.close());
  writeFileSync(path.join(ws, 'scenarios', 'shards.yaml'), scenario(aws, 8));
  const run = (extra: string[]) => runCli(['run', 'scenarios/shards.yaml', '--out', 'out', '-q', ...extra], { cwd: ws, timeoutMs: 120_000 });

  const [s1, s2] = await Promise.all([
    run(['--shard', '1/2', '--run-id', 'sharded', '--workers', '2']),
    run(['--shard', '2/2', '--run-id', 'sharded', '--workers', '1']),
  ]);
  assert.equal(s1.code, 0, s1.stderr + s1.stdout);
  assert.equal(s2.code, 0, s2.stderr + s2.stdout);
  const whole = await run(['--run-id', 'whole']);
  assert.equal(whole.code, 0, whole.stderr + whole.stdout);

  const merge = await runCli(['report', 'merge', 'out/sharded', '-q'], { cwd: ws });
  assert.equal(merge.code, 0, merge.stderr + merge.stdout);
  assert.match(merge.stdout, new RegExp(`merged 2 shards of run sharded: ${DEVICES} devices`));
  const merged = readReport(path.join(ws, 'out', 'sharded', 'report.json'));
  const single = readReport(path.join(ws, 'out', 'whole', 'report.json'));
  const part1 = readReport(path.join(ws, 'out', 'sharded', 'shard-1-of-2', 'report.json'));
  const part2 = readReport(path.join(ws, 'out', 'sharded', 'shard-2-of-2', 'report.json'));

  assert.deepEqual([part1.devices, part2.devices], [21, 20], 'floor + remainder');
  assert.equal(single.outcomes.provisioned, DEVICES);
  assert.equal(merged.devices, single.devices);
  assert.deepEqual(merged.outcomes, single.outcomes);
  assert.deepEqual(Object.keys(merged.steps).sort(), Object.keys(single.steps).sort());
  for (const [step, s] of Object.entries(single.steps)) {
    assert.equal(merged.steps[step]?.count, s.count, `${step} histogram total`);
    assert.equal(merged.steps[step]?.count, (part1.steps[step]?.count ?? 0) + (part2.steps[step]?.count ?? 0), `${step}: shard counts add up`);
  }
  assert.deepEqual(merged.attempts, single.attempts);
  // no two shards created the same thing (serials come from the global device index)
  const t1 = new Set(part1.created.things);
  assert.equal(part2.created.things.filter((x) => t1.has(x)).length, 0);
  assert.equal(new Set(merged.created.things).size, DEVICES);
  assert.deepEqual(merged.shard, { index: 0, count: 2 });
  assert.deepEqual(merged.merged?.shards.map((s) => [s.index, s.devices, s.workers]), [[1, 21, 2], [2, 20, 1]]);
  // every report format for the merged run
  const cases = checkJunitShape(readFileSync(path.join(ws, 'out', 'sharded', 'junit.xml'), 'utf8'));
  assert.equal(cases.filter((c) => c.failure !== undefined).length, 0);
  assert.match(readFileSync(path.join(ws, 'out', 'sharded', 'report.html'), 'utf8'), /merged from 2 shards/);

  // an incomplete set: exit 2, naming the missing shard
  const missing = await runCli(['report', 'merge', 'out/sharded/shard-1-of-2', '--out', 'out/m1'], { cwd: ws });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /missing 2\/2/);
  // a shard of another scenario: exit 2, naming both hashes (the shard's meta line says which scenario it ran)
  const otherDir = path.join(ws, 'out', 'other', 'shard-2-of-2');
  mkdirSync(otherDir, { recursive: true });
  const lines = readFileSync(path.join(ws, 'out', 'sharded', 'shard-2-of-2', 'events.jsonl'), 'utf8').split('\n');
  lines[0] = JSON.stringify({ ...JSON.parse(lines[0] as string), scenarioHash: 'another-scenario' });
  writeFileSync(path.join(otherDir, 'events.jsonl'), lines.join('\n'));
  const mixed = await runCli(['report', 'merge', 'out/sharded/shard-1-of-2', 'out/other/shard-2-of-2', '--out', 'out/m2'], { cwd: ws });
  assert.equal(mixed.code, 2, mixed.stderr);
  assert.match(mixed.stderr, /different scenarios/);
  assert.match(mixed.stderr, new RegExp(`scenario hash ${part1.scenarioHash}`));
  assert.match(mixed.stderr, /scenario hash another-scenario/);
  // the same shard twice
  const twice = await runCli(['report', 'merge', 'out/sharded/shard-1-of-2', 'out/sharded/shard-1-of-2', 'out/sharded/shard-2-of-2', '--out', 'out/m3'], { cwd: ws });
  assert.equal(twice.code, 2, twice.stderr);
  assert.match(twice.stderr, /shard 1\/2 appears 2 times/);
  assert.doesNotMatch(missing.stderr + mixed.stderr + twice.stderr, /\n\s+at /, 'no stack trace');
});
