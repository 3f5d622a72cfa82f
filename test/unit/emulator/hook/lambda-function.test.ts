/**
 * Hooks run as AWS Lambda runs them: Python and Node.js handlers in warm execution environments
 * (module state, reserved concurrency, the local cap, timeouts that kill the environment,
 * CloudWatch-style log streams) and the checks that make a broken hook bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LambdaFunction, type InvokeResult } from '../../../../src/emulator/hook/environments.js';
import { HOOK_TIMEOUT_MS, HookRunner } from '../../../../src/emulator/hook/hook-runner.js';
import { checkHookSync } from '../../../../src/emulator/hook/runtimes/launch.js';
import { splitHookFlag, type HookSpec } from '../../../../src/emulator/hook/hook-config.js';
import { HOOK_TIMEOUT, parseHookFailure, hookFailureMessage } from '../../../../src/protocol/index.js';
import { REPO_ROOT } from '../../../helpers/emulator.js';

const EVENT = (serial: string) => ({
  claimCertificateId: 'claim',
  certificateId: 'cert',
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/t',
  clientId: `dev-${serial}`,
  parameters: { SerialNumber: serial },
});

function hookDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-lambda-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function fn(spec: HookSpec, logDir?: string): LambdaFunction {
  return new LambdaFunction({ spec, identity: { functionName: 'tpl-hook', region: 'eu-west-1', accountId: '123456789012' }, ...(logDir === undefined ? {} : { logDir }) });
}

const call = (f: LambdaFunction, serial: string, timeoutMs = 5000): Promise<InvokeResult> => f.invoke(EVENT(serial), randomUUID(), timeoutMs);

const PY_COUNTER = `import time
COUNT = 0

def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    time.sleep(float(event["parameters"].get("sleep", "0")))
    print("count is", COUNT)
    return {"allowProvisioning": True, "parameterOverrides": {"count": str(COUNT)}}
`;
const JS_COUNTER = `let count = 0;
export async function handler(event) {
  count++;
  await new Promise((r) => setTimeout(r, Number(event.parameters.sleep ?? '0') * 1000));
  console.log('count is', count);
  return { allowProvisioning: true, parameterOverrides: { count: String(count) } };
}
`;

test('the hook timeout is AWS\'s documented 5 s by default', () => {
  assert.equal(HOOK_TIMEOUT_MS, 5000);
  assert.equal(HOOK_TIMEOUT.status, 'documented');
  assert.deepEqual(parseHookFailure(hookFailureMessage('KeyError', "'device_serial'")), { errorType: 'KeyError', errorMessage: "'device_serial'" });
  assert.equal(parseHookFailure('Pre-provisioning hook denied provisioning.'), undefined);
  assert.deepEqual(splitHookFlag('hooks/lambda_function.py:lambda_function.lambda_handler'), { file: 'hooks/lambda_function.py', handler: 'lambda_function.lambda_handler' });
  assert.deepEqual(splitHookFlag('hooks/x.py'), { file: 'hooks/x.py' });
});

test('Python: the example hook allows and denies, with its environment variables', async (t) => {
  const f = fn({ file: path.join(REPO_ROOT, 'scenarios/hooks/lambda_function.py'), environment: { DENIED_SERIALS: '002' } });
  t.after(() => f.close());
  const ok = await call(f, '001');
  assert.equal(ok.status, 'ok');
  assert.deepEqual(ok.payload, { allowProvisioning: true, parameterOverrides: {} });
  assert.ok(ok.initMs !== undefined && ok.initMs > 0, 'the first invocation of a new environment has an init duration');
  const no = await call(f, '002');
  assert.deepEqual(no.payload, { allowProvisioning: false });
  assert.equal(no.initMs, undefined, 'a warm environment has no init');
  assert.equal(f.stats().environmentsStarted, 1);
});

for (const [runtime, name, source] of [
  ['Python', 'counter.py', PY_COUNTER],
  ['Node.js', 'counter.mjs', JS_COUNTER],
] as const) {
  test(`${runtime}: module state persists in one environment and is separate between two; print goes between START and END`, async (t) => {
    const dir = hookDir({ [name]: source });
    const logs = path.join(dir, 'logs');
    const f = fn({ file: path.join(dir, name) }, logs);
    t.after(() => f.close());
    const seq = [await call(f, '1'), await call(f, '2'), await call(f, '3')];
    assert.deepEqual(seq.map((r) => (r.payload as { parameterOverrides: { count: string } }).parameterOverrides.count), ['1', '2', '3']);
    // two at once: the busy environment cannot take the second, a new one starts with its own COUNT
    const both = await Promise.all([f.invoke({ ...EVENT('4'), parameters: { sleep: '0.5' } }, randomUUID(), 5000), f.invoke({ ...EVENT('5'), parameters: { sleep: '0.5' } }, randomUUID(), 5000)]);
    const counts = both.map((r) => (r.payload as { parameterOverrides: { count: string } }).parameterOverrides.count).sort();
    assert.deepEqual(counts, ['1', '4'], 'the warm environment goes on counting; the new one starts at 1');
    assert.equal(f.stats().environmentsStarted, 2);
    const files = readdirSync(logs);
    assert.equal(files.length, 2, 'one log stream per environment');
    const text = readFileSync(path.join(logs, seq[0]!.logFile !== undefined ? path.basename(seq[0]!.logFile) : files[0]!), 'utf8');
    const m = /START RequestId: (\S+) Version: \$LATEST\n([\s\S]*?)END RequestId: \1\nREPORT RequestId: \1\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB/.exec(text);
    assert.ok(m !== null, text);
    assert.match(m[2]!, /count is 1/, 'the handler output sits between START and END');
    assert.match(text, /Init Duration: [\d.]+ ms/);
  });
}

test('Python KeyError: a Lambda-style error record in the log stream, and the runner names it', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-lambda-'));
  const f = new LambdaFunction({
    spec: { file: path.join(REPO_ROOT, 'scenarios/hooks/keyerror_function.py'), handler: 'keyerror_function.lambda_handler' },
    identity: { functionName: 'tpl-hook', region: 'us-east-1', accountId: '123456789012' },
    logDir: path.join(dir, 'hook-logs', 'tpl'),
    displayBase: dir,
  });
  t.after(() => f.close());
  const runner = new HookRunner();
  const out = await runner.invoke('tpl', f, EVENT('SN1'));
  assert.equal(out.allowed, false);
  assert.equal(!out.allowed && out.reason, 'error');
  assert.equal(!out.allowed && out.message, "Pre-provisioning hook failed (KeyError): 'device_serial'");
  const s = runner.stats();
  assert.equal(s.errors, 1);
  assert.equal(s.coldStarts, 1);
  const k = s.errorsByType.KeyError!;
  assert.equal(k.firstMessage, "'device_serial'");
  assert.match(k.logFile ?? '', /^hook-logs\/tpl\/\d{4}-\d\d-\d\d-LATEST-[0-9a-f]{32}\.log$/);
  assert.equal(k.logLine, "[ERROR] KeyError: 'device_serial'");
  const text = readFileSync(path.join(dir, k.logFile!), 'utf8');
  assert.match(text, /\[ERROR\] KeyError: 'device_serial'\nTraceback \(most recent call last\):\n {2}File ".*keyerror_function\.py", line \d+, in lambda_handler/);
  const record = text.split('\n').find((l) => l.startsWith('{"errorMessage"'));
  assert.ok(record !== undefined, text);
  const json = JSON.parse(record) as { errorMessage: string; errorType: string; stackTrace: string[] };
  assert.equal(json.errorType, 'KeyError');
  assert.equal(json.errorMessage, "'device_serial'");
  assert.ok(json.stackTrace.some((l) => l.includes('keyerror_function.py')));
  assert.ok(text.indexOf('RegisterThing from dev-SN1') < text.indexOf('[ERROR]'), 'the print before the error is kept, in order');
  assert.ok(s.functions?.tpl !== undefined && s.functions.tpl.runtime === 'python');
});

test('Node.js: an error is logged as ERROR Invoke Error with errorType, errorMessage and stack', async (t) => {
  const f = fn({ file: path.join(REPO_ROOT, 'scenarios/hooks/buggy-hook.mjs') });
  t.after(() => f.close());
  const r = await call(f, '1');
  assert.equal(r.status, 'error');
  assert.equal(r.errorType, 'TypeError');
  const line = r.log.find((l) => l.includes('\tERROR\tInvoke Error \t'));
  assert.ok(line !== undefined, r.log.join('\n'));
  const json = JSON.parse(line.split('Invoke Error \t')[1]!) as { errorType: string; stack: string[] };
  assert.equal(json.errorType, 'TypeError');
  assert.ok(json.stack.some((l) => l.includes('buggy-hook.mjs')));
});

test('reservedConcurrency 2: of 10 simultaneous invocations at most 2 run, the rest are throttled', async (t) => {
  const dir = hookDir({ 'slow.py': 'import time\n\ndef lambda_handler(event, context):\n    time.sleep(0.5)\n    return {"allowProvisioning": True}\n' });
  const f = fn({ file: path.join(dir, 'slow.py'), reservedConcurrency: 2 });
  t.after(() => f.close());
  const runner = new HookRunner();
  const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => runner.invoke('t', f, EVENT(String(i)))));
  const throttled = outs.filter((o) => !o.allowed && o.reason === 'throttled');
  assert.equal(throttled.length, 8);
  assert.ok(throttled.every((o) => !o.allowed && o.message.startsWith('Pre-provisioning hook failed (TooManyRequestsException)')));
  assert.equal(outs.filter((o) => o.allowed).length, 2);
  assert.equal(f.stats().peakConcurrency, 2);
  assert.ok(f.stats().environmentsStarted <= 2);
  assert.equal(runner.stats().throttles, 8);
});

test('without reservedConcurrency: environments scale up to 10 for 10 at once; past maxEnvironments they wait and it is counted', async (t) => {
  const dir = hookDir({ 'slow.mjs': 'export async function handler() { await new Promise((r) => setTimeout(r, 300)); return { allowProvisioning: true }; }\n' });
  const free = fn({ file: path.join(dir, 'slow.mjs') });
  t.after(() => free.close());
  const a = await Promise.all(Array.from({ length: 10 }, (_, i) => call(free, String(i))));
  assert.ok(a.every((r) => r.status === 'ok'));
  const fs = free.stats();
  assert.ok(fs.environmentsStarted >= 1 && fs.environmentsStarted <= 10, JSON.stringify(fs));
  assert.equal(fs.waitedForCap, 0);
  assert.equal(fs.capReached, false);
  const capped = fn({ file: path.join(dir, 'slow.mjs'), maxEnvironments: 2 });
  t.after(() => capped.close());
  const runner = new HookRunner();
  const b = await Promise.all(Array.from({ length: 10 }, (_, i) => runner.invoke('t', capped, EVENT(String(i)))));
  assert.ok(b.every((o) => o.allowed), 'waiting is not failing');
  const cs = capped.stats();
  assert.ok(cs.peakEnvironments <= 2 && cs.environmentsStarted <= 2, JSON.stringify(cs));
  assert.equal(cs.capReached, true);
  assert.ok(cs.waitedForCap >= 1 && runner.stats().waitedForCap === cs.waitedForCap);
});

test('a hook that sleeps past its timeout fails, its environment is killed, and the next runs in a fresh one', async (t) => {
  const dir = hookDir({ 'sleepy.py': 'import os, time\nFIRST = [True]\n\ndef lambda_handler(event, context):\n    if event["parameters"]["SerialNumber"] == "slow":\n        time.sleep(2)\n    return {"allowProvisioning": True}\n' });
  const logs = path.join(dir, 'logs');
  const f = fn({ file: path.join(dir, 'sleepy.py') }, logs);
  t.after(() => f.close());
  const warm = await call(f, 'fast', 1000);
  assert.equal(warm.status, 'ok');
  const slow = await call(f, 'slow', 1000);
  assert.equal(slow.status, 'timeout');
  assert.equal(slow.errorMessage, 'Task timed out after 1.00 seconds');
  assert.equal(f.stats().killedOnTimeout, 1);
  const next = await call(f, 'fast', 1000);
  assert.equal(next.status, 'ok');
  assert.ok(next.initMs !== undefined, 'a fresh environment: it has an init duration');
  assert.equal(f.stats().environmentsStarted, 2);
  const text = readFileSync(path.join(logs, readdirSync(logs).find((n) => readFileSync(path.join(logs, n), 'utf8').includes('timed out'))!), 'utf8');
  assert.match(text, / Task timed out after 1\.00 seconds\nEND RequestId: \S+\nREPORT RequestId: .*Status: timeout/);
});

test('context and environment variables as Lambda gives them (Python and Node.js)', async (t) => {
  const dir = hookDir({
    'ctx.py': `import os

def lambda_handler(event, context):
    return {"allowProvisioning": True, "parameterOverrides": {
        "fn": context.function_name, "mem": str(context.memory_limit_in_mb), "rid": context.aws_request_id,
        "left": str(context.get_remaining_time_in_millis()), "group": context.log_group_name, "stream": context.log_stream_name,
        "region": os.environ["AWS_REGION"], "envfn": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "mine": os.environ["MINE"]}}
`,
    'ctx.mjs': `export async function handler(event, context) {
  return { allowProvisioning: true, parameterOverrides: {
    fn: context.functionName, mem: String(context.memoryLimitInMB), rid: context.awsRequestId, left: String(context.getRemainingTimeInMillis()),
    group: context.logGroupName, stream: context.logStreamName, region: process.env.AWS_REGION, envfn: process.env.AWS_LAMBDA_FUNCTION_NAME, mine: process.env.MINE } };
}
`,
  });
  for (const file of ['ctx.py', 'ctx.mjs']) {
    const f = fn({ file: path.join(dir, file), environment: { MINE: 'yes' } });
    t.after(() => f.close());
    const id = randomUUID();
    const r = await f.invoke(EVENT('1'), id, 3000);
    const o = (r.payload as { parameterOverrides: Record<string, string> }).parameterOverrides;
    assert.equal(o.fn, 'tpl-hook', file);
    assert.equal(o.envfn, 'tpl-hook');
    assert.equal(o.mem, '128');
    assert.equal(o.rid, id);
    assert.ok(Number(o.left) > 0 && Number(o.left) <= 3000, `${file}: remaining ${o.left}`);
    assert.equal(o.group, '/aws/lambda/tpl-hook');
    assert.match(o.stream!, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(o.region, 'eu-west-1');
    assert.equal(o.mine, 'yes');
  }
});

test('idle environments are reaped after idleTimeout', async (t) => {
  const f = fn({ file: path.join(REPO_ROOT, 'scenarios/hooks/deny-list.mjs'), idleTimeoutMs: 50 });
  t.after(() => f.close());
  assert.equal((await call(f, '1')).status, 'ok');
  for (let i = 0; i < 100 && f.stats().environmentsLive > 0; i++) await sleep(50);
  assert.equal(f.stats().environmentsLive, 0);
  assert.equal(f.stats().reaped, 1);
  const again = await call(f, '2');
  assert.ok(again.initMs !== undefined, 'after reaping, a new environment (cold start)');
});

test('bad hooks are found before anything starts, with the interpreter\'s own message', () => {
  const dir = hookDir({
    'ok.py': 'def lambda_handler(event, context):\n    return {"allowProvisioning": True}\n',
    'syntax.py': 'def lambda_handler(event, context)\n    return 1\n',
    'exits.py': 'import sys\nsys.exit(3)\n',
    'hardexit.py': 'import os\nprint("bye")\nos._exit(4)\n',
    'syntax.mjs': 'export async function handler( {\n',
    'nohandler.mjs': 'export const x = 1;\n',
  });
  assert.equal(checkHookSync({ file: path.join(dir, 'ok.py') }), undefined);
  assert.match(checkHookSync({ file: path.join(dir, 'ok.py'), handler: 'missing.lambda_handler' }) ?? '', /Runtime\.ImportModuleError: Unable to import module 'missing': No module named 'missing'/);
  assert.match(checkHookSync({ file: path.join(dir, 'ok.py'), handler: 'ok.nope' }) ?? '', /Runtime\.HandlerNotFound: Handler 'nope' missing on module 'ok'/);
  assert.match(checkHookSync({ file: path.join(dir, 'syntax.py') }) ?? '', /Runtime\.UserCodeSyntaxError: .*(expected ':'|invalid syntax)/);
  assert.match(checkHookSync({ file: path.join(dir, 'exits.py') }) ?? '', /Runtime\.ExitError: Runtime exited during init: sys\.exit\(3\)/);
  assert.match(checkHookSync({ file: path.join(dir, 'hardexit.py') }) ?? '', /exited with code 4 while importing the handler:\nbye/);
  assert.match(checkHookSync({ file: path.join(dir, 'syntax.mjs') }) ?? '', /Runtime\.UserCodeSyntaxError: SyntaxError/);
  assert.match(checkHookSync({ file: path.join(dir, 'nohandler.mjs') }) ?? '', /Runtime\.HandlerNotFound: nohandler\.handler is undefined/);
  const saved = process.env.FLEETSIM_PYTHON;
  process.env.FLEETSIM_PYTHON = path.join(dir, 'no-such-python3');
  try {
    assert.match(checkHookSync({ file: path.join(dir, 'ok.py') }) ?? '', /the Python interpreter ".*no-such-python3" was not found: install Python 3\.9 or later/);
  } finally {
    if (saved === undefined) delete process.env.FLEETSIM_PYTHON;
    else process.env.FLEETSIM_PYTHON = saved;
  }
});
