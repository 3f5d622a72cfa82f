/**
 * Robustness: 1,000 random and malformed payloads to each of the six provisioning request topics
 * (three APIs × json/cbor) over real connections. Every one is answered with a rejected reply that
 * has a readable errorMessage (or accepted, when it happens to be a valid request), the emulator
 * never fails internally, every connection stays up, and a normal device provisions afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { PROVISIONING_APIS, replyTopics, requestTopic, decodePayload, type PayloadFormat } from '../../../src/protocol/index.js';
import { claimOf, runTestDevice, startTestEmulator, TEMPLATE_NAME } from '../../helpers/emulator.js';
import { connect } from './emu-client.js';
import { generateFuzzPayloads } from './fuzz-payloads.js';

const PER_TOPIC = 1000;
/** outstanding requests per connection (the broker keeps at most 100 QoS 1 replies in flight) */
const WINDOW = 40;

interface Seen {
  replies: number;
  accepted: number;
  rejected: Array<Record<string, unknown>>;
}

async function fuzzTopic(client: MqttClient, topic: string, accepted: string, rejected: string, format: PayloadFormat, payloads: Buffer[]): Promise<Seen> {
  const seen: Seen = { replies: 0, accepted: 0, rejected: [] };
  let wake: (() => void) | null = null;
  await client.subscribeAsync([accepted, rejected], { qos: 1 });
  client.on('message', (t, p) => {
    if (t !== accepted && t !== rejected) return;
    seen.replies++;
    if (t === accepted) seen.accepted++;
    else seen.rejected.push(decodePayload(format, p) as Record<string, unknown>);
    wake?.();
  });
  const waitForReplies = (target: number, ms: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (seen.replies >= target) done();
      };
      const done = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = check;
      check();
    });
  for (let i = 0; i < payloads.length; i++) {
    if (i - seen.replies >= WINDOW) await waitForReplies(i - WINDOW + 1, 3000);
    client.publish(topic, payloads[i]!, { qos: (i % 2) as 0 | 1 });
  }
  await waitForReplies(payloads.length, 5000);
  return seen;
}

test('1,000 malformed payloads to every provisioning topic: each answered, no crash, service continues', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ quotas: { publishPerConnection: 'unlimited' } });
  t.after(() => emu.close());
  const started = performance.now();
  const jobs = PROVISIONING_APIS.flatMap((api) =>
    (['json', 'cbor'] as const).map(async (format, f) => {
      const template = api === 'RegisterThing' ? TEMPLATE_NAME : undefined;
      const client = await connect(emu, claimOf(emu), { clientId: `fuzz-${api}-${format}`, protocolVersion: f === 0 ? 4 : 5 });
      const [accepted, rejected] = replyTopics(api, format, template);
      const payloads = generateFuzzPayloads(1000 + PROVISIONING_APIS.indexOf(api) * 2 + f, PER_TOPIC).map((p) => p.payload);
      const seen = await fuzzTopic(client, requestTopic(api, format, template), accepted, rejected, format, payloads);
      const stillUp = client.connected;
      await client.endAsync();
      return { api, format, seen, stillUp };
    }),
  );
  const results = await Promise.all(jobs);
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${results.length * PER_TOPIC} payloads in ${seconds.toFixed(1)} s`);
  for (const { api, format, seen, stillUp } of results) {
    const where = `${api}/${format}`;
    t.diagnostic(`${where}: ${seen.accepted} accepted, ${seen.rejected.length} rejected`);
    assert.equal(stillUp, true, `${where}: the connection stayed up`);
    assert.equal(seen.replies, PER_TOPIC, `${where}: every payload was answered`);
    for (const r of seen.rejected) {
      assert.equal(typeof r.statusCode, 'number', where);
      assert.ok([400, 403, 404, 409].includes(r.statusCode as number), `${where}: status ${String(r.statusCode)} ${String(r.errorMessage)}`);
      assert.equal(typeof r.errorCode, 'string', where);
      const msg = r.errorMessage;
      assert.ok(typeof msg === 'string' && msg.length > 5 && msg.length < 1000 && !/[\u0000-\u001f\ufffd]/.test(msg), `${where}: readable errorMessage ${JSON.stringify(msg).slice(0, 200)}`);
    }
    assert.ok(seen.rejected.length > PER_TOPIC / 2, `${where}: most malformed payloads are rejected`);
  }
  const summary = emu.stats().summary;
  for (const api of PROVISIONING_APIS) assert.equal(summary.apis[api]!.received, 2 * PER_TOPIC, `${api}: the server saw every request`);
  const device = await runTestDevice(emu, 99);
  assert.deepEqual(device.outcome, { kind: 'provisioned' }, 'a normal device provisions afterwards');
});
