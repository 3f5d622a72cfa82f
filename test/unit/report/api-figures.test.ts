/**
 * The per-API figures have one definition (analysis/api-series.ts): the HTML rates table and
 * charts, `report compare` and report.json's analysis must show the same numbers for the same
 * run, including throttled CONNECTs, 429s, other rejections, timeouts and the span of mean
 * accepted/s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeSpan, buildApiSeries, meanAcceptedPerSec } from '../../../src/analysis/api-series.js';
import type { RunReport } from '../../../src/report/types.js';
import { compareReports, formatComparison } from '../../../src/report/compare.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import { buildHtmlView } from '../../../src/report/html/view.js';
import { emptySnapshot } from '../../../src/metrics/snapshot.js';
import type { RunEvent } from '../../../src/report/events.js';
import { put, type Series } from '../analysis/synthetic.js';
import { foldReport, sampleEvents } from './sample-run.js';

/** A report folded by the real RunState + buildReport whose counters are exactly `series`. */
function reportOf(series: Series, devices = 10): RunReport {
  const events = sampleEvents({ devices });
  const progress = events.find((e) => e.type === 'progress');
  assert.ok(progress !== undefined && progress.type === 'progress');
  const snapshot = { ...emptySnapshot(), series, outcomes: { provisioned: devices, failed: {}, dropped: {} } };
  const rest = events.filter((e) => e.type !== 'progress');
  const one: RunEvent = { ...progress, snapshot };
  return foldReport([rest[0] as RunEvent, one, ...rest.slice(1)]);
}

type Row = [t: number, name: string, api: string | undefined, n: number, status?: string, code?: string];

function seriesOf(rows: Row[]): Series {
  const s: Series = {};
  for (const [t, name, api, n, status, code] of rows) put(s, t, name, api === undefined ? undefined : { api, ...(status === undefined ? {} : { status, code: code ?? '' }) }, n);
  return s;
}

/** Connects refused for rate (MQTT 5 0x9F = 159, MQTT 3.1.1 3) and for another reason, 429s, timeouts. */
const MIXED: Row[] = [
  [0, 'offered', 'Connect', 10],
  [0, 'accepted', 'Connect', 6],
  [0, 'rejected', 'Connect', 3, '159', 'connect-refused'],
  [1, 'rejected', 'Connect', 1, '3', 'connect-refused'],
  [1, 'offered', 'Connect', 4],
  [1, 'accepted', 'Connect', 3],
  [1, 'rejected', 'Connect', 1, '135', 'connect-refused'], // 0x87 not authorized
  [0, 'offered', 'RegisterThing', 20],
  [0, 'accepted', 'RegisterThing', 5],
  [0, 'rejected', 'RegisterThing', 12, '429', 'ThrottlingException'],
  [0, 'rejected', 'RegisterThing', 1, '403', 'AccessDenied'],
  [1, 'offered', 'RegisterThing', 12],
  [1, 'accepted', 'RegisterThing', 5],
  [1, 'rejected', 'RegisterThing', 5, '429', 'ThrottlingException'],
  [3, 'accepted', 'RegisterThing', 1],
  [4, 'timeout', 'RegisterThing', 1],
  [6, 'started', undefined, 1], // the series runs past the APIs' last second
];

