/** report.html: self-contained, escaped, and its chart data computed from the report in Node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { embedJson, renderHtmlReport } from '../../../src/report/html.js';
import { buildHtmlView, DISTRIBUTION_PERCENTILES } from '../../../src/report/html/view.js';
import { sampleReport } from './sample-run.js';

const EVIL = '</script><script>alert(1)</script><!--';

function embeddedView(html: string): unknown {
  const m = /<script type="application\/json" id="fleetsim-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'embedded data');
  return JSON.parse(m[1] as string);
}

test('the page is one file: Chart.js inlined, no external resource, a CSP that forbids fetching', () => {
  const html = renderHtmlReport(sampleReport({ devices: 30, throttle: 2 }));
  assert.match(html, /Chart\.js v4/);
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.equal((html.match(/<script\b/g) ?? []).length, 3);
  for (const chart of ['rate', 'latency', 'outcomes', 'rejections', 'attempts', 'activity', 'health']) assert.match(html, new RegExp(`data-chart="${chart}"`), chart);
});

test('report text cannot break out of the page: names, thresholds and codes are escaped', () => {
  const r = sampleReport({ devices: 10, throttle: 1 });
  r.scenario = { ...r.scenario, name: EVIL };
  r.thresholds = [{ expression: `p99(x) < 1s ${EVIL}`, ok: false, actual: 2, detail: EVIL }];
  r.rejections = [{ api: 'RegisterThing', statusCode: 429, errorCode: EVIL, count: 1 }];
  r.warnings = [EVIL];
  const html = renderHtmlReport(r);
  assert.equal((html.match(/<script\b/g) ?? []).length, 3, 'no injected script element');
  assert.equal(html.includes('<script>alert(1)'), false);
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
  const view = embeddedView(html) as { title: string; rejections: Array<{ errorCode: string }> };
  assert.equal(view.title, EVIL, 'the embedded JSON round-trips');
  assert.equal(view.rejections[0]?.errorCode, EVIL);
  assert.equal(embedJson({ a: '</script>\u2028' }), '{"a":"\\u003c/script\\u003e\\u2028"}');
});

test('the latency distribution is decoded in Node from the HDR histograms', () => {
  const r = sampleReport({ devices: 40 });
  const view = buildHtmlView(r);
  const rt = view.latency.steps.find((s) => s.step === 'register_thing');
  assert.ok(rt);
  assert.equal(rt.count, 40);
  assert.equal(rt.valuesMs.length, DISTRIBUTION_PERCENTILES.length);
  const h = LatencyHistogram.decode(r.steps.register_thing?.histogram as string);
  assert.equal(rt.valuesMs[DISTRIBUTION_PERCENTILES.indexOf(99)], Math.round(h.percentileMs(99) * 1000) / 1000);
  for (let i = 1; i < rt.valuesMs.length; i++) assert.ok((rt.valuesMs[i] as number) >= (rt.valuesMs[i - 1] as number), 'non-decreasing');
  assert.ok(Math.abs((rt.valuesMs.at(-1) as number) - 48) < 0.1, 'max is the slowest device (30 + 6×3 ms)');
  h.destroy();
});

test('per-second rates per API: throttled is rejected with 429, seconds line up', () => {
  const view = buildHtmlView(sampleReport({ devices: 30, throttle: 2 }));
  const rt = view.rates.find((a) => a.api === 'RegisterThing');
  assert.deepEqual(rt?.accepted, [10, 10, 10]);
  assert.deepEqual(rt?.throttled, [20, 20, 20]);
  assert.deepEqual(rt?.offered, [30, 30, 30]);
  assert.equal(rt?.totals.meanAcceptedPerSec, 10);
  assert.deepEqual(view.seconds, [0, 1, 2]);
  assert.deepEqual(view.rejections.map((x) => [x.label, x.count]), [['RegisterThing 429 ThrottlingException', 60]]);
  assert.deepEqual(view.attempts, { labels: ['3'], values: [30] });
  assert.deepEqual(view.outcomes.labels, ['provisioned']);
});
