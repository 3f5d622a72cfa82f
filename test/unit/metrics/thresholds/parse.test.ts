import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseThreshold, ThresholdParseError } from '../../../../src/metrics/threshold-parse.js';

test('parses each function, metric, label list, comparator and unit', () => {
  const p = parseThreshold('p99(register_thing) < 2s');
  assert.deepEqual(
    { fn: p.fn, percentile: p.percentile, metric: p.metric, op: p.op, value: p.value, filters: p.filters },
    { fn: 'percentile', percentile: 99, metric: 'register_thing', op: '<', value: 2000, filters: {} },
  );
  assert.equal(parseThreshold('p99.9(provision) <= 800ms').percentile, 99.9);
  assert.equal(parseThreshold('p50(provision) <= 800ms').value, 800);
  assert.equal(parseThreshold('med(provision) < 1m').value, 60_000);
  assert.equal(parseThreshold('med(provision) < 1m').percentile, 50);
  assert.equal(parseThreshold('avg(connect) > 5').value, 5, 'a bare number is milliseconds');
  assert.equal(parseThreshold('mean(connect) > 5').fn, 'avg');
  const r = parseThreshold('ratio(rejected{api=RegisterThing,status=429}) < 0.05');
  assert.deepEqual(r.filters, { api: 'RegisterThing', status: '429' });
  assert.equal(r.value, 0.05);
  assert.equal(parseThreshold('ratio(provisioned) > 99%').value, 0.99);
  assert.equal(parseThreshold('rate(accepted{api=RegisterThing}) >= 9/s').value, 9);
  assert.equal(parseThreshold('rate(provisioned) >= 120/m').value, 2);
  assert.equal(parseThreshold('count(failed) == 0').op, '==');
  assert.equal(parseThreshold('  count( failed { reason = "register_thing: rejected 403" } )!=3 ').filters.reason, 'register_thing: rejected 403');
  for (const op of ['<', '<=', '>', '>=', '==', '!=']) assert.equal(parseThreshold(`count(failed) ${op} 1`).op, op);
});

function parseError(expr: string): ThresholdParseError {
  try {
    parseThreshold(expr);
  } catch (err) {
    assert.ok(err instanceof ThresholdParseError, String(err));
    return err;
  }
  assert.fail(`"${expr}" parsed`);
}

test('a parse error names the expression and the 1-based column of the problem', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['p99(register_thing) < 2x', 24, /use ms, s, m or h, not "x"/],
    ['p99(register_thing) 2s', 21, /expected a comparison/],
    ['p99(registr_thing) < 2s', 5, /needs a latency metric/],
    ['p99 register_thing < 2s', 5, /expected "\(" after p99/],
    ['q99(provision) < 1s', 1, /unknown function "q99"/],
    ['count(failures) == 0', 7, /unknown metric "failures"/],
    ['count(rejected{api=X,zone=1}) == 0', 15, /label "zone" does not apply to rejected/],
    ['count(failed{api=X}) == 0', 13, /label "api" does not apply to failed/],
    ['ratio(rejected{api=X) < 0.1', 21, /expected "," or "}"/],
    ['ratio(failed) < 5', 17, /between 0 and 1/],
    ['ratio(failed) < 5ms', 18, /fraction/],
    ['rate(accepted) > 9s', 19, /use \/s, \/m or \/h/],
    ['count(failed) == 0 extra', 20, /unexpected "extra"/],
    ['count(failed) ==', 17, /expected a number, found the end/],
    ['p99(provision{api=X}) < 1s', 14, /takes no labels/],
    ['ratio(offered) < 0.5', 7, /ratio\(\) applies to/],
    ['', 1, /empty/],
  ];
  for (const [expr, column, reason] of cases) {
    const e = parseError(expr);
    assert.equal(e.column, column, `${expr}: column (${e.message})`);
    assert.match(e.message, reason, expr);
    assert.ok(e.message.includes(`"${expr.trim()}"`), 'the message quotes the expression');
    assert.match(e.message, new RegExp(`at column ${column}$`));
  }
});
