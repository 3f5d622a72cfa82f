/** junit.xml: the usual schema shape, counts, escaping, and one case per threshold and expectation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJunit, escapeXml } from '../../../src/report/junit.js';
import { checkJunitShape } from '../../helpers/junit-shape.js';
import { sampleReport } from './sample-run.js';

test('a run without thresholds is still a valid suite with one case for the run', () => {
  const r = sampleReport({ devices: 20 });
  const cases = checkJunitShape(renderJunit(r));
  assert.equal(cases.length, 1);
  assert.equal(cases[0]?.classname, 'fleetsim.run');
  assert.equal(cases[0]?.failure, undefined);
});

test('an interrupted run fails the run case, with the status in the message', () => {
  const r = sampleReport({ devices: 20, status: 'interrupted' });
  const cases = checkJunitShape(renderJunit(r));
  assert.match(cases[0]?.failure?.message ?? '', /status interrupted/);
});

test('one case per threshold and per expectation; failures carry actual vs expected; XML is escaped', () => {
  const r = sampleReport({ devices: 10 });
  r.scenario = { ...r.scenario, name: 'night <&> "run"' };
  r.thresholds = [
    { expression: 'p99(register_thing) < 2s', ok: true, actual: 41, detail: 'p99 41 ms' },
    { expression: 'count(failed) == 0 && "x" > \'y\'', ok: false, actual: 3, detail: '3 devices failed: <none> & more' },
  ];
  r.expectations = [
    { name: 'throttled requests get 429', ok: true, actual: 0, expected: 'timeouts ≤ 1%', detail: 'ok' },
    { name: 'provision within', ok: false, actual: 'never', expected: '≤ 60 s', detail: 'the last device never provisioned' },
  ];
  const xml = renderJunit(r);
  const cases = checkJunitShape(xml);
  assert.equal(cases.length, 5);
  const byName = new Map(cases.map((c) => [c.name, c]));
  assert.equal(cases[0]?.suite, 'fleetsim night <&> "run"');
  assert.equal(byName.get('p99(register_thing) < 2s')?.failure, undefined);
  const failed = byName.get('count(failed) == 0 && "x" > \'y\'');
  assert.equal(failed?.classname, 'fleetsim.thresholds');
  assert.match(failed?.failure?.message ?? '', /^actual 3; expected count\(failed\) == 0/);
  assert.equal(failed?.failure?.text, '3 devices failed: <none> & more');
  const exp = byName.get('provision within');
  assert.equal(exp?.classname, 'fleetsim.expectations');
  assert.equal(exp?.failure?.message, 'actual never; expected ≤ 60 s');
  assert.match(xml, /<testsuite [^>]*tests="5" failures="2"/);
});

test('a baseline comparison with a regression is one failing case', () => {
  const r = sampleReport({ devices: 10 });
  r.comparison = {
    baseline: { runId: 'base', source: 'b/report.json', scenarioHash: 'h' },
    current: { runId: r.runId, scenarioHash: 'h' },
    tolerancePct: 10,
    minLatencyDeltaMs: 1,
    rows: [{ kind: 'latency', subject: 'register_thing', metric: 'p99 ms', baseline: 40, current: 80, deltaPct: 100, regression: true }],
    regressions: 1,
    warnings: [],
  };
  const cases = checkJunitShape(renderJunit(r));
  const c = cases.find((x) => x.classname === 'fleetsim.baseline');
  assert.match(c?.failure?.message ?? '', /1 regression: register_thing p99 ms: baseline 40, actual 80 \(\+100%\)/);
});

test('escapeXml drops characters XML forbids and escapes the five specials', () => {
  assert.equal(escapeXml('a\u0000b\u0007c<>&"\''), 'abc&lt;&gt;&amp;&quot;&apos;');
});

test('the shape checker rejects wrong counts and malformed XML (it can fail)', () => {
  assert.throws(() => checkJunitShape('<testsuites><testsuite name="x" tests="2" failures="0" errors="0" time="1"><testcase classname="a" name="b"/></testsuite></testsuites>'), /tests=2 but 1/);
  assert.throws(() => checkJunitShape('<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="1"><testcase classname="a" name="b"></testsuite></testsuites>'), /closes/);
  assert.throws(() => checkJunitShape('<testsuites><testsuite name="x" tests="1" failures="1" errors="0" time="1"><testcase classname="a" name="b"><failure>no message</failure></testcase></testsuite></testsuites>'), /needs a message/);
});
