/**
 * AWS's device SDK for JavaScript, MQTT 3.1.1 and the IotIdentityClient (v1) API, exactly as the
 * older AWS sample drives it: subscribe accepted+rejected, publish, wait; then RegisterThing; then
 * reconnect with the issued certificate.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { claimOf, startTestEmulator, TEMPLATE_NAME, type Credentials } from '../../helpers/emulator.js';
import { withTimeout } from '../../helpers/wait.js';
import { createDeviceCsr } from '../../../src/device/identity.js';
import type { Emulator } from '../../../src/emulator/emulator.js';
import { checkDeviceAccess311, connect311, QOS1, releaseNativeClients } from './sdk-fixture.js';
import { privateKeyPem } from '../../helpers/pem.js';

after(releaseNativeClients);

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Subscribe to accepted and rejected, then publish: the sample's order. */
async function request<T>(
  subscribeAccepted: (h: (e?: iotidentity.IotIdentityError, r?: T) => void) => Promise<unknown>,
  subscribeRejected: (h: (e?: iotidentity.IotIdentityError, r?: iotidentity.model.ErrorResponse) => void) => Promise<unknown>,
  publish: () => Promise<unknown>,
): Promise<Outcome<T>> {
  let settle!: (o: Outcome<T>) => void;
  const done = new Promise<Outcome<T>>((r) => (settle = r));
  await subscribeAccepted((e, r) => settle(e !== undefined || r === undefined ? { ok: false, error: String(e) } : { ok: true, value: r }));
  await subscribeRejected((e, r) => settle({ ok: false, error: e !== undefined ? String(e) : `${r?.statusCode} ${r?.errorCode}: ${r?.errorMessage}` }));
  await publish();
  return withTimeout(done, 8000, 'no accepted or rejected reply');
}

async function registerThing(identity: iotidentity.IotIdentityClient, token: string, serial: string) {
  return request<iotidentity.model.RegisterThingResponse>(
    (h) => identity.subscribeToRegisterThingAccepted({ templateName: TEMPLATE_NAME }, QOS1, h),
    (h) => identity.subscribeToRegisterThingRejected({ templateName: TEMPLATE_NAME }, QOS1, h),
    () => identity.publishRegisterThing({ templateName: TEMPLATE_NAME, certificateOwnershipToken: token, parameters: { SerialNumber: serial } }, QOS1),
  );
}

/** Reconnect as the thing with its new certificate; the template's policy applies to it. */
async function verifyIssued(emu: Emulator, creds: Credentials, thingName: string): Promise<void> {
  const conn = await connect311(emu, creds, thingName);
  try {
    await checkDeviceAccess311(conn, thingName);
  } finally {
    await conn.disconnect();
  }
}

test('SDK MQTT 3.1.1 + IotIdentityClient: CreateKeysAndCertificate, RegisterThing, reconnect with the issued certificate', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const conn = await connect311(emu, claimOf(emu), 'sdk-v1-claim');
  let keys: iotidentity.model.CreateKeysAndCertificateResponse;
  let thing: iotidentity.model.RegisterThingResponse;
  try {
    const identity = new iotidentity.IotIdentityClient(conn);
    const created = await request<iotidentity.model.CreateKeysAndCertificateResponse>(
      (h) => identity.subscribeToCreateKeysAndCertificateAccepted({}, QOS1, h),
      (h) => identity.subscribeToCreateKeysAndCertificateRejected({}, QOS1, h),
      () => identity.publishCreateKeysAndCertificate({}, QOS1),
    );
    assert.ok(created.ok, created.ok ? '' : created.error);
    keys = created.value;
    assert.match(keys.certificateId ?? '', /^[0-9a-f]{64}$/);
    assert.match(keys.privateKey ?? '', privateKeyPem({ legacy: true }));
    assert.equal(emu.registry.getCertificate(keys.certificateId!)?.status, 'PENDING_ACTIVATION');

    const registered = await registerThing(identity, keys.certificateOwnershipToken!, '311');
    assert.ok(registered.ok, registered.ok ? '' : registered.error);
    thing = registered.value;
    assert.equal(thing.thingName, 'fleet-test-311');
    assert.deepEqual(thing.deviceConfiguration, { 'fleet-prov': 'test' });
  } finally {
    await conn.disconnect();
  }
  assert.equal(emu.registry.getCertificate(keys.certificateId!)?.status, 'ACTIVE');
  await verifyIssued(emu, { cert: keys.certificatePem!, key: keys.privateKey! }, thing.thingName!);
});

test('SDK MQTT 3.1.1 + IotIdentityClient: CreateCertificateFromCsr, then a reused token is rejected', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const csr = await createDeviceCsr('ec-p256', 'sdk-csr-device');
  const conn = await connect311(emu, claimOf(emu), 'sdk-v1-csr');
  let cert: iotidentity.model.CreateCertificateFromCsrResponse;
  try {
    const identity = new iotidentity.IotIdentityClient(conn);
    const created = await request<iotidentity.model.CreateCertificateFromCsrResponse>(
      (h) => identity.subscribeToCreateCertificateFromCsrAccepted({}, QOS1, h),
      (h) => identity.subscribeToCreateCertificateFromCsrRejected({}, QOS1, h),
      () => identity.publishCreateCertificateFromCsr({ certificateSigningRequest: csr.csrPem }, QOS1),
    );
    assert.ok(created.ok, created.ok ? '' : created.error);
    cert = created.value;
    const registered = await registerThing(identity, cert.certificateOwnershipToken!, 'csr');
    assert.ok(registered.ok, registered.ok ? '' : registered.error);
    assert.equal(registered.value.thingName, 'fleet-test-csr');
    // the SDK's rejected handler sees AWS's error shape
    const again = await registerThing(identity, cert.certificateOwnershipToken!, 'csr');
    assert.equal(again.ok, false);
    assert.match((again as { error: string }).error, /^400 InvalidCertificateOwnershipToken: /);
  } finally {
    await conn.disconnect();
  }
  await verifyIssued(emu, { cert: cert.certificatePem!, key: csr.privateKeyPem }, 'fleet-test-csr');
});

test('SDK MQTT 3.1.1: the claim certificate may not subscribe outside the provisioning topics', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const conn = await connect311(emu, claimOf(emu), 'sdk-v1-nosy');
  try {
    const sub = await conn.subscribe('fleetsim/someone-else/#', QOS1);
    // MQTT 3.1.1 SUBACK failure (0x80): aws-crt reports it as QoS 128
    assert.equal(sub.qos as number, 128);
  } finally {
    await conn.disconnect();
  }
  assert.equal(mqtt.QoS.AtLeastOnce, 1);
});
