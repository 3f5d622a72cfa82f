/**
 * MQTT.js helpers against an in-process emulator: connect with the claim certificate (or other
 * credentials), learn how a connect ended, and make one provisioning request. Every wait is bounded.
 */
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Emulator } from '../../../src/emulator/emulator.js';
import { decodePayload, encodePayload, replyTopics, requestTopic, type PayloadFormat, type ProvisioningApi } from '../../../src/protocol/index.js';
import { claimOf, TEMPLATE_NAME, type Credentials } from '../../helpers/emulator.js';

export function clientOptions(emu: Emulator, creds: Credentials, extra: Partial<IClientOptions> = {}): IClientOptions {
  return {
    protocol: 'mqtts',
    host: emu.host,
    port: emu.port,
    servername: 'localhost',
    ca: emu.caPem,
    cert: creds.cert,
    key: creds.key,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  };
}

export interface ConnectOutcome {
  client: MqttClient;
  connack?: IConnackPacket;
  error?: Error & { code?: number | string };
  closed?: boolean;
}

/** Connect and report how it ended (CONNACK, refusal code, or close) instead of throwing. */
export function tryConnect(emu: Emulator, creds: Credentials, extra: Partial<IClientOptions> = {}): Promise<ConnectOutcome> {
  const client = mqtt.connect(clientOptions(emu, creds, extra));
  return new Promise((resolve) => {
    const finish = (o: Omit<ConnectOutcome, 'client'>) => {
      clearTimeout(timer);
      client.removeAllListeners('connect');
      client.on('error', () => {});
      resolve({ client, ...o });
    };
    const timer = setTimeout(() => finish({ error: new Error('connect outcome timed out') }), 5000);
    client.once('connect', (connack) => finish({ connack }));
    client.once('error', (error) => finish({ error }));
    client.once('close', () => finish({ closed: true }));
  });
}

/** Connect or throw. */
export async function connect(emu: Emulator, creds: Credentials, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  const o = await tryConnect(emu, creds, extra);
  if (o.connack === undefined) {
    o.client.end(true);
    throw new Error(`connect failed: ${o.error?.message ?? 'closed'} (code ${String(o.error?.code)})`);
  }
  return o.client;
}

export type Reply = { kind: 'accepted' | 'rejected'; body: Record<string, unknown> } | { kind: 'none' };

/**
 * Subscribe to both reply topics of `api`, publish `payload` (an object is encoded in `format`,
 * a Buffer is sent as is), and wait for the reply; `{kind: 'none'}` when none comes within `ms`.
 */
export async function request(
  client: MqttClient,
  api: ProvisioningApi,
  payload: unknown,
  o: { format?: PayloadFormat; templateName?: string; ms?: number; qos?: 0 | 1 } = {},
): Promise<Reply> {
  const format = o.format ?? 'json';
  const template = api === 'RegisterThing' ? (o.templateName ?? TEMPLATE_NAME) : undefined;
  const [accepted, rejected] = replyTopics(api, format, template);
  await client.subscribeAsync([accepted, rejected], { qos: 1 });
  const reply = new Promise<Reply>((resolve) => {
    const onMessage = (topic: string, buf: Buffer) => {
      if (topic !== accepted && topic !== rejected) return;
      done({ kind: topic === accepted ? 'accepted' : 'rejected', body: decodePayload(format, buf) as Record<string, unknown> });
    };
    const done = (r: Reply) => {
      clearTimeout(timer);
      client.removeListener('message', onMessage);
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'none' }), o.ms ?? 3000);
    client.on('message', onMessage);
  });
  const body = Buffer.isBuffer(payload) ? payload : encodePayload(format, payload);
  client.publish(requestTopic(api, format, template), body, { qos: o.qos ?? 1 }, () => {});
  return reply;
}

export interface Provisioned {
  certificateId: string;
  cert: string;
  key: string;
  thingName: string;
}

/** The whole flow over one claim connection; returns the device's credentials and thing name. */
export async function provisionDevice(emu: Emulator, serial: string, clientId = `prov-${serial}-${process.pid}`): Promise<Provisioned> {
  const client = await connect(emu, claimOf(emu), { clientId });
  try {
    const created = await request(client, 'CreateKeysAndCertificate', {});
    if (created.kind !== 'accepted') throw new Error(`CreateKeysAndCertificate: ${JSON.stringify(created)}`);
    const reg = await request(client, 'RegisterThing', { certificateOwnershipToken: created.body.certificateOwnershipToken, parameters: { SerialNumber: serial } });
    if (reg.kind !== 'accepted') throw new Error(`RegisterThing: ${JSON.stringify(reg)}`);
    return {
      certificateId: String(created.body.certificateId),
      cert: String(created.body.certificatePem),
      key: String(created.body.privateKey),
      thingName: String(reg.body.thingName),
    };
  } finally {
    await client.endAsync();
  }
}

/** The body of an accepted reply, or a thrown error describing what came instead. */
export function acceptedBody(r: Reply): Record<string, unknown> {
  if (r.kind !== 'accepted') throw new Error(`expected an accepted reply, got ${JSON.stringify(r)}`);
  return r.body;
}

/** SUBSCRIBE and return the SUBACK codes, failures included (0x80 v3, 0x87 etc. v5). */
export async function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[]; reasonCodes?: number[] } }).packet;
    const codes = packet?.granted ?? packet?.reasonCodes;
    if (codes === undefined) throw err;
    return codes;
  }
}
