/**
 * A `target: aws` run against an emulator that plays the AWS account (it lives in the test
 * process, so it outlives the CLI), then `fleetsim cleanup` through the AWS SDK client and the
 * emulator's control plane. Also: no private key in reports or logs; saved credentials are 0600.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { awsScenario, startAwsLikeEmulator } from '../helpers/aws-target.js';
import type { EmulatorStats } from '../../src/protocol/emulator-stats.js';
import { privateKeyPem } from '../helpers/pem.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function totalRequests(stats: EmulatorStats): number {
  const cp = stats.controlPlane;
  assert.ok(cp !== undefined, 'the emulator runs a control plane');
  return Object.values(cp.requests).reduce((a, b) => a + b, 0);
}

test('a 50-device AWS-target run is cleaned up completely through the control plane; a second cleanup is a no-op', { timeout: 120_000 }, async (t) => {
  const ws = makeWorkspace();
  const aws = await startAwsLikeEmulator(ws);
  t.after(() => aws.emu.close());
  const scenario = path.join(ws, 'scenarios', 'aws.yaml');
  writeFileSync(scenario, awsScenario(aws, 50));
  const reports = path.join(ws, 'reports');
  const creds = path.join(ws, 'creds');

  const run = await runCli(['run', scenario, '--out', reports, '--save-credentials', creds, '-q'], { timeoutMs: 90_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const runDir = path.join(reports, readdirSync(reports)[0] as string);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8'));
  assert.equal(report.outcomes.provisioned, 50);
  assert.equal(report.created.things.length, 50);
  assert.equal(report.created.certificates.length, 50);
  assert.equal(report.scenario.target.claimKeyFile, '<redacted>');
  assert.equal(aws.emu.registry.counts().things, 50);

  // no private key anywhere in the run's outputs or logs
  assert.doesNotMatch(run.stdout + run.stderr, /PRIVATE KEY/);
  for (const f of filesUnder(runDir)) assert.doesNotMatch(readFileSync(f, 'utf8'), /PRIVATE KEY/, f);
  // ... but in the opt-in credentials folder, one cert and one key per thing, mode 0600
  const saved = readdirSync(creds).sort();
  assert.equal(saved.length, 100);
  for (const thing of report.created.things as string[]) {
    assert.ok(saved.includes(`${thing}.cert.pem`) && saved.includes(`${thing}.private.key`), thing);
  }
  for (const f of saved) assert.equal(statSync(path.join(creds, f)).mode & 0o777, 0o600, f);
  assert.match(readFileSync(path.join(creds, saved.find((f) => f.endsWith('.private.key')) as string), 'utf8'), privateKeyPem());

  const before = totalRequests(aws.emu.stats());
  const dry = await runCli(['cleanup', runDir, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would delete 50 things and 50 certificates/);
  assert.equal(dry.stdout.split('\n').filter((l) => /^\s+thing\s/.test(l)).length, 50);
  assert.equal(totalRequests(aws.emu.stats()), before, 'a dry run makes no call');

  const clean = await runCli(['cleanup', runDir, '--rate', '500'], { timeoutMs: 60_000 });
  assert.equal(clean.code, 0, clean.stderr + clean.stdout);
  assert.match(clean.stdout, /things 50 deleted.*certificates 50 deleted/);
  const reg = aws.emu.registry;
  for (const thing of report.created.things as string[]) assert.equal(reg.getThing(thing), undefined, thing);
  for (const id of report.created.certificates as string[]) assert.equal(reg.getCertificate(id), undefined, id);
  assert.deepEqual(reg.counts().things, 0);
  assert.equal(reg.counts().certificates, 1, 'only the claim certificate is left');
  assert.ok(reg.counts().policies >= 1, 'the template policy is shared and is not deleted');
  const progress = JSON.parse(readFileSync(path.join(runDir, 'cleanup.json'), 'utf8'));
  assert.equal(progress.status, 'completed');
  assert.equal(progress.done.things.length, 50);

  const calls = totalRequests(aws.emu.stats());
  const again = await runCli(['cleanup', runDir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
  assert.equal(totalRequests(aws.emu.stats()), calls, 'the second cleanup made no call');
});
