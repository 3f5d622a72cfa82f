/**
 * CreateProvisioningClaim (provisioning by trusted user) on the emulator's control plane, through
 * the real AWS SDK v3 IoT client: the temporary claim provisions a device, expires, is scoped to its
 * template; AWS's errors and the quota.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import {
  CreateProvisioningClaimCommand,
  DescribeCertificateCommand,
  InvalidRequestException,
  ListAttachedPoliciesCommand,
  ResourceNotFoundException,
  ThrottlingException,
  type CreateProvisioningClaimCommandOutput,
} from '@aws-sdk/client-iot';
import { rejection, sdkClient } from '../../../helpers/control-plane.js';
import { exampleTemplateBody, runTestDevice, startTestEmulator, TEMPLATE_NAME } from '../../../helpers/emulator.js';
import type { Emulator } from '../../../../src/emulator/emulator.js';
import type { DeviceTarget } from '../../../../src/device/types.js';
import { CLAIM_VALIDITY_MS } from '../../../../src/protocol/trusted-user.js';
import { MetricsRecorder } from '../../../../src/metrics/recorder.js';

/** A device target whose claim is the temporary claim certificate and key. */
function claimTarget(emu: Emulator, claim: CreateProvisioningClaimCommandOutput): DeviceTarget {
  return {
    host: emu.host,
    port: emu.port,
    servername: 'localhost',
    ca: emu.caPem,
    claimSecureContext: createSecureContext({ cert: claim.certificatePem as string, key: claim.keyPair?.PrivateKey as string, ca: emu.caPem }),
  };
}

test('CreateProvisioningClaim returns a temporary claim of AWS\'s shape that provisions a device', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 } });
  t.after(() => emu.close());
  const iot = sdkClient(emu.controlPlaneUrl as string, 'app');
  t.after(() => iot.destroy());

  const before = Date.now();
  const claim = await iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME }));
  assert.match(claim.certificateId ?? '', /^[0-9a-f]{64}$/);
  assert.ok(claim.expiration instanceof Date, 'the SDK parses expiration as a timestamp');
  const validFor = (claim.expiration as Date).getTime() - before;
  assert.ok(validFor > CLAIM_VALIDITY_MS.value - 5000 && validFor <= CLAIM_VALIDITY_MS.value + 1000, `valid for ${validFor} ms`);
  const cert = new X509Certificate(claim.certificatePem as string);
  assert.ok(cert.verify(createPublicKey(emu.caPem)), 'issued by the emulator CA');
  assert.ok(Math.abs(Date.parse(cert.validTo) - (claim.expiration as Date).getTime()) < 2000, 'the certificate ends when the claim expires');
  const key = createPrivateKey(claim.keyPair?.PrivateKey as string);
  assert.ok(cert.checkPrivateKey(key));
  assert.equal(createPublicKey(claim.keyPair?.PublicKey as string).export({ format: 'pem', type: 'spki' }), cert.publicKey.export({ format: 'pem', type: 'spki' }));

  // registered, ACTIVE, with a claim policy for this template
  const described = await iot.send(new DescribeCertificateCommand({ certificateId: claim.certificateId }));
  assert.equal(described.certificateDescription?.status, 'ACTIVE');
  const policies = await iot.send(new ListAttachedPoliciesCommand({ target: described.certificateDescription?.certificateArn }));
  assert.deepEqual(policies.policies?.map((p) => p.policyName), [`fleetsim-trusted-user-claim-${TEMPLATE_NAME}`]);

  const result = await runTestDevice(emu, 0, { target: claimTarget(emu, claim) });
  assert.equal(result.outcome.kind, 'provisioned', JSON.stringify(result.outcome));
  assert.equal(emu.stats().controlPlane?.requests.CreateProvisioningClaim, 1);
});

test('an expired temporary claim cannot connect, and an open claim connection is closed at its next publish', { timeout: 60_000 }, async (t) => {
  let clock = Date.now();
  // when set: the clock jumps past every claim's expiry once one more connect has been accepted
  let expireAfterConnects: number | undefined;
  let emuRef: Emulator | undefined;
  const now = () => {
    const accepted = emuRef?.stats().totals.connects_accepted ?? 0;
    return expireAfterConnects !== undefined && accepted > expireAfterConnects ? clock + 2 * CLAIM_VALIDITY_MS.value : clock;
  };
  const emu = await startTestEmulator({ controlPlane: { port: 0 }, now });
  emuRef = emu;
  t.after(() => emu.close());
  const iot = sdkClient(emu.controlPlaneUrl as string, 'app');
  t.after(() => iot.destroy());

  const claim = await iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME }));
  clock += CLAIM_VALIDITY_MS.value + 1;
  const late = await runTestDevice(emu, 1, { target: claimTarget(emu, claim) });
  assert.equal(late.outcome.kind, 'failed');
  assert.match((late.outcome as { reason: string }).reason, /^connect: refused \(0x05 Not authorized\)/);
  assert.equal(emu.stats().totals['connects_refused{reason=claim-expired}'], 1);

  // a claim that expires between connect and its first request: that request's PUBLISH closes the connection
  const second = await iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME }));
  expireAfterConnects = emu.stats().totals.connects_accepted ?? 0;
  const r = await runTestDevice(emu, 2, { target: claimTarget(emu, second) });
  assert.equal(r.outcome.kind, 'failed');
  assert.match((r.outcome as { reason: string }).reason, /^create_certificate: /);
  assert.equal(emu.stats().totals['publishes_denied{reason=claim-expired}'], 1);
});

