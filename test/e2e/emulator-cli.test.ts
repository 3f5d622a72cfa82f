/**
 * `fleetsim emulator` as a user runs it: a subprocess on a free port, a device provisioned against
 * the files it wrote, Ctrl-C → exit 0 and a state file; a restart reloads the registry so the
 * issued certificate still connects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { decodePayload, replyTopics, requestTopic } from '../../src/protocol/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { glibcAndKoffi } from '../helpers/platform.js';

const TEMPLATE = 'fleet-prov-test-template';

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `fleetsim emulator` and resolves once its banner is complete. */
async function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'emulator', ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
  let out = '';
  let errText = '';
  child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 10 s:\n${out}\n${errText}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /mqtts:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && out.includes('Ctrl-C saves')) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`fleetsim emulator exited with ${code} before its banner:\n${out}\n${errText}`));
    });
  });
  return { child, port, stdout: () => out, stderr: () => errText, exited };
}

async function stopCli(r: Running, signal: NodeJS.Signals): Promise<number | null> {
  r.child.kill(signal);
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
  const code = await r.exited;
  clearTimeout(timer);
  return code;
}

function files(dir: string) {
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('root-ca.pem'), cert: read('claim.pem.crt'), key: read('claim.private.pem.key') };
}

function connect(port: number, ca: string, cert: string, key: string, clientId: string) {
  return mqtt.connectAsync({ protocol: 'mqtts', host: '127.0.0.1', port, servername: 'localhost', ca, cert, key, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
}

function nextMessage(c: mqtt.MqttClient): Promise<{ topic: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
    c.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, body: decodePayload('json', payload) as Record<string, unknown> });
    });
  });
}

/** CreateKeysAndCertificate + RegisterThing with a plain MQTT.js client and the folder's claim files. */
async function provision(port: number, dir: string, serial: string) {
  const f = files(dir);
  const c = await connect(port, f.ca, f.cert, f.key, `cli-test-${serial}`);
  try {
    await c.subscribeAsync([...replyTopics('CreateKeysAndCertificate', 'json'), ...replyTopics('RegisterThing', 'json', TEMPLATE)], { qos: 1 });
    const created = nextMessage(c);
    await c.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '{}', { qos: 1 });
    const keys = await created;
    assert.match(keys.topic, /accepted$/, JSON.stringify(keys.body));
    const registered = nextMessage(c);
    const request = { certificateOwnershipToken: keys.body.certificateOwnershipToken, parameters: { SerialNumber: serial } };
    await c.publishAsync(requestTopic('RegisterThing', 'json', TEMPLATE), JSON.stringify(request), { qos: 1 });
    const thing = await registered;
    assert.match(thing.topic, /accepted$/, JSON.stringify(thing.body));
    return { thingName: String(thing.body.thingName), certificateId: String(keys.body.certificateId), cert: String(keys.body.certificatePem), key: String(keys.body.privateKey) };
  } finally {
    await c.endAsync();
  }
}

