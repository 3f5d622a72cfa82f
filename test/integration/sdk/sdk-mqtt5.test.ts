/**
 * AWS's device SDK for JavaScript, MQTT 5 and the request-response IotIdentityClientv2 API, the
 * way AWS's current sample (samples/node/service_clients/fleet_provisioning/basic) drives it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { iotidentity, mqtt_request_response } from 'aws-iot-device-sdk-v2';
import { claimOf, startTestEmulator, TEMPLATE_NAME } from '../../helpers/emulator.js';
import { withTimeout } from '../../helpers/wait.js';
import { createDeviceCsr } from '../../../src/device/identity.js';
import { checkDeviceAccess5, releaseNativeClients, required, start5, stop5 } from './sdk-fixture.js';

after(releaseNativeClients);

/** The sample's request-response options (operation timeout shortened for tests). */
const RR_OPTIONS = { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 0, operationTimeoutInSeconds: 8 };

test('SDK MQTT 5 + IotIdentityClientv2: createKeysAndCertificate, registerThing, reconnect with the issued certificate', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const claim = await start5(emu, claimOf(emu), 'fleet-provisioning-0a1b2c3d');
  let keys: iotidentity.model.CreateKeysAndCertificateResponse;
  let thing: iotidentity.model.RegisterThingResponse;
  try {
    const identity = iotidentity.IotIdentityClientv2.newFromMqtt5(claim, RR_OPTIONS);
    try {
      keys = await withTimeout(identity.createKeysAndCertificate({}), 10_000, 'createKeysAndCertificate');
      assert.match(keys.certificateId ?? '', /^[0-9a-f]{64}$/);
      assert.match(keys.certificatePem ?? '', /BEGIN CERTIFICATE/);
      thing = await withTimeout(
        identity.registerThing({ templateName: TEMPLATE_NAME, certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '5' } }),
        10_000,
        'registerThing',
      );
    } finally {
      identity.close();
    }
  } finally {
    await stop5(claim);
  }
  assert.equal(thing.thingName, 'fleet-test-5');
  assert.deepEqual(thing.deviceConfiguration, { 'fleet-prov': 'test' });
  assert.equal(emu.registry.getCertificate(required(keys.certificateId, 'certificateId'))?.status, 'ACTIVE');

  const device = await start5(emu, { cert: required(keys.certificatePem, 'certificatePem'), key: required(keys.privateKey, 'privateKey') }, required(thing.thingName, 'thingName'));
  try {
    await checkDeviceAccess5(device, required(thing.thingName, 'thingName'));
  } finally {
    await stop5(device);
  }
});

test('SDK MQTT 5 + IotIdentityClientv2: createCertificateFromCsr, and a rejected registerThing carries AWS\'s error shape', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const csr = await createDeviceCsr('ec-p256', 'sdk5-csr');
  const claim = await start5(emu, claimOf(emu), 'fleet-provisioning-csr-0a1b2c3d');
  let certPem: string;
  try {
    const identity = iotidentity.IotIdentityClientv2.newFromMqtt5(claim, RR_OPTIONS);
    try {
      const created = await withTimeout(identity.createCertificateFromCsr({ certificateSigningRequest: csr.csrPem }), 10_000, 'createCertificateFromCsr');
      certPem = required(created.certificatePem, 'certificatePem');
      // a template outside the claim policy: the SDK's own subscribe to its reply topics is refused
      const outside = identity.registerThing({ templateName: 'no-such-template', certificateOwnershipToken: created.certificateOwnershipToken, parameters: {} });
      await assert.rejects(withTimeout(outside, 10_000, 'registerThing (unknown template)'), (e: mqtt_request_response.ServiceError) => {
        assert.match(String(e.internalError), /SUBSCRIBE_FAILURE/, `${e.message}: ${String(e.internalError)} ${JSON.stringify(e.modeledError)}`);
        return true;
      });
      // a missing template parameter: the promise rejects with the service's modeled error
      const missing = identity.registerThing({ templateName: TEMPLATE_NAME, certificateOwnershipToken: created.certificateOwnershipToken, parameters: {} });
      await assert.rejects(withTimeout(missing, 10_000, 'registerThing (no SerialNumber)'), (e: mqtt_request_response.ServiceError) => {
        const modeled = e.modeledError as iotidentity.model.V2ErrorResponse | undefined;
        assert.equal(modeled?.statusCode, 400, `${e.message}: ${String(e.internalError)} ${JSON.stringify(e.modeledError)}`);
        assert.match(modeled?.errorMessage ?? '', /SerialNumber/);
        return true;
      });
      const thing = await withTimeout(
        identity.registerThing({ templateName: TEMPLATE_NAME, certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: 'c5' } }),
        10_000,
        'registerThing',
      );
      assert.equal(thing.thingName, 'fleet-test-c5');
    } finally {
      identity.close();
    }
  } finally {
    await stop5(claim);
  }
  const device = await start5(emu, { cert: certPem, key: csr.privateKeyPem }, 'fleet-test-c5');
  try {
    await checkDeviceAccess5(device, 'fleet-test-c5');
  } finally {
    await stop5(device);
  }
});

test('SDK MQTT 5: a certificate that was never registered is refused in CONNACK (0x87 not authorized)', { timeout: 20_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const claim = await start5(emu, claimOf(emu), 'fleet-provisioning-unregistered');
  let keys: iotidentity.model.CreateKeysAndCertificateResponse;
  try {
    const identity = iotidentity.IotIdentityClientv2.newFromMqtt5(claim, RR_OPTIONS);
    try {
      keys = await withTimeout(identity.createKeysAndCertificate({}), 10_000, 'createKeysAndCertificate');
    } finally {
      identity.close();
    }
  } finally {
    await stop5(claim);
  }
  const issued = { cert: required(keys.certificatePem, 'certificatePem'), key: required(keys.privateKey, 'privateKey') };
  await assert.rejects(start5(emu, issued, 'not-yet-a-thing'), /CONNACK reason 135/);
});
