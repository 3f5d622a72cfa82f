/**
 * Hooks as Lambda functions through a whole run: the KeyError scenario's report names the error
 * and its log file, the Python deny-list hook decides who provisions, and a broken hook is bad
 * input (exit 2) before any device starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { renderHtmlReport } from '../../../src/report/html.js';
import { formatSummary, makeChalk } from '../../../src/report/console.js';
import { runLibraryInProcess } from '../../helpers/library.js';
import { makeWorkspace, runCli } from '../../helpers/cli.js';

test('hook-keyerror: every device fails with the hook KeyError, and the verdict names it and its log file', { timeout: 90_000 }, async () => {
  const { report, runDir } = await runLibraryInProcess('hook-keyerror', (doc) => {
    doc.fleet.devices = 12;
    doc.load.concurrency = 4;
  });
  assert.deepEqual(report.outcomes.failed, { 'register_thing: rejected 403 AccessDenied (hook KeyError)': 12 });
  const m = /^RegisterThing failed for 12 of 12 devices: the pre-provisioning hook raised KeyError 'device_serial' \((hook-logs\/fleet-prov-test-template\/[^)]+\.log)\)\. /.exec(report.analysis.verdict);
  assert.ok(m !== null, report.analysis.verdict);
  const log = path.join(runDir, m[1]!);
  assert.ok(existsSync(log), log);
  const text = readFileSync(log, 'utf8');
  assert.match(text, /START RequestId: \S+ Version: \$LATEST\nRegisterThing from \S+\n\[ERROR\] KeyError: 'device_serial'\nTraceback/);
  assert.match(text, /\{"errorMessage":"'device_serial'","errorType":"KeyError"/);
  const console = formatSummary(report, makeChalk(false));
  assert.match(console, /Pre-provisioning hook\n {2}fleet-prov-test-template: python keyerror_function\.lambda_handler;/);
  assert.match(console, /KeyError ×12: 'device_serial'\n {4}\[ERROR\] KeyError: 'device_serial'\n {4}log: hook-logs\/fleet-prov-test-template\//);
  const html = renderHtmlReport(report);
  assert.match(html, /<section id="hook"><h2>Pre-provisioning hook<\/h2>/);
  assert.match(html, /<td>KeyError<\/td><td>12<\/td>/);
});

test('hook-python: the Python hook denies exactly its deny list; the rest provision', { timeout: 90_000 }, async () => {
  const { report } = await runLibraryInProcess('hook-python', (doc) => {
    doc.fleet.devices = 20;
    doc.load.concurrency = 4;
    doc.emulator.templates[0].hook.environment.DENIED_SERIALS = '004,011';
    doc.thresholds = [];
  });
  assert.equal(report.outcomes.provisioned, 18);
  assert.deepEqual(report.outcomes.failed, { 'register_thing: rejected 403 AccessDenied': 2 });
  const hook = (report.emulator as { hook: { invocations: number; denied: number; coldStarts: number } }).hook;
  assert.equal(hook.invocations, 20);
  assert.equal(hook.denied, 2);
  assert.ok(hook.coldStarts >= 1 && hook.coldStarts <= 4, `cold starts ${hook.coldStarts}`);
});

const SCENARIO = (hook: string) => `name: bad-hook
target: {type: emulator}
fleet: {devices: 2, clientId: "bad-{index}", serial: "{index:3}", templateName: t, parameters: {SerialNumber: "{serial}"}}
load: {model: closed, concurrency: 1}
emulator:
  templates:
    - name: t
      file: templates/fleet-prov-test-template.json
      hook: ${hook}
`;

test('a broken hook is bad input: validate and run exit 2 with the cause, before any device starts', { timeout: 60_000 }, async () => {
  const ws = makeWorkspace({
    'scenarios/syntax.yaml': SCENARIO('hooks/syntax.py'),
    'scenarios/hooks/syntax.py': 'def lambda_handler(event, context)\n    return {}\n',
    'scenarios/nofunc.yaml': SCENARIO('{file: hooks/ok.py, handler: ok.missing_handler}'),
    'scenarios/hooks/ok.py': 'def lambda_handler(event, context):\n    return {"allowProvisioning": True}\n',
    'scenarios/nopython.yaml': SCENARIO('hooks/ok.py'),
  });
  const v = await runCli(['validate', 'scenarios/syntax.yaml'], { cwd: ws });
  assert.equal(v.code, 2, v.stdout + v.stderr);
  assert.match(v.stderr, /emulator\.templates\[0\]\.hook.*syntax\.py \(handler syntax\.lambda_handler\): Runtime\.UserCodeSyntaxError/);
  const r = await runCli(['run', 'scenarios/nofunc.yaml', '--out', 'out'], { cwd: ws });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /Runtime\.HandlerNotFound: Handler 'missing_handler' missing on module 'ok'/);
  assert.equal(existsSync(path.join(ws, 'out')), false, 'no run folder: nothing started');
  const p = await runCli(['validate', 'scenarios/nopython.yaml'], { cwd: ws, env: { FLEETSIM_PYTHON: '/nonexistent/python3' } });
  assert.equal(p.code, 2, p.stdout + p.stderr);
  assert.match(p.stderr, /the Python interpreter "\/nonexistent\/python3" was not found/);
  assert.doesNotMatch(v.stderr + r.stderr + p.stderr, /\n\s+at /, 'no stack trace');
});
