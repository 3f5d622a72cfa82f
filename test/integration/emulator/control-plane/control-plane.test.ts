/**
 * The emulator's control plane, driven by the real AWS SDK v3 IoT client: the registry as AWS's
 * REST API shows it, AWS's exceptions for AWS's rules, and the optional rate limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CertificateStateException,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListPrincipalThingsCommand,
  ListTargetsForPolicyCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { startControlPlane } from '../../../../src/emulator/control-plane/index.js';
import { Registry } from '../../../../src/emulator/registry/index.js';
import { rejection, sdkClient } from '../../../helpers/control-plane.js';
import { runTestDevice, startTestEmulator } from '../../../helpers/emulator.js';

test('the AWS SDK IoT client lists, describes and tears down what provisioning created', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 } });
  t.after(() => emu.close());
  assert.match(emu.controlPlaneUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  const devices = await Promise.all([0, 1, 2].map((i) => runTestDevice(emu, i)));
  for (const d of devices) assert.equal(d.outcome.kind, 'provisioned');
  const iot = sdkClient(emu.controlPlaneUrl as string);
  t.after(() => iot.destroy());

  // ListThings pages with nextToken
  const first = await iot.send(new ListThingsCommand({ maxResults: 2 }));
  assert.equal(first.things?.length, 2);
  assert.ok(first.nextToken);
  const second = await iot.send(new ListThingsCommand({ maxResults: 2, nextToken: first.nextToken }));
  const names = [...(first.things ?? []), ...(second.things ?? [])].map((x) => x.thingName).sort();
  assert.deepEqual(names, devices.map((d) => d.thingName).sort());
  assert.equal(second.nextToken, undefined);
  const filtered = await iot.send(new ListThingsCommand({ attributeName: 'serialNumber', attributeValue: '001' }));
  assert.deepEqual(filtered.things?.map((x) => x.thingName), ['fleet-test-001']);

  const thing = devices[0]?.thingName as string;
  const certId = devices[0]?.certificateId as string;
  const described = await iot.send(new DescribeThingCommand({ thingName: thing }));
  assert.equal(described.thingName, thing);
  assert.equal(described.attributes?.serialNumber, '000');
  assert.match(described.thingArn ?? '', /^arn:aws:iot:[a-z0-9-]+:\d{12}:thing\/fleet-test-000$/);

  const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: thing }));
  assert.equal(principals.principals?.length, 1);
  const certArn = principals.principals?.[0] as string;
  assert.ok(certArn.endsWith(`cert/${certId}`));
  assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: certArn }))).things, [thing]);

  const cert = await iot.send(new DescribeCertificateCommand({ certificateId: certId }));
  assert.equal(cert.certificateDescription?.status, 'ACTIVE');
  assert.match(cert.certificateDescription?.certificatePem ?? '', /BEGIN CERTIFICATE/);
  assert.ok(cert.certificateDescription?.creationDate instanceof Date);
  assert.ok((cert.certificateDescription?.validity?.notAfter?.getTime() ?? 0) > Date.now());

  const certs = await iot.send(new ListCertificatesCommand({ pageSize: 250 }));
  assert.equal(certs.certificates?.length, 4, 'three devices and the claim certificate');

  const policies = await iot.send(new ListAttachedPoliciesCommand({ target: certArn }));
  assert.equal(policies.policies?.length, 1);
  const policyName = policies.policies?.[0]?.policyName as string;
  const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName }));
  assert.equal(targets.targets?.length, 3, 'the template policy is shared by every device');

  // AWS's rules, AWS's exceptions
  const missing = await rejection(iot.send(new DescribeThingCommand({ thingName: 'no-such-thing' })));
  assert.ok(missing instanceof ResourceNotFoundException);
  assert.equal(missing.$metadata.httpStatusCode, 404);
  const attached = await rejection(iot.send(new DeleteThingCommand({ thingName: thing })));
  assert.ok(attached instanceof InvalidRequestException, 'a thing with principals cannot be deleted');
  const active = await rejection(iot.send(new DeleteCertificateCommand({ certificateId: certId })));
  assert.ok(active instanceof CertificateStateException);
  assert.equal(active.$metadata.httpStatusCode, 406);
  const badStatus = await rejection(iot.send(new UpdateCertificateCommand({ certificateId: certId, newStatus: 'PENDING_ACTIVATION' })));
  assert.ok(badStatus instanceof InvalidRequestException);
  await iot.send(new UpdateCertificateCommand({ certificateId: certId, newStatus: 'INACTIVE' }));
  const inUse = await rejection(iot.send(new DeleteCertificateCommand({ certificateId: certId })));
  assert.ok(inUse instanceof DeleteConflictException);
  assert.equal(inUse.$metadata.httpStatusCode, 409);

  // the teardown sequence cleanup uses
  await iot.send(new DetachThingPrincipalCommand({ thingName: thing, principal: certArn }));
  await iot.send(new DeleteThingCommand({ thingName: thing }));
  await iot.send(new DeleteThingCommand({ thingName: thing })); // a missing thing deletes fine, as in AWS
  await iot.send(new DetachPolicyCommand({ policyName, target: certArn }));
  await iot.send(new DeleteCertificateCommand({ certificateId: certId }));
  assert.equal(emu.registry.getThing(thing), undefined);
  assert.equal(emu.registry.getCertificate(certId), undefined);
  assert.ok(emu.registry.getPolicy(policyName), 'DetachPolicy leaves the policy');
  assert.ok((await rejection(iot.send(new ListThingPrincipalsCommand({ thingName: thing })))) instanceof ResourceNotFoundException);

  const unknown = await fetch(`${emu.controlPlaneUrl}/no/such/route`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('x-amzn-errortype'), 'UnknownOperationException');
});

test('over its rate limit the control plane answers ThrottlingException', async (t) => {
  const cp = await startControlPlane(new Registry(), { rateLimit: { rate: 1, burst: 3 } });
  t.after(() => cp.close());
  const iot = sdkClient(cp.url);
  t.after(() => iot.destroy());
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => iot.send(new ListThingsCommand({}))));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const throttled = results.filter((r) => r.status === 'rejected' && r.reason instanceof ThrottlingException).length;
  assert.ok(ok >= 3 && ok <= 4, `burst of 3 (+ at most one refill) got through, not ${ok}`);
  assert.equal(ok + throttled, 8, 'every other call is a ThrottlingException');
  assert.equal(cp.stats().throttled, throttled);
});
