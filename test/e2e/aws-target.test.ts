/**
 * `target: aws` through the CLI: ALPN and SNI as the emulator saw them, the --confirm guard,
 * scenarios/aws-example.yaml validation, and `fleetsim init aws` whose starter runs against the
 * emulator (one --dry-run device) by changing only the target block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { awsScenario, startAwsLikeEmulator } from '../helpers/aws-target.js';
import type { EmulatorStats } from '../../src/protocol/emulator-stats.js';
import { REPO_ROOT } from '../helpers/emulator.js';

function totals(stats: EmulatorStats): Record<string, number> {
  return { ...stats.totals };
}
const delta = (after: Record<string, number>, before: Record<string, number>, key: string): number => (after[key] ?? 0) - (before[key] ?? 0);

test('the emulator records the ALPN and SNI an aws target offers', { timeout: 90_000 }, async (t) => {
  const ws = makeWorkspace();
  const aws = await startAwsLikeEmulator(ws);
  t.after(() => aws.emu.close());
  const reports = path.join(ws, 'reports');

  // 443 mode: ALPN x-amzn-mqtt-ca (on the emulator's port), SNI = the endpoint name
  writeFileSync(path.join(ws, 'scenarios', 'alpn.yaml'), awsScenario(aws, 3, { endpoint: 'localhost', targetExtra: '  alpn: x-amzn-mqtt-ca' }));
  let before = totals(aws.emu.stats());
  const alpnRun = await runCli(['run', path.join(ws, 'scenarios', 'alpn.yaml'), '--out', reports, '-q']);
  assert.equal(alpnRun.code, 0, alpnRun.stderr + alpnRun.stdout);
  let after = totals(aws.emu.stats());
  const connects = delta(after, before, 'connect_attempts');
  assert.equal(connects, 6, 'claim connect + verify connect per device');
  assert.equal(delta(after, before, 'tls_alpn{protocol=x-amzn-mqtt-ca}'), connects);
  assert.equal(delta(after, before, 'tls_sni{name=localhost}'), connects);
  assert.match(alpnRun.stdout, /target aws localhost:\d+ ALPN x-amzn-mqtt-ca/);

  // 8883 mode: no ALPN; an IP endpoint with an explicit servername override still sends SNI
  writeFileSync(path.join(ws, 'scenarios', 'sni.yaml'), awsScenario(aws, 2, { targetExtra: '  servername: localhost' }));
  before = totals(aws.emu.stats());
  const sniRun = await runCli(['run', path.join(ws, 'scenarios', 'sni.yaml'), '--out', reports, '-q']);
  assert.equal(sniRun.code, 0, sniRun.stderr + sniRun.stdout);
  after = totals(aws.emu.stats());
  assert.equal(delta(after, before, 'connect_attempts'), 4);
  assert.equal(delta(after, before, 'tls_alpn{protocol=none}'), 4);
  assert.equal(delta(after, before, 'tls_alpn{protocol=x-amzn-mqtt-ca}'), 0);
  assert.equal(delta(after, before, 'tls_sni{name=localhost}'), 4);
});

test('more than 100 devices against AWS without --confirm exits 2, says why and what it would create', async () => {
  const ws = makeWorkspace({
    'scenarios/big.yaml': `target:
  type: aws
  endpoint: abc123example-ats.iot.eu-west-1.amazonaws.com
  claimCertFile: claim.cert.pem
  claimKeyFile: claim.private.key
fleet:
  devices: 101
  templateName: my-template
load:
  model: closed
  concurrency: 10
`,
  });
  const r = await runCli(['run', path.join(ws, 'scenarios', 'big.yaml'), '--out', path.join(ws, 'reports')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /target\.confirm: more than 100 devices against AWS needs --confirm \(or target\.confirm: true\)/);
  assert.match(r.stderr, /up to 101 things and 101 certificates/);
  assert.match(r.stderr, /eu-west-1/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.equal(existsSync(path.join(ws, 'reports')), false, 'nothing was started');
});

test('scenarios/aws-example.yaml validates with its environment set, and names each missing variable otherwise', async () => {
  const ws = makeWorkspace();
  // real PEM files for the claim certificate and key (the emulator's; it need not keep running)
  const aws = await startAwsLikeEmulator(ws);
  await aws.emu.close();
  const env = {
    FLEETSIM_IOT_ENDPOINT: 'abc123example-ats.iot.eu-west-1.amazonaws.com',
    FLEETSIM_CLAIM_CERT: path.join(ws, 'scenarios', aws.files.cert),
    FLEETSIM_CLAIM_KEY: path.join(ws, 'scenarios', aws.files.key),
    FLEETSIM_TEMPLATE: 'my-template',
  };
  const example = path.join(REPO_ROOT, 'scenarios', 'aws-example.yaml');
  const ok = await runCli(['validate', example], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /500 devices, template my-template, target aws/);

  const clean = Object.fromEntries(Object.keys(env).map((k) => [k, undefined])) as NodeJS.ProcessEnv;
  const missing = await runCli(['validate', example], { env: clean });
  assert.equal(missing.code, 2);
  for (const name of Object.keys(env)) assert.match(missing.stderr, new RegExp(`environment variable ${name} is not set`));

  const wrongKey = await runCli(['validate', example], { env: { ...env, FLEETSIM_CLAIM_KEY: path.join(ws, 'scenarios', aws.files.cert) } });
  assert.equal(wrongKey.code, 2);
  assert.match(wrongKey.stderr, /target\.claimKeyFile: .*claim\.cert\.pem holds no PEM private key/);
});

test('init aws writes a starter whose scenario runs against the emulator by changing only the target', { timeout: 60_000 }, async () => {
  const ws = makeWorkspace();
  const dir = path.join(ws, 'aws');
  const init = await runCli(['init', 'aws', '--dir', dir, '--template-name', 'my-fleet']);
  assert.equal(init.code, 0, init.stderr);
  for (const f of ['scenario.yaml', 'templates/my-fleet.json', 'claim-policy.json', 'device-policy.json', 'provisioning-role-trust.json', 'app-role-policy.json', 'aws-setup.sh']) {
    assert.ok(existsSync(path.join(dir, f)), f);
  }
  for (const cmd of [
    /aws iot describe-endpoint --endpoint-type iot:Data-ATS/,
    /aws iot create-provisioning-template --template-name my-fleet --enabled/,
    /--provisioning-role-arn "arn:aws:iam::\$ACCOUNT_ID:role\/fleetsim-provisioning-role"/,
    /aws iot create-keys-and-certificate --set-as-active/,
    /aws iot create-policy --policy-name fleetsim-claim-policy/,
    /aws iot attach-policy --policy-name fleetsim-claim-policy/,
  ]) {
    assert.match(init.stdout, cmd);
  }
  assert.match(init.stdout, /flow\.claim: trusted-user[^\n]*\n[^\n]*app-role-policy\.json \(iot:CreateProvisioningClaim on the template\)/);
  const claimPolicy = readFileSync(path.join(dir, 'claim-policy.json'), 'utf8');
  assert.match(claimPolicy, /topic\/\$aws\/provisioning-templates\/my-fleet\/provision\/\*/);
  const again = await runCli(['init', 'aws', '--dir', dir]);
  assert.equal(again.code, 2, 'existing files are not overwritten without --force');

  const scenario = readFileSync(path.join(dir, 'scenario.yaml'), 'utf8');
  const emulatorVersion = scenario.replace(/target:\n {2}type: aws\n(?: {2}.*\n)+/, 'target:\n  type: emulator\n');
  assert.notEqual(emulatorVersion, scenario);
  writeFileSync(path.join(dir, 'emulator.yaml'), emulatorVersion);
  const dry = await runCli(['run', path.join(dir, 'emulator.yaml'), '--dry-run', '--out', path.join(ws, 'reports')]);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  for (const step of ['connect', 'subscribe', 'create_certificate', 'register_thing', 'verify_connect', 'verify_publish']) {
    assert.match(dry.stdout, new RegExp(`^  ${step}\\s+\\d+ ms  ok`, 'm'), step);
  }
  assert.match(dry.stdout, /provisioned in .*thing fleetsim-/);
  const runDir = path.join(ws, 'reports', readdirSync(path.join(ws, 'reports'))[0] as string);
  const record = JSON.parse(readFileSync(path.join(runDir, 'dry-run.json'), 'utf8'));
  assert.equal(record.created.things.length, 1);
  assert.equal(record.steps.length, 7);

  // the same starter by trusted user (the one line its comment names): the app step comes first
  const trusted = emulatorVersion.replace(/^  claim: shared /m, '  claim: trusted-user ');
  assert.notEqual(trusted, emulatorVersion);
  writeFileSync(path.join(dir, 'trusted.yaml'), trusted);
  const dryTrusted = await runCli(['run', path.join(dir, 'trusted.yaml'), '--dry-run', '--out', path.join(ws, 'reports-trusted')]);
  assert.equal(dryTrusted.code, 0, dryTrusted.stderr + dryTrusted.stdout);
  assert.match(dryTrusted.stdout, /^  create_provisioning_claim\s+\d+ ms  ok/m);
  assert.match(dryTrusted.stdout, /^  register_thing\s+\d+ ms  ok/m);
});
