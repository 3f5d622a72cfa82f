/**
 * Connection rules end to end through the emulator (MQTT 5 reason codes): client IDs, takeover,
 * certificate status, and ownership-token expiry deleting an unregistered certificate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REJECTIONS } from '../../../src/protocol/index.js';
import { parseTemplateBody } from '../../../src/emulator/templates/index.js';
import { claimOf, startTestEmulator } from '../../helpers/emulator.js';
import { ManualClock, waitForEvent, waitUntil } from '../../helpers/wait.js';
import { acceptedBody, connect, provisionDevice, request, tryConnect } from './emu-client.js';

test('client IDs starting with $ or over 128 bytes are refused with 0x85', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  for (const clientId of ['$reserved', 'é'.repeat(65)]) {
    const o = await tryConnect(emu, claimOf(emu), { clientId, protocolVersion: 5 });
    o.client.end(true);
    assert.equal(o.error?.code, 0x85, clientId.slice(0, 10));
  }
  const ok = await tryConnect(emu, claimOf(emu), { clientId: 'x'.repeat(128), protocolVersion: 5 });
  ok.client.end(true);
  assert.ok(ok.connack, '128 bytes is allowed');
});

test('a second connection with the same client ID takes over: the first gets DISCONNECT 0x8E', async (t) => {
  const emu = await startTestEmulator({ quotas: { connectPerClientId: 'unlimited' } });
  t.after(() => emu.close());
  const first = await connect(emu, claimOf(emu), { clientId: 'twin', protocolVersion: 5 });
  const kicked = waitForEvent<[{ reasonCode?: number }]>(first, 'disconnect');
  const second = await connect(emu, claimOf(emu), { clientId: 'twin', protocolVersion: 5 });
  t.after(() => [first, second].forEach((c) => c.end(true)));
  assert.equal((await kicked)[0].reasonCode, 0x8e);
  const r = await request(second, 'CreateKeysAndCertificate', {});
  assert.equal(r.kind, 'accepted', 'the new connection serves');
});

test('a certificate that is PENDING_ACTIVATION, INACTIVE, REVOKED or deleted cannot connect (0x87)', async (t) => {
  // the same client ID reconnects at once: the 1/s per-client-ID connect quota is not what this tests
  const emu = await startTestEmulator({ quotas: { connectPerClientId: 'unlimited' } });
  t.after(() => emu.close());
  const tryAs = async (creds: { cert: string; key: string }, clientId: string) => {
    const o = await tryConnect(emu, creds, { clientId, protocolVersion: 5 });
    o.client.end(true);
    return o.connack !== undefined ? 'connected' : o.error?.code;
  };
  // issued but never registered
  const claim = await connect(emu, claimOf(emu), { clientId: 'issuer' });
  const pending = acceptedBody(await request(claim, 'CreateKeysAndCertificate', {}));
  await claim.endAsync();
  assert.equal(await tryAs({ cert: String(pending.certificatePem), key: String(pending.privateKey) }, 'pending'), 0x87);

  const dev = await provisionDevice(emu, '051');
  const creds = { cert: dev.cert, key: dev.key };
  assert.equal(await tryAs(creds, dev.thingName), 'connected');
  emu.registry.updateCertificateStatus(dev.certificateId, 'INACTIVE');
  assert.equal(await tryAs(creds, dev.thingName), 0x87);
  emu.registry.updateCertificateStatus(dev.certificateId, 'REVOKED');
  assert.equal(await tryAs(creds, dev.thingName), 0x87);

  const dev2 = await provisionDevice(emu, '052');
  const arn = emu.registry.getCertificate(dev2.certificateId)!.certificateArn;
  emu.registry.updateCertificateStatus(dev2.certificateId, 'INACTIVE');
  emu.registry.detachThingPrincipal(dev2.thingName, arn);
  emu.registry.deleteCertificate(dev2.certificateId, { forceDelete: true });
  assert.equal(await tryAs({ cert: dev2.cert, key: dev2.key }, dev2.thingName), 0x87);
  assert.equal(emu.stats().totals['connects_refused{reason=certificate}'], 4);
});

test('an ownership token that expires deletes its unregistered certificate; the token is then refused 400', async (t) => {
  // tokens expire on a manual clock; the store's sweep timer (every 50 ms at this TTL) does the deleting
  const clock = new ManualClock(Date.now());
  const emu = await startTestEmulator({ tokenTtlMs: 200, now: clock.now });
  t.after(() => emu.close());
  const totals = () => emu.stats().totals;
  const c = await connect(emu, claimOf(emu), { clientId: 'slow-device' });
  t.after(() => c.end(true));
  const created = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
  const id = String(created.certificateId);
  assert.equal(emu.registry.getCertificate(id)?.status, 'PENDING_ACTIVATION');
  clock.advance(200);
  await waitUntil(() => totals().certificates_expired === 1, 3000, 'the expired token swept');
  assert.equal(emu.registry.getCertificate(id), undefined, 'deleted at expiry');
  const reg = await request(c, 'RegisterThing', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '061' } });
  assert.equal(reg.kind, 'rejected');
  assert.equal(reg.kind === 'rejected' && reg.body.errorCode, REJECTIONS.invalidToken.errorCode);
  // a registered certificate survives its token's expiry
  const dev = await provisionDevice(emu, '062');
  // so does a pending one that got a policy attached meanwhile (AttachPolicy): AWS keeps attached certificates
  const kept = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
  const keptCert = emu.registry.getCertificate(String(kept.certificateId));
  assert.ok(keptCert !== undefined);
  emu.registry.createPolicy('attached-by-hand', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
  emu.registry.attachPolicy('attached-by-hand', keptCert.certificateArn);
  clock.advance(200);
  await waitUntil(() => totals().certificates_expired_kept === 1, 3000, 'the attached certificate\'s token swept');
  assert.equal(emu.stats().openTokens, 0, 'every token has expired or was used');
  assert.equal(emu.registry.getCertificate(dev.certificateId)?.status, 'ACTIVE');
  assert.equal(emu.registry.getCertificate(String(kept.certificateId))?.status, 'PENDING_ACTIVATION', 'kept: a policy is attached');
  assert.equal(totals().certificates_expired, 1);
});

test('RegisterThing for a certificate revoked meanwhile is a 400, not a retryable 500', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'revoked-meanwhile' });
  t.after(() => c.end(true));
  const created = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
  emu.registry.updateCertificateStatus(String(created.certificateId), 'REVOKED');
  const reg = await request(c, 'RegisterThing', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '071' } });
  assert.equal(reg.kind, 'rejected');
  assert.equal(reg.kind === 'rejected' && reg.body.statusCode, REJECTIONS.certificateState.statusCode);
  assert.match(String(reg.kind === 'rejected' && reg.body.errorMessage), /REVOKED/);
});

test('RegisterThing into a thing group the account does not have is a 400 naming it; a declared one provisions', async (t) => {
  const body = parseTemplateBody({
    Parameters: { SerialNumber: { Type: 'String' }, Group: { Type: 'String' } },
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', ['grp-', { Ref: 'SerialNumber' }]] }, ThingGroups: [{ Ref: 'Group' }] } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
    },
  });
  const emu = await startTestEmulator({ templates: [{ name: 'grouped', body, enabled: true }], thingGroups: ['fleet-a'] });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'grouped-device' });
  t.after(() => c.end(true));
  const register = async (serial: string, group: string) => {
    const created = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
    return request(c, 'RegisterThing', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: serial, Group: group } }, { templateName: 'grouped' });
  };
  const missing = await register('1', 'fleet-z');
  assert.equal(missing.kind, 'rejected');
  assert.equal(missing.kind === 'rejected' && missing.body.statusCode, 400);
  assert.match(String(missing.kind === 'rejected' && missing.body.errorMessage), /thing group "fleet-z", which does not exist/);
  const ok = await register('2', 'fleet-a');
  assert.equal(ok.kind, 'accepted');
  assert.deepEqual(emu.registry.getThing('grp-2')?.thingGroups, ['fleet-a']);
});
