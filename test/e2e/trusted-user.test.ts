/**
 * Provisioning by trusted user through the CLI: the library scenarios (shortened) against the
 * embedded emulator, the control-plane quota, claims that expire during the hand-off, and what a
 * `target: aws` scenario needs (checked without any call to AWS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runLibraryScenario } from '../helpers/library.js';
import { fleetYaml, makeWorkspace, runCli } from '../helpers/cli.js';
import { startAwsLikeEmulator } from '../helpers/aws-target.js';
import { REPO_ROOT } from '../helpers/emulator.js';

const EXPIRED = 'connect: temporary claim expired before use';

test('trusted-user: every device provisions through CreateProvisioningClaim; console, report.json and HTML list it', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('trusted-user', (d) => {
    d.fleet.devices = 12;
    d.load.stages = [{ rate: 12, duration: '1s' }];
    d.load.startTolerance = '10s';
    // no timed threshold in a test (the machine may be busy)
    d.thresholds = ['ratio(provisioned) == 1'];
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.report.outcomes.provisioned, 12);
  assert.equal(r.report.steps.create_provisioning_claim?.count, 12);
  const api = r.report.analysis.apis.CreateProvisioningClaim;
  assert.ok(api !== undefined, 'CreateProvisioningClaim in the per-API analysis');
  assert.equal(api.offered, 12);
  assert.equal(api.accepted, 12);
  assert.equal(api.throttled, 0);
  // every device connected once, with its own temporary claim
  assert.equal(r.report.analysis.apis.Connect?.offered, 12);
  assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/, 'the SDK notice is not printed');
  const html = readFileSync(path.join(r.runDir, 'report.html'), 'utf8');
  assert.match(html, /CreateProvisioningClaim/);
  assert.match(html, /create_provisioning_claim/);
  assert.doesNotMatch(readFileSync(path.join(r.runDir, 'events.jsonl'), 'utf8'), /PRIVATE KEY/, 'temporary claim keys are never recorded');
});

test('trusted-user: --plan shows the app step; --dry-run runs it', { timeout: 60_000 }, async () => {
  const ws = makeWorkspace();
  writeFileSync(path.join(ws, 'scenarios', 'trusted-user.yaml'), readFileSync(path.join(REPO_ROOT, 'scenarios', 'trusted-user.yaml'), 'utf8'));
  const plan = await runCli(['run', 'scenarios/trusted-user.yaml', '--plan'], { cwd: ws });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /flow: app CreateProvisioningClaim \(step create_provisioning_claim\) → hand-off uniform 100 ms–500 ms → connect \(temporary claim\) → CreateKeysAndCertificate/);
  assert.match(plan.stdout, /temporary claims are valid 5 min 0 s \(AWS, documented\)/);
  const dry = await runCli(['run', 'scenarios/trusted-user.yaml', '--dry-run', '--out', 'out'], { cwd: ws });
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /control plane https:\/\/127\.0\.0\.1:\d+/, 'the apps reach the control plane over HTTPS');
  assert.match(dry.stdout, /create_provisioning_claim +\d+ ms +ok/);
  assert.match(dry.stdout, /provisioned in /);
});

test('trusted-user-throttle: the CreateProvisioningClaim quota throttles (ThrottlingException, 400) and the apps retry', { timeout: 90_000 }, async () => {
  const r = await runLibraryScenario('trusted-user-throttle', (d) => {
    d.fleet.devices = 12;
    d.load.stages = [{ rate: 12, duration: '1s' }];
    d.load.startTolerance = '10s';
    d.emulator.quotas.CreateProvisioningClaim = { rate: 4, burst: 2 };
    d.retry.baseDelay = '200ms';
    d.retry.maxDelay = '1s';
    d.retry.maxAttempts = 50;
    // too few throttled seconds in so short a run for a steady accepted rate
    delete d.expectations;
    // no timed threshold in a test (the machine may be busy)
    d.thresholds = d.thresholds.filter((t: string) => !t.startsWith('p99'));
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.report.outcomes.provisioned, 12);
  // the scenario's thresholds on the new API and step were evaluated and passed
  assert.deepEqual(r.report.thresholds.map((t) => [t.expression, t.ok]), [
    ['ratio(provisioned) == 1', true],
    ['count(rejected{api=CreateProvisioningClaim}) > 0', true],
  ]);
  const api = r.report.analysis.apis.CreateProvisioningClaim;
  assert.ok(api !== undefined);
  assert.ok(api.throttled > 0, `throttled ${api.throttled}`);
  assert.equal(api.accepted, 12);
  assert.equal(api.offered, api.accepted + api.throttled, 'offered = accepted + throttled');
  assert.equal(api.rejected['400 ThrottlingException'], api.throttled, JSON.stringify(api.rejected));
  // the emulator counted the same throttles as the devices saw
  assert.match(r.stdout, /CreateProvisioningClaim +\d+ +12 +[1-9]\d*/);
});