test('the HTML rates, report compare and the analysis give identical per-API figures', () => {
  const r = reportOf(seriesOf(MIXED));
  const view = buildHtmlView(r);
  const compare = compareReports(r, structuredClone(r));
  assert.deepEqual(
    view.rates.map((x) => x.api),
    ['Connect', 'RegisterThing'],
  );
  for (const rate of view.rates) {
    const a = r.analysis.apis[rate.api];
    assert.ok(a !== undefined, rate.api);
    const rejectedAll = Object.values(a.rejected).reduce((x, y) => x + y, 0);
    assert.deepEqual(rate.totals, {
      offered: a.offered,
      accepted: a.accepted,
      throttled: a.throttled,
      rejected: rejectedAll - a.throttled,
      timeout: a.timedOut,
      meanAcceptedPerSec: a.meanAcceptedPerSec,
    });
    // per second too, second by second (the HTML arrays are padded past the API's last second)
    for (const s of a.perSecond) {
      assert.equal(rate.offered[s.t], s.offered);
      assert.equal(rate.accepted[s.t], s.accepted);
      assert.equal(rate.throttled[s.t], s.throttled);
      assert.equal(rate.rejected[s.t], s.rejected - s.throttled);
      assert.equal(rate.timeout[s.t], s.timedOut);
    }
    const row = compare.rows.find((x) => x.kind === 'rate' && x.subject === rate.api);
    assert.equal(row?.baseline, a.meanAcceptedPerSec, `${rate.api}: compare = analysis`);
    assert.equal(view.analysis.find((x) => x.api === rate.api)?.meanAccepted, `${rate.totals.meanAcceptedPerSec.toFixed(2)}/s`);
  }
  // and the figures themselves: a CONNACK refused for rate is throttled, not "rejected"
  const connect = view.rates[0];
  const reg = view.rates[1];
  assert.deepEqual([connect?.totals.throttled, connect?.totals.rejected], [4, 1]);
  assert.deepEqual(connect?.throttled.slice(0, 2), [3, 1]);
  assert.deepEqual([reg?.totals.throttled, reg?.totals.rejected, reg?.totals.timeout], [17, 1, 1]);
  assert.equal(view.seconds.length, 7);
  assert.equal(reg?.timeout.length, 7);
  // Connect: 9 accepted over seconds 0-1; RegisterThing: 11 accepted from t=0 to the end of t=4 (the last timeout)
  assert.equal(connect?.totals.meanAcceptedPerSec, 4.5);
  assert.equal(reg?.totals.meanAcceptedPerSec, 2.2);
  assert.deepEqual(r.analysis.apis.RegisterThing?.activeSpan, { fromSec: 0, toSec: 5 });
  // the verdict names the throttled connects too
  assert.match(r.analysis.verdict, /^Connect was throttled/);
  // what the user reads: the same number in the HTML table and the compare text
  assert.match(renderHtmlReport(r), /<td>RegisterThing<\/td><td class="num">32<\/td><td class="num">11<\/td><td class="num">17<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">2\.20<\/td>/);
  assert.match(formatComparison(compare), /RegisterThing\s+accepted\/s\s+2\.20\s+2\.20/);
});

test('mean accepted/s spans the first offered request to the last second with an offer or a completion', () => {
  const s = seriesOf([
    [0, 'offered', 'Connect', 1], // another API: its seconds do not widen RegisterThing's span
    [0, 'accepted', 'Connect', 1],
    [2, 'offered', 'RegisterThing', 8],
    [3, 'offered', 'RegisterThing', 6],
    [4, 'accepted', 'RegisterThing', 12],
    [5, 'accepted', 'RegisterThing', 2],
    [6, 'rejected', 'RegisterThing', 1, '500', 'InternalFailure'],
    [8, 'timeout', 'RegisterThing', 1],
    [12, 'started', undefined, 1],
  ]);
  const reg = buildApiSeries(s).find((a) => a.api === 'RegisterThing');
  assert.ok(reg !== undefined);
  // from the start of t=2 to the end of t=8: 7 s, though the last offer was at t=3 and the last accept at t=5
  assert.deepEqual(activeSpan(reg.seconds), { fromSec: 2, toSec: 9 });
  assert.equal(meanAcceptedPerSec(reg), 2);
  const r = reportOf(s);
  assert.equal(r.analysis.apis.RegisterThing?.meanAcceptedPerSec, 2);
  assert.equal(buildHtmlView(r).rates.find((a) => a.api === 'RegisterThing')?.totals.meanAcceptedPerSec, 2);
  assert.equal(compareReports(r, r).rows.find((x) => x.subject === 'RegisterThing')?.current, 2);
  // an API with completions but no offered request in the series has no span and a mean of 0
  const [vp] = buildApiSeries(seriesOf([[1, 'accepted', 'VerifyPublish', 3]]));
  assert.equal(activeSpan(vp?.seconds ?? []), undefined);
  assert.equal(vp === undefined ? -1 : meanAcceptedPerSec(vp), 0);
});
