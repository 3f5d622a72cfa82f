/**
 * AWS's device SDK for JavaScript (aws-iot-device-sdk-v2 on the native aws-crt) against the
 * in-process emulator: connection builders for MQTT 3.1.1 and MQTT 5, and clean shutdown.
 *
 * Shutdown: aws-crt releases an MQTT 5 client's native callbacks (thread-safe functions) only
 * when the JavaScript client object is garbage-collected, not on close(), and until then node
 * cannot exit (awslabs/aws-crt-nodejs#600; measured here: 1.33.1). AWS's samples end with
 * process.exit(0). Tests instead stop and close every client, drop it, and collect garbage once
 * at the end of the file (releaseNativeClients).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { iot, mqtt, mqtt5 } from 'aws-iot-device-sdk-v2';
import type { Emulator } from '../../../src/emulator/emulator.js';
import type { Credentials } from '../../helpers/emulator.js';

export const QOS1 = mqtt.QoS.AtLeastOnce;

/** MQTT 3.1.1 connection, as AWS's samples build it (mTLS builder, our CA, clean session). */
export async function connect311(emu: Emulator, creds: Credentials, clientId: string): Promise<mqtt.MqttClientConnection> {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(creds.cert, creds.key)
    .with_certificate_authority(emu.caPem)
    .with_endpoint(emu.host)
    .with_port(emu.port)
    .with_client_id(clientId)
    .with_clean_session(true)
    .with_keep_alive_seconds(60)
    .with_ping_timeout_ms(5000)
    .build();
  const connection = new mqtt.MqttClient().new_connection(config);
  connection.on('error', () => {}); // failures surface through connect()'s promise
  await connection.connect();
  return connection;
}

/** A started MQTT 5 client, once its connection succeeded; rejects on the first connection failure. */
export async function start5(emu: Emulator, creds: Credentials, clientId: string): Promise<mqtt5.Mqtt5Client> {
  const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(emu.host, creds.cert, creds.key)
    .withPort(emu.port)
    .withCertificateAuthority(emu.caPem)
    .withConnectProperties({ clientId, keepAliveIntervalSeconds: 1200 })
    .withConnackTimeoutMs(5000);
  const client = new mqtt5.Mqtt5Client(builder.build());
  const outcome = new Promise<void>((resolve, reject) => {
    client.once('connectionSuccess', () => resolve());
    client.once('connectionFailure', (e: mqtt5.ConnectionFailureEvent) =>
      reject(new Error(`MQTT 5 connection failed: ${e.error.toString()}${e.connack ? ` (CONNACK reason ${e.connack.reasonCode})` : ''}`)),
    );
  });
  client.start();
  try {
    await outcome;
  } catch (err) {
    await stop5(client);
    throw err;
  }
  return client;
}

/** stop() (DISCONNECT), wait for 'stopped', close(). */
export async function stop5(client: mqtt5.Mqtt5Client): Promise<void> {
  const stopped = once(client, 'stopped');
  client.stop();
  await stopped;
  client.close();
}

/**
 * What the issued certificate may do under the template's policy: subscribe and publish on its own
 * topics (SUBACK granted, PUBACK success), and not subscribe to another thing's (SUBACK 0x87).
 * (The emulator's broker does not echo a publish back to its sender, so a round trip would need a
 * second device.)
 */
export async function checkDeviceAccess5(client: mqtt5.Mqtt5Client, thingName: string): Promise<void> {
  const own = `fleetsim/${thingName}/hello`;
  const suback = await client.subscribe({
    subscriptions: [
      { topicFilter: own, qos: mqtt5.QoS.AtLeastOnce },
      { topicFilter: 'fleetsim/some-other-thing/hello', qos: mqtt5.QoS.AtLeastOnce },
    ],
  });
  assert.deepEqual(suback.reasonCodes, [mqtt5.SubackReasonCode.GrantedQoS1, mqtt5.SubackReasonCode.NotAuthorized]);
  const puback = await client.publish({ topicName: own, qos: mqtt5.QoS.AtLeastOnce, payload: 'hello from the SDK' });
  assert.equal(puback?.reasonCode, mqtt5.PubackReasonCode.Success);
}

/** The same over MQTT 3.1.1: SUBACK 1 / 0x80 (aws-crt reports 128), and a PUBACK. */
export async function checkDeviceAccess311(connection: mqtt.MqttClientConnection, thingName: string): Promise<void> {
  const own = await connection.subscribe(`fleetsim/${thingName}/hello`, QOS1);
  assert.equal(own.qos, mqtt.QoS.AtLeastOnce);
  const other = await connection.subscribe('fleetsim/some-other-thing/hello', QOS1);
  assert.equal(other.qos as number, 128);
  await connection.publish(`fleetsim/${thingName}/hello`, 'hello from the SDK', QOS1);
}

/** Collect garbage so aws-crt finalizes closed clients and node can exit (see the file comment). */
export async function releaseNativeClients(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  await new Promise((r) => setImmediate(r));
  gc();
  await new Promise((r) => setImmediate(r));
}

/** A response field the SDK types as optional but the test requires. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`the response has no ${what}`);
  return value;
}