test('trusted-user-expiry: a hand-off longer than the claim validity fails those devices, and the verdict says why', { timeout: 60_000 }, async () => {
  const r = await runLibraryScenario('trusted-user-expiry', (d) => {
    d.fleet.devices = 4;
    d.flow.handoffDelay = '2500ms';
    d.emulator.claimValidity = '1s';
    d.load.stages = [{ rate: 4, duration: '1s' }];
  });
  assert.equal(r.report.outcomes.provisioned, 0, r.stdout);
  assert.deepEqual(r.report.outcomes.failed, { [EXPIRED]: 4 });
  // the call itself succeeded: the claim expired afterwards
  assert.equal(r.report.analysis.apis.CreateProvisioningClaim?.accepted, 4);
  assert.ok(r.report.analysis.verdict.includes(`4 failed (${EXPIRED})`), r.report.analysis.verdict);
  assert.match(r.stdout, /failed +4 +connect: temporary claim expired before use/);
});

test('target aws with flow.claim trusted-user: no claim files; region and AWS credentials are required', { timeout: 90_000 }, async (t) => {
  const ws = makeWorkspace();
  const a = await startAwsLikeEmulator(ws);
  t.after(() => a.emu.close());
  const scenario = (targetLines: string, flowExtra = '  claim: trusted-user\n') =>
    `target:\n  type: aws\n  endpoint: 127.0.0.1\n  port: ${a.emu.port}\n  caFile: ${a.files.ca}\n${targetLines}${fleetYaml(3).replace('flow:\n', `flow:\n${flowExtra}`)}load:\n  model: closed\n  concurrency: 3\n`;

  // the app calls the control plane of the stand-in account: the devices provision without any claim file
  writeFileSync(path.join(ws, 'scenarios', 'ok.yaml'), scenario(`  region: eu-west-1\n  controlPlaneEndpoint: ${a.controlPlaneUrl}\n`));
  const ok = await runCli(['run', 'scenarios/ok.yaml', '--out', 'out', '--quiet', '--workers', '1'], { cwd: ws });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /3 provisioned/);
  assert.equal(a.emu.stats().summary.apis.CreateProvisioningClaim?.accepted, 3);

  // a non-ATS endpoint and no region: exit 2 naming target.region
  writeFileSync(path.join(ws, 'scenarios', 'noregion.yaml'), scenario(''));
  const noRegion = await runCli(['validate', 'scenarios/noregion.yaml'], { cwd: ws });
  assert.equal(noRegion.code, 2, noRegion.stdout);
  assert.match(noRegion.stderr, /target\.region: flow\.claim trusted-user calls CreateProvisioningClaim in a region/);

  // provisioning by claim still needs the claim files; a hand-off needs the trusted-user flow
  writeFileSync(path.join(ws, 'scenarios', 'shared.yaml'), scenario('  region: eu-west-1\n', '  handoffDelay: 1s\n'));
  const shared = await runCli(['validate', 'scenarios/shared.yaml'], { cwd: ws });
  assert.equal(shared.code, 2);
  assert.match(shared.stderr, /target\.claimCertFile: must name the claim certificate file/);
  assert.match(shared.stderr, /target\.claimKeyFile: must name the claim private key file/);
  assert.match(shared.stderr, /flow\.handoffDelay: only applies with flow\.claim: trusted-user/);

  // against AWS's own control plane the app signs with the SDK's default chain: none found is bad input,
  // said before any device starts (no AWS call: the chain is resolved locally)
  writeFileSync(path.join(ws, 'scenarios', 'aws.yaml'), scenario('  region: eu-west-1\n'));
  const noCreds = await runCli(['run', 'scenarios/aws.yaml', '--dry-run', '--out', 'out'], {
    cwd: ws,
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: 'fleetsim-test-no-such-profile',
      AWS_CONFIG_FILE: path.join(ws, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(ws, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
    },
  });
  assert.equal(noCreds.code, 2, noCreds.stdout + noCreds.stderr);
  assert.match(noCreds.stderr, /no AWS credentials for the app's CreateProvisioningClaim/);
  assert.match(noCreds.stderr, /iot:CreateProvisioningClaim on arn:aws:iot:eu-west-1:<account>:provisioningtemplate\/fleet-prov-test-template/);
  assert.doesNotMatch(noCreds.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(a.emu.stats().summary.apis.CreateProvisioningClaim?.accepted, 3, 'no device started');
});
