import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitValues, sweepAxis } from '../../../src/orchestrator/sweep.js';
import { formatSweepTable, meetsUntil, parseSweepUntil, renderSweepHtml, sweepConclusion, type SweepReport, type SweepRow } from '../../../src/report/sweep.js';
import { InputError } from '../../../src/util/errors.js';

test('values split on the commas outside brackets and quotes', () => {
  assert.deepEqual(splitValues('5,10,20'), ['5', '10', '20']);
  assert.deepEqual(splitValues('{rate: 5, burst: 1}, {rate: 10, burst: 2}'), ['{rate: 5, burst: 1}', '{rate: 10, burst: 2}']);
  assert.deepEqual(splitValues('"a,b",[1,2]'), ['"a,b"', '[1,2]']);
});

test('the one --set with several values is the axis; the others apply to every run', () => {
  const { axis, fixed } = sweepAxis(['fleet.devices=50', 'emulator.quotas.RegisterThing.rate=5,10']);
  assert.deepEqual(axis, { path: 'emulator.quotas.RegisterThing.rate', values: ['5', '10'] });
  assert.deepEqual(fixed, ['fleet.devices=50']);
  assert.throws(() => sweepAxis(['fleet.devices=50']), (e: unknown) => e instanceof InputError && /--set path=v1,v2/.test(e.message));
  assert.throws(() => sweepAxis(['a=1,2', 'b=3,4']), /only one --set/);
  assert.throws(() => sweepAxis(['a=1,,2']), /empty value/);
});

test('--until: the measures, units and comparators', () => {
  assert.deepEqual(parseSweepUntil('p99(provision) < 10m'), { source: 'p99(provision) < 10m', measure: 'p99', op: '<', value: 600_000 });
  assert.equal(parseSweepUntil('throttled_share <= 5%').value, 0.05);
  assert.equal(parseSweepUntil('time_to_provision_all < 90s').measure, 'provision_all');
  assert.equal(parseSweepUntil('out_of_retries == 0').value, 0);
  assert.throws(() => parseSweepUntil('p99(register_thing) < 1s'), (e: unknown) => e instanceof InputError && e.issues[0]?.path === '--until');
  assert.throws(() => parseSweepUntil('p99(provision) < soon'), /duration/);
});

function row(value: string, o: Partial<SweepRow> = {}): SweepRow {
  return { value, runDir: `r-${value}`, status: 'completed', devices: 10, provisioned: 10, timeToProvisionAllMs: 60_000, provision: { p50: 1000, p90: 5000, p99: 9000, max: 9500 }, throttledShare: 0.2, throttled: 2, offered: 10, outOfRetries: 0, ...o };
}

test('a run meets --until only with every device provisioned and the measure present', () => {
  const u = parseSweepUntil('p99(provision) < 10s');
  assert.equal(meetsUntil(u, row('a')), true);
  assert.equal(meetsUntil(u, row('b', { provision: { p50: 1, p90: 1, p99: 12_000, max: 12_000 } })), false);
  assert.equal(meetsUntil(u, row('c', { provisioned: 9 })), false, 'a p99 over the provisioned only is not an answer');
  assert.equal(meetsUntil(parseSweepUntil('provision_all < 2m'), row('d', { timeToProvisionAllMs: null })), false);
});

test('the table, the conclusion and the page', () => {
  const report: SweepReport = {
    schemaVersion: 1,
    sweepId: 's',
    scenarioFile: '/x/incident.yaml',
    path: 'emulator.quotas.RegisterThing.rate',
    values: ['5', '10'],
    fixed: [],
    devices: 10,
    rows: [row('5', { provisioned: 8, timeToProvisionAllMs: null, outOfRetries: 2, throttledShare: 0.5 }), row('10')],
  };
  const table = formatSweepTable(report);
  assert.match(table, /^emulator.quotas.RegisterThing.rate\s+provisioned\s+all provisioned/);
  assert.match(table, /\n5\s+8\/10\s+not all\s+1.0 s\s+9.0 s\s+50.0%\s+2\n/);
  assert.match(sweepConclusion(report), /rate=10 is the first value that provisioned all 10 devices \(in 1 min 0 s, p99 9.0 s\)/);
  const html = renderSweepHtml(report);
  assert.equal((html.match(/<svg/g) ?? []).length, 1, 'one chart');
  assert.match(html, /<a href="r-10\/report.html">10<\/a>/);
  assert.match(sweepConclusion({ ...report, until: 'p99(provision) < 1s' }), /no value tried meets p99\(provision\) < 1s/);
});
