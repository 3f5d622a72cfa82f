/** Nothing lost: Ctrl-C leaves a partial report; kill -9 leaves events.jsonl that `fleetsim report` rebuilds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

const SLOW = 'model: open\n  stages:\n    - rate: 5\n      duration: 60s\n  maxInFlight: 50';

function runDirOf(out: string): string {
  const dirs = readdirSync(out);
  assert.equal(dirs.length, 1);
  return path.join(out, dirs[0] as string);
}

/** Wait until the run folder's events.jsonl has at least `n` progress lines. */
async function waitForProgress(out: string, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(out)) {
      const dirs = readdirSync(out);
      const file = dirs[0] === undefined ? '' : path.join(out, dirs[0], 'events.jsonl');
      if (file !== '' && existsSync(file) && (readFileSync(file, 'utf8').match(/"type":"progress"/g)?.length ?? 0) >= n) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no progress in time');
}

test('SIGINT stops the devices, writes a partial report and exits 130', async () => {
  const ws = makeWorkspace({ 'scenarios/slow.yaml': smallScenario(300, SLOW) });
  const out = path.join(ws, 'out');
  let pid = 0;
  const running = runCli(['run', 'scenarios/slow.yaml', '--out', 'out', '--workers', '1'], { cwd: ws, onSpawn: (p) => (pid = p) });
  // a progress line every half second (PROGRESS_INTERVAL_MS): about 2 s into the run
  await waitForProgress(out, 4);
  process.kill(pid, 'SIGINT');
  const r = await running;
  assert.equal(r.code, 130, r.stderr);
  const report = JSON.parse(readFileSync(path.join(runDirOf(out), 'report.json'), 'utf8'));
  assert.equal(report.status, 'interrupted');
  assert.equal(report.outcomes.total, 300);
  assert.ok(report.outcomes.provisioned > 0, 'some devices finished before the signal');
  assert.ok(report.outcomes.dropped.interrupted > 200, JSON.stringify(report.outcomes));
  assert.match(r.stderr, /SIGINT: stopping devices/);
});

test('kill -9 of the main process: `fleetsim report <dir>` rebuilds a report that adds up', async () => {
  const ws = makeWorkspace({ 'scenarios/slow.yaml': smallScenario(300, SLOW) });
  const out = path.join(ws, 'out');
  let pid = 0;
  const running = runCli(['run', 'scenarios/slow.yaml', '--out', 'out', '--workers', '1', '--quiet'], { cwd: ws, onSpawn: (p) => (pid = p) });
  // a progress line every half second (PROGRESS_INTERVAL_MS): about 3 s into the run
  await waitForProgress(out, 6);
  process.kill(pid, 'SIGKILL');
  const killed = await running;
  assert.equal(killed.signal, 'SIGKILL');
  const dir = runDirOf(out);
  assert.equal(existsSync(path.join(dir, 'report.json')), false);
  const r = await runCli(['report', dir, '--quiet'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
  assert.equal(report.status, 'interrupted');
  assert.equal(report.outcomes.total, 300);
  assert.ok(report.outcomes.provisioned >= 5, 'what finished before the kill is kept');
  assert.ok(report.outcomes.dropped.run_killed > 0);
  assert.ok(report.steps.provision.count === report.outcomes.provisioned);
});
