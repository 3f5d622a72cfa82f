/** target: aws rules: ALPN/SNI defaults, claim-file checks, the confirmation guard, init's template. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alpnFor, loadAwsTargetInfo, regionOfEndpoint, servernameFor, type AwsTargetConfig } from '../../../src/target/aws.js';
import { checkAwsConfirmation } from '../../../src/aws/safety.js';
import { buildInitFiles } from '../../../src/aws/init-files.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { parseTemplateBody } from '../../../src/emulator/templates/index.js';
import { CertificateAuthority, generateKeyPairSyncFor } from '../../../src/emulator/pki/index.js';
import { InputError } from '../../../src/util/errors.js';

const ENDPOINT = 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com';

function scenarioWith(target: Record<string, unknown>, devices = 10, baseDir = os.tmpdir()) {
  return parseScenario(
    { target: { type: 'aws', claimCertFile: 'c.pem', claimKeyFile: 'k.pem', ...target }, fleet: { devices, templateName: 'tpl' }, load: { model: 'closed', concurrency: 1 } },
    { file: 'test.yaml', baseDir },
  );
}
const awsTarget = (s: ReturnType<typeof scenarioWith>): AwsTargetConfig => s.target as AwsTargetConfig;

test('port 443 offers ALPN x-amzn-mqtt-ca, 8883 none; SNI is the endpoint unless overridden, never an IP', () => {
  assert.deepEqual(alpnFor(awsTarget(scenarioWith({ endpoint: ENDPOINT, port: 443 }))), ['x-amzn-mqtt-ca']);
  assert.equal(alpnFor(awsTarget(scenarioWith({ endpoint: ENDPOINT }))), undefined);
  assert.equal(alpnFor(awsTarget(scenarioWith({ endpoint: ENDPOINT, port: 443, alpn: 'none' }))), undefined);
  assert.equal(servernameFor(awsTarget(scenarioWith({ endpoint: ENDPOINT }))), ENDPOINT);
  assert.equal(servernameFor(awsTarget(scenarioWith({ endpoint: '127.0.0.1', port: 9000 }))), undefined);
  assert.equal(servernameFor(awsTarget(scenarioWith({ endpoint: '127.0.0.1', port: 9000, servername: 'localhost' }))), 'localhost');
  assert.equal(regionOfEndpoint(ENDPOINT), 'eu-west-1');
  assert.equal(regionOfEndpoint('localhost'), undefined);
});

test('AWS endpoints must be ATS, on 8883 or 443, in the region they name', () => {
  const issues = (target: Record<string, unknown>): string[] => {
    try {
      scenarioWith(target);
      return [];
    } catch (err) {
      return (err as InputError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  assert.deepEqual(issues({ endpoint: ENDPOINT, port: 443, region: 'eu-west-1' }), []);
  assert.match(issues({ endpoint: 'a1b2c3.iot.eu-west-1.amazonaws.com' }).join(), /target\.endpoint: must be the ATS endpoint/);
  assert.match(issues({ endpoint: ENDPOINT, port: 1883 }).join(), /target\.port: must be 8883, or 443/);
  assert.match(issues({ endpoint: ENDPOINT, region: 'us-east-1' }).join(), /target\.region: must match the endpoint's region \(eu-west-1\)/);
  assert.match(issues({ endpoint: 'mqtts://host:8883' }).join(), /target\.endpoint: must be a host name/);
  assert.deepEqual(issues({ endpoint: 'localhost', port: 18883 }), [], 'any port for a local stand-in');
});

test('more than 100 devices need a confirmation; 100, --confirm or target.confirm pass', () => {
  assert.throws(() => checkAwsConfirmation(scenarioWith({ endpoint: ENDPOINT }, 101), { confirm: false }), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.describe(), /up to 101 things and 101 certificates/);
    return true;
  });
  checkAwsConfirmation(scenarioWith({ endpoint: ENDPOINT }, 100), { confirm: false });
  checkAwsConfirmation(scenarioWith({ endpoint: ENDPOINT }, 5000), { confirm: true });
  checkAwsConfirmation(scenarioWith({ endpoint: ENDPOINT, confirm: true }, 5000), { confirm: false });
  checkAwsConfirmation(scenarioWith({ endpoint: ENDPOINT }, 5000), { confirm: false, dryRun: true });
});

test('claim files: every problem at once, naming the path; a key that is not the certificate\'s is refused', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-aws-'));
  const ca = CertificateAuthority.create({ subject: { CN: 'test CA' }, keyAlgorithm: 'ec-p256' });
  const keys = generateKeyPairSyncFor('ec-p256');
  const other = generateKeyPairSyncFor('ec-p256');
  const cert = ca.issue({ publicKey: keys.publicKey, subject: { CN: 'claim' }, usage: 'client' });
  writeFileSync(path.join(dir, 'claim.pem'), cert.certificatePem);
  writeFileSync(path.join(dir, 'claim.key'), keys.privateKeyPem);
  writeFileSync(path.join(dir, 'other.key'), other.privateKeyPem);
  writeFileSync(path.join(dir, 'ca.pem'), ca.certificatePem);
  writeFileSync(path.join(dir, 'junk.txt'), 'not a certificate');
  const load = (target: Record<string, unknown>) => loadAwsTargetInfo({ scenario: scenarioWith({ endpoint: ENDPOINT, port: 443, ...target }, 1, dir), file: path.join(dir, 'test.yaml'), baseDir: dir });

  const info = load({ claimCertFile: 'claim.pem', claimKeyFile: 'claim.key', caFile: 'ca.pem' });
  assert.equal(info.host, ENDPOINT);
  assert.equal(info.servername, ENDPOINT);
  assert.deepEqual(info.alpn, ['x-amzn-mqtt-ca']);
  assert.equal(info.caPem, ca.certificatePem);
  assert.equal(load({ claimCertFile: 'claim.pem', claimKeyFile: 'claim.key' }).caPem, undefined, 'no caFile: the system store');

  assert.throws(
    () => load({ claimCertFile: 'missing.pem', claimKeyFile: 'junk.txt', caFile: 'junk.txt' }),
    (err: unknown) => {
      const text = (err as InputError).describe();
      assert.match(text, /target\.claimCertFile: cannot read .*missing\.pem: file not found/);
      assert.match(text, /target\.claimKeyFile: .*junk\.txt holds no PEM private key/);
      assert.match(text, /target\.caFile: .*junk\.txt holds no PEM certificate/);
      assert.doesNotMatch(text, /-----BEGIN|not a certificate/, 'file contents never appear in messages');
      return true;
    },
  );
  assert.throws(() => load({ claimCertFile: 'claim.pem', claimKeyFile: 'other.key' }), (err: unknown) => /target\.claimKeyFile: the key in .*other\.key does not belong to the claim certificate/.test((err as InputError).describe()));
});

test("init's template and policies are valid: the emulator's template parser accepts the template", () => {
  const files = buildInitFiles({ templateName: 'my-fleet', region: 'eu-west-1', accountId: '123456789012' });
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  const body = parseTemplateBody(JSON.parse(byPath.get('templates/my-fleet.json') as string));
  assert.ok(body);
  const claim = JSON.parse(byPath.get('claim-policy.json') as string);
  assert.equal(claim.Statement[0].Resource, 'arn:aws:iot:eu-west-1:123456789012:client/fleetsim-*');
  assert.match(byPath.get('scenario.yaml') as string, /endpoint: \$\{FLEETSIM_IOT_ENDPOINT\}/);
  // flow.claim trusted-user: the app role may create claims for this template and nothing else
  const app = JSON.parse(byPath.get('app-role-policy.json') as string);
  assert.deepEqual(app.Statement, [{ Effect: 'Allow', Action: 'iot:CreateProvisioningClaim', Resource: 'arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/my-fleet' }]);
  assert.match(byPath.get('aws-setup.sh') as string, /# aws iam create-policy --policy-name fleetsim-app-policy --policy-document file:\/\/app-role-policy\.json/);
});
