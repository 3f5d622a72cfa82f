/**
 * Commands that answer the question asked: `report` on a folder that is not a run, a shard run
 * without --run-id, and `init aws` run outside the checkout (a .gitignore for key material, and
 * printed commands that work from there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

test('report on a folder that is not a run says so (exit 2) and names the runs inside it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-notrun-'));
  mkdirSync(path.join(dir, 'reports', '20261205-100000-aaaaaa'), { recursive: true });
  writeFileSync(path.join(dir, 'reports', '20261205-100000-aaaaaa', 'events.jsonl'), '');
  const [empty, parent] = await Promise.all([runCli(['report', dir]), runCli(['report', path.join(dir, 'reports')])]);
  assert.equal(empty.code, 2, empty.stderr);
  assert.match(empty.stderr, /is not a run folder: it has no events\.jsonl and no shard-i-of-n folders/);
  assert.doesNotMatch(empty.stderr, /merge/i, 'not a shard-merge error');
  assert.equal(parent.code, 2, parent.stderr);
  assert.match(parent.stderr, /hint: it holds 1 run; the latest: fleetsim report .*20261205-100000-aaaaaa/);
});

test('a shard run without --run-id warns at the start and prints the merge command', async () => {
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(2) });
  const r = await runCli(['run', 'scenarios/small.yaml', '--shard', '1/2', '--quiet', '--report', 'json'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const warning = /^fleetsim: warning: --shard 1\/2 without --run-id: this shard writes (reports\/[\w-]+\/shard-1-of-2), and every other shard picks a run ID of its own\.$/m.exec(r.stderr);
  assert.ok(warning, r.stderr);
  assert.ok(existsSync(path.join(ws, warning[1]!, 'report.json')), 'the warning names the folder the shard wrote');
  // the workspace is outside the checkout: the commands name its launcher
  const fleetsim = `node ${CLI}`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  assert.match(r.stderr, new RegExp(`Start all 2 shards with the same --run-id \\(e\\.g\\. --run-id [\\w-]+\\); then merge them with: ${fleetsim} report merge reports/[\\w-]+$`, 'm'));
  assert.match(r.stdout, new RegExp(`^merge: ${fleetsim} report merge ${warning[1]} <the other shards' shard-i-of-2 folders>$`, 'm'));
});

test('init aws outside the checkout: a .gitignore for key material; the printed commands work from there', async () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-init-'));
  const init = await runCli(['init', 'aws', '--dir', 'fleetsim-aws'], { cwd });
  assert.equal(init.code, 0, init.stderr);
  const ignore = readFileSync(path.join(cwd, 'fleetsim-aws', '.gitignore'), 'utf8');
  assert.match(ignore, /^claim\/$/m);
  assert.match(ignore, /^\*\.key$/m);
  if (spawnSync('git', ['--version']).status === 0) {
    spawnSync('git', ['init', '-q'], { cwd });
    const check = spawnSync('git', ['check-ignore', 'fleetsim-aws/claim/claim.private.key', 'fleetsim-aws/keys/extra.key'], { cwd, encoding: 'utf8' });
    assert.equal(check.stdout.trim().split('\n').length, 2, `git ignores the key files: ${check.stdout}${check.stderr}`);
  }
  assert.match(init.stdout, /^ {2}sh fleetsim-aws\/aws-setup\.sh$/m);
  // the checkout is not here, so the commands name its launcher
  const run = new RegExp(`^ {2}(node \\S+) run fleetsim-aws/scenario\\.yaml --dry-run`, 'm').exec(init.stdout);
  assert.ok(run, init.stdout);
  assert.equal(run[1], `node ${CLI}`);
  assert.match(init.stdout, /^ {2}node \S+ cleanup reports\/<run-id>/m);
  // the printed command, as printed, from where init ran (--plan: read the scenario, send nothing)
  const plan = spawnSync(process.execPath, [CLI, 'run', 'fleetsim-aws/scenario.yaml', '--plan'], { cwd, encoding: 'utf8', env: { ...process.env, FLEETSIM_IOT_ENDPOINT: 'abc-ats.iot.eu-west-1.amazonaws.com' } });
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, /target aws/);
});