test('fleetsim emulator: files, provisioning, Ctrl-C saves state, a restart keeps the CA and the issued certificate', { timeout: 60_000 }, async (t) => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'fleetsim-emu-')), 'emu');
  t.after(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  const first = await startCli(['--port', '0', '--dir', dir]);
  t.after(() => first.child.kill('SIGKILL'));
  assert.match(first.stdout(), /root CA\s+.*root-ca\.pem \(new\)/);
  // memory freed by closed connections goes back to the OS where glibc and the optional koffi are
  if (await glibcAndKoffi()) assert.match(first.stdout(), /^  memory +returned to the OS after connections close \(glibc malloc_trim\)$/m);
  else assert.match(first.stdout(), /^  memory +kept by the allocator(:| on )/m);
  assert.match(first.stdout(), /--template_name fleet-prov-test-template --template_parameters '\{"SerialNumber":"1"\}'/);
  for (const [file, mode] of [['root-ca.private.pem.key', 0o600], ['claim.private.pem.key', 0o600], ['root-ca.pem', 0o644]] as const) {
    assert.equal(statSync(path.join(dir, file)).mode & 0o777, mode, `${file} mode`);
  }
  const policy = JSON.parse(readFileSync(path.join(dir, 'claim-policy.json'), 'utf8')) as { Statement: { Resource: string | string[] }[] };
  assert.ok(JSON.stringify(policy.Statement).includes('$aws/provisioning-templates/fleet-prov-test-template/provision/*'));
  const caBefore = files(dir).ca;

  const device = await provision(first.port, dir, '777');
  assert.equal(device.thingName, 'fleet-test-777');
  assert.equal(await stopCli(first, 'SIGINT'), 0, first.stderr());
  assert.match(first.stdout(), /state saved: 1 things/);
  const statePath = path.join(dir, 'state.json');
  assert.equal(statSync(statePath).mode & 0o777, 0o600);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { things: { thingName: string }[]; certificates: { certificateId: string; status: string }[] };
  assert.deepEqual(state.things.map((x) => x.thingName), ['fleet-test-777']);
  assert.equal(state.certificates.find((c) => c.certificateId === device.certificateId)?.status, 'ACTIVE');
  assert.ok(!readFileSync(statePath, 'utf8').includes('PRIVATE KEY'), 'no private key in the state file');

  // declared thing groups and types are shown (the example template names none, so it still provisions)
  const second = await startCli(['--port', '0', '--dir', dir, '--thing-group', 'fleet-a', '--thing-group', 'fleet-b', '--thing-type', 'sensor', '--verbose', '--no-release-memory']);
  t.after(() => second.child.kill('SIGKILL'));
  assert.match(second.stdout(), /thing groups\s+fleet-a, fleet-b/);
  assert.match(second.stdout(), /thing types\s+sensor/);
  assert.match(second.stdout(), /^  memory +kept by the allocator \(--no-release-memory\)$/m);
  assert.match(second.stdout(), /root-ca\.pem \(reused\)/);
  assert.match(second.stdout(), /restored 1 things/);
  assert.equal(files(dir).ca, caBefore, 'same root CA');
  // the certificate issued before the restart still connects, as its thing
  const again = await connect(second.port, caBefore, device.cert, device.key, device.thingName);
  await again.endAsync();
  // and the claim written by this start provisions the next device
  assert.equal((await provision(second.port, dir, '778')).thingName, 'fleet-test-778');
  assert.equal(await stopCli(second, 'SIGTERM'), 0, second.stderr());
  assert.match(second.stdout(), /state saved: 2 things/);
  // --verbose: one line per connect, subscribe, request, reply and disconnect, with client ID, topic, status and latency
  const lines = second.stdout();
  const T = '\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ';
  assert.match(lines, new RegExp(`^${T}connect +fleet-test-777  MQTT 3\\.1\\.1  accepted$`, 'm'), lines);
  assert.match(lines, new RegExp(`^${T}subscribe +cli-test-778  \\$aws/certificates/create/json/accepted  granted$`, 'm'));
  assert.match(lines, new RegExp(`^${T}request +cli-test-778  \\$aws/certificates/create/json$`, 'm'));
  assert.match(lines, new RegExp(`^${T}reply +cli-test-778  \\$aws/certificates/create/json/accepted  200  \\d+ ms$`, 'm'));
  assert.match(lines, new RegExp(`^${T}reply +cli-test-778  \\$aws/provisioning-templates/fleet-prov-test-template/provision/json/accepted  200  \\d+ ms$`, 'm'));
  assert.match(lines, new RegExp(`^${T}disconnect +cli-test-778  client-disconnect$`, 'm'));
  // without --verbose, no per-message lines (a summary comes every 10 s while there is traffic)
  assert.doesNotMatch(first.stdout(), /^\d\d:\d\d:\d\d\.\d{3}  (request|reply) /m);
});

test('fleetsim emulator: a port in use exits 3 with a hint; a missing template file exits 2', { timeout: 30_000 }, async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-emu-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const busy = await runCli(['emulator', '--port', String(port), '--dir', dir], { timeoutMs: 20_000 });
  assert.equal(busy.code, 3, busy.stderr);
  assert.match(busy.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
  assert.match(busy.stderr, /hint: .*--port/);
  assert.doesNotMatch(busy.stderr, /\n\s+at /, 'no stack trace');

  // every problem at once: a template file that is not there, a hook for a template that is not loaded
  const missing = await runCli(['emulator', '--port', '0', '--dir', dir, '--template', 'mine=/no/such/template.json', '--hook', 'other=hook.mjs'], {
    timeoutMs: 20_000,
  });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /--template mine=\/no\/such\/template\.json: file not found/);
  assert.match(missing.stderr, /--hook other=hook\.mjs: no template named other/);
});