test('a temporary claim for template A cannot use template B\'s topics', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({
    controlPlane: { port: 0 },
    templates: [
      { name: 'template-A', body: exampleTemplateBody(), enabled: true },
      { name: 'template-B', body: exampleTemplateBody(), enabled: true },
    ],
  });
  t.after(() => emu.close());
  const iot = sdkClient(emu.controlPlaneUrl as string, 'app');
  t.after(() => iot.destroy());

  const claimA = await iot.send(new CreateProvisioningClaimCommand({ templateName: 'template-A' }));
  const forB = await runTestDevice(emu, 3, { target: claimTarget(emu, claimA), templateName: 'template-B' });
  assert.equal(forB.outcome.kind, 'failed');
  assert.match((forB.outcome as { reason: string }).reason, /^subscribe: /);
  assert.ok((emu.stats().totals.subscribes_denied ?? 0) >= 1);
  // the same claim provisions through its own template
  const claimA2 = await iot.send(new CreateProvisioningClaimCommand({ templateName: 'template-A' }));
  const forA = await runTestDevice(emu, 4, { target: claimTarget(emu, claimA2), templateName: 'template-A' });
  assert.equal(forA.outcome.kind, 'provisioned', JSON.stringify(forA.outcome));
});

test('CreateProvisioningClaim answers AWS\'s errors: unknown template 404, bad name 400, disabled template 400', { timeout: 30_000 }, async (t) => {
  const emu = await startTestEmulator({
    controlPlane: { port: 0 },
    templates: [
      { name: TEMPLATE_NAME, body: exampleTemplateBody(), enabled: true },
      { name: 'off', body: exampleTemplateBody(), enabled: false },
    ],
  });
  t.after(() => emu.close());
  const iot = sdkClient(emu.controlPlaneUrl as string, 'app');
  t.after(() => iot.destroy());

  const unknown = await rejection(iot.send(new CreateProvisioningClaimCommand({ templateName: 'no-such-template' })));
  assert.ok(unknown instanceof ResourceNotFoundException, unknown.name);
  assert.equal(unknown.$metadata.httpStatusCode, 404);
  const bad = await rejection(iot.send(new CreateProvisioningClaimCommand({ templateName: 'bad.name' })));
  assert.ok(bad instanceof InvalidRequestException, bad.name);
  assert.equal(bad.$metadata.httpStatusCode, 400);
  const long = await rejection(iot.send(new CreateProvisioningClaimCommand({ templateName: 'x'.repeat(37) })));
  assert.ok(long instanceof InvalidRequestException, long.name);
  const disabled = await rejection(iot.send(new CreateProvisioningClaimCommand({ templateName: 'off' })));
  assert.ok(disabled instanceof InvalidRequestException, disabled.name);
  assert.match(disabled.message, /disabled/);
});

test('the CreateProvisioningClaim quota answers ThrottlingException', { timeout: 30_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 }, quotas: { CreateProvisioningClaim: { rate: 0.001, burst: 2 } } });
  t.after(() => emu.close());
  const iot = sdkClient(emu.controlPlaneUrl as string, 'app');
  t.after(() => iot.destroy());

  await iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME }));
  await iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME }));
  const third = await rejection(iot.send(new CreateProvisioningClaimCommand({ templateName: TEMPLATE_NAME })));
  assert.ok(third instanceof ThrottlingException, third.name);
  assert.equal(third.$metadata.httpStatusCode, 400, 'ThrottlingException is HTTP 400 in AWS\'s API reference');
  const s = emu.stats();
  assert.equal(s.totals['throttled{api=CreateProvisioningClaim}'], 1);
  assert.equal(s.summary.apis.CreateProvisioningClaim?.accepted, 2);
  assert.equal(s.quotas.CreateProvisioningClaim === 'unlimited' ? 0 : s.quotas.CreateProvisioningClaim.burst, 2);
});

test('flow.claim trusted-user: the device calls CreateProvisioningClaim, counts it, and a hand-off past the validity fails as claim expired', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 }, claimValidityMs: 1500 });
  t.after(() => emu.close());
  const target = { ...claimTarget(emu, { certificatePem: emu.claim.certificatePem, keyPair: { PrivateKey: emu.claim.privateKeyPem } } as CreateProvisioningClaimCommandOutput), controlPlane: { endpoint: emu.controlPlaneUrl as string, region: 'us-east-1', credentials: { accessKeyId: 'app', secretAccessKey: 'app' } } };
  const metrics = new MetricsRecorder(Date.now());
  const ok = await runTestDevice(emu, 5, { target, metrics, flow: { claim: 'trusted-user' } });
  assert.equal(ok.outcome.kind, 'provisioned', JSON.stringify(ok.outcome));
  const late = await runTestDevice(emu, 6, { target, metrics, flow: { claim: 'trusted-user', handoffDelay: 2500 } });
  assert.equal(late.outcome.kind, 'failed');
  assert.equal((late.outcome as { reason: string }).reason, 'connect: temporary claim expired before use');
  const snap = metrics.drain();
  const sum = (key: string) => Object.values(snap.series).reduce((n, sec) => n + (sec[key] ?? 0), 0);
  assert.equal(sum('offered{api=CreateProvisioningClaim}'), 2);
  assert.equal(sum('accepted{api=CreateProvisioningClaim}'), 2);
  assert.ok(snap.histograms.create_provisioning_claim !== undefined);
});
