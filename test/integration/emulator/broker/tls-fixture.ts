/**
 * Test fixture: a Broker behind createTlsBrokerServer on 127.0.0.1:0 with a throwaway PKI, plus
 * MQTT.js connection helpers whose every wait is bounded.
 */
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { Broker } from '../../../../src/emulator/broker/broker.js';
import { createTlsBrokerServer, type TlsBrokerServer, type TlsBrokerServerOptions } from '../../../../src/emulator/broker/tls-server.js';
import type { BrokerOptions } from '../../../../src/emulator/broker/types.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/test-pki.js';

export interface TlsFixture {
  pki: TestPki;
  device: TestCredentials;
  broker: Broker;
  server: TlsBrokerServer;
  /** MQTT.js options for this server with the device certificate */
  options(extra?: Partial<IClientOptions>): IClientOptions;
  /** connects and tracks the client for cleanup; rejects on refusal or after 5 s */
  connect(extra?: Partial<IClientOptions>): Promise<MqttClient>;
  /** connects and reports how it ended instead of throwing */
  tryConnect(extra?: Partial<IClientOptions>): Promise<ConnectOutcome>;
  close(): Promise<void>;
}

export interface ConnectOutcome {
  connack?: IConnackPacket;
  error?: Error & { code?: number | string };
  closedBeforeConnack?: boolean;
}

let sharedPki: Promise<{ pki: TestPki; device: TestCredentials }> | null = null;

/** One PKI per test process: generating keys is the slow part. */
export function getSharedPki(): Promise<{ pki: TestPki; device: TestCredentials }> {
  sharedPki ??= (async () => {
    const pki = await createTestPki();
    return { pki, device: await pki.issueClient('device-1') };
  })();
  return sharedPki;
}

export async function startTlsFixture(
  brokerOpts: BrokerOptions = {},
  serverOpts: Partial<TlsBrokerServerOptions> = {},
): Promise<TlsFixture> {
  const { pki, device } = await getSharedPki();
  const broker = new Broker(brokerOpts);
  const server = await createTlsBrokerServer(broker, {
    key: pki.server.keyPem,
    cert: pki.server.certPem,
    ca: pki.ca.certPem,
    ...serverOpts,
  });
  const clients = new Set<MqttClient>();

  const options = (extra: Partial<IClientOptions> = {}): IClientOptions => ({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: server.port,
    ca: pki.ca.certPem,
    cert: device.certPem,
    key: device.keyPem,
    servername: 'localhost',
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });

  const tryConnect = (extra: Partial<IClientOptions> = {}): Promise<ConnectOutcome> =>
    new Promise((resolve) => {
      const client = mqtt.connect(options(extra));
      clients.add(client);
      const finish = (outcome: ConnectOutcome): void => {
        clearTimeout(timer);
        client.removeAllListeners('connect');
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ error: new Error('connect outcome timed out') }), 5000);
      client.once('connect', (connack) => finish({ connack }));
      client.once('error', (error) => finish({ error }));
      client.once('close', () => finish({ closedBeforeConnack: true }));
    });

  const connect = async (extra: Partial<IClientOptions> = {}): Promise<MqttClient> => {
    const client = mqtt.connect(options(extra));
    clients.add(client);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timed out')), 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    client.on('error', () => {}); // later errors (e.g. kicked) are asserted through events
    return client;
  };

  return {
    pki,
    device,
    broker,
    server,
    options,
    connect,
    tryConnect,
    async close(): Promise<void> {
      for (const client of clients) client.end(true);
      await broker.close();
      await server.close();
    },
  };
}
