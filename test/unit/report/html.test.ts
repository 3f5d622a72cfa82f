/** report.html: self-contained, escaped, and its chart data computed from the report in Node. */
import type { EmulatorStats } from '../../../src/protocol/emulator-stats.js';
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
  const html = renderHtmlReport(sampleReport({ devices: 60, throttle: 2 }));
  assert.match(html, /Chart\.js v4/);
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.equal((html.match(/<script\b/g) ?? []).length, 3);
  for (const chart of ['rate', 'latency', 'latency-time', 'retries', 'activity', 'health']) assert.match(html, new RegExp(`data-chart="${chart}"`), chart);
  // one outcome: a line of text, not a doughnut
  assert.doesNotMatch(html, /data-chart="outcomes"/);
  assert.match(html, /All 60 devices: provisioned\./);
  assert.doesNotMatch(html, /data-chart="rejections"/, 'one kind of rejection: a sentence');
  assert.match(html, /All 120 rejections: RegisterThing 429 ThrottlingException\./);
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

test('the header leaves out a trace sparkline (the rates chart draws the trace)', () => {
  const r = sampleReport({ devices: 30, throttle: 2 });
  r.plan = 'trace model: t.json (600 arrivals) [\u2581\u2583\u2588\u2581]; replayed at 4x';
  assert.equal(buildHtmlView(r).plan, 'trace model: t.json (600 arrivals); replayed at 4x');
});

test('rejection bars: throttling is amber whatever its form (429, a control-plane ThrottlingException 400, a CONNACK refused for rate)', () => {
  const r = sampleReport({ devices: 30, throttle: 2 });
  r.rejections = [
    { api: 'RegisterThing', statusCode: 429, errorCode: 'ThrottlingException', count: 5 },
    { api: 'CreateProvisioningClaim', statusCode: 400, errorCode: 'ThrottlingException', count: 4 },
    { api: 'CreateProvisioningClaim', statusCode: 400, errorCode: 'InvalidRequestException', count: 3 },
    { api: 'RegisterThing', statusCode: 400, errorCode: 'InvalidRequest', count: 2 },
  ];
  const view = buildHtmlView(r);
  assert.deepEqual(view.rejections.map((x) => [x.label, x.throttled]), [
    ['RegisterThing 429 ThrottlingException', true],
    ['CreateProvisioningClaim 400 ThrottlingException', true],
    ['CreateProvisioningClaim 400 InvalidRequestException', false],
    ['RegisterThing 400 InvalidRequest', false],
  ]);
});

test('first screen: throttled share, plateau against the emulator quota, throttled span, provision time, p99, failures', () => {
  const r = sampleReport({ devices: 60, throttle: 2 });
  // the view reads only the emulator's quotas
  r.emulator = { quotas: { RegisterThing: { rate: 10, burst: 10 } } } as Partial<EmulatorStats> as EmulatorStats;
  const view = buildHtmlView(r);
  const card = (id: string) => view.first.cards.find((c) => c.id === id);
  assert.equal(card('throttled-RegisterThing')?.value, '67%');
  assert.equal(card('throttled-RegisterThing')?.sub, '120 of 180 requests answered 429');
  assert.equal(card('plateau')?.value, '10.0/s');
  assert.match(card('plateau')?.sub ?? '', /quota 10\/s \(emulator quota, burst 10\)/);
  assert.equal(card('throttled-span')?.value, 't=0–6 s');
  assert.equal(card('provision-all')?.value, `${r.analysis.lastProvisionedSec} s`);
  assert.equal(card('failures')?.value, 'none');
  assert.equal(card('p99')?.value, `${(r.steps.provision?.p99 ?? 0).toFixed(0)} ms`);
  const rt = view.rates[view.first.focus ?? -1];
  assert.equal(rt?.api, 'RegisterThing');
  assert.deepEqual(rt?.marks.quota, { perSec: 10, source: 'emulator quota, burst 10' });
  assert.deepEqual(rt?.marks.throttled, { fromSec: 0, toSec: 6, accepted: 60, meanPerSec: 10 });
  assert.equal(rt?.marks.tail, undefined, 'throttled to the end: no backoff tail');
  // retries per device as retries: every device retried twice (the sample records attempts = 1 + retries)
  assert.deepEqual(view.retries.labels, ['0', '1', '2']);
  assert.deepEqual(view.retries.values, [0, 0, 60]);
  assert.equal(view.retries.retried, 60);
});

test('a backoff tail is marked and the mean while throttled stands beside the plain mean', () => {
  const r = sampleReport({ devices: 60, throttle: 2 });
  // stretch RegisterThing: after its throttled seconds, one request a second for 10 s, no 429
  for (let t = 6; t < 16; t++) r.series[String(t)] = { 'offered{api=RegisterThing}': 1, 'accepted{api=RegisterThing}': 1 };
  const a = r.analysis.apis.RegisterThing;
  assert.ok(a);
  a.recovery = { firstThrottledSec: 0, lastThrottledSec: 5, drainedSec: 16, durationSec: 16 };
  a.activeSpan = { fromSec: 0, toSec: 16 };
  const view = buildHtmlView(r);
  const rt = view.rates.find((x) => x.api === 'RegisterThing');
  assert.deepEqual(rt?.marks.tail, { fromSec: 6, toSec: 16, accepted: 10, meanPerSec: 1 });
  assert.equal(rt?.marks.throttled?.meanPerSec, 10);
  assert.equal(rt?.totals.meanAcceptedPerSec, 4.375, '70 accepted over 16 s');
  assert.ok(view.first.story.some((s) => /^Backoff tail t=6–16 s \(10 s\): no more 429s/.test(s)));
  assert.ok(view.first.story.some((s) => /^Mean accepted\/s while throttled 10\.00/.test(s)));
  const html = renderHtmlReport(r);
  assert.match(html, /… while throttled/);
});

test('the offered peak is clipped off the axis when it would flatten the plateau, and labelled', () => {
  const r = sampleReport({ devices: 60, throttle: 2 });
  r.series['1'] = { ...r.series['1'], 'offered{api=RegisterThing}': 400 };
  const rt = buildHtmlView(r).rates.find((x) => x.api === 'RegisterThing');
  assert.deepEqual(rt?.marks.clip, { max: 30, peak: 400, atSec: 1, series: 'offered' });
});

test('short runs list their seconds instead of drawing two-point lines', () => {
  const html = renderHtmlReport(sampleReport({ devices: 30 }));
  assert.doesNotMatch(html, /data-chart="(rate|activity|latency-time|health)"/);
  assert.match(html, /<table class="per-second">/);
  assert.equal((html.match(/<tr><td class="num">\d–\d s<\/td>/g) ?? []).length, 3 * 2, 'three seconds, in the rates and the over-time tables');
});

test('the headline says what the exit code will: a failed threshold is not a green "completed"', () => {
  const r = sampleReport({ devices: 10 });
  assert.deepEqual(buildHtmlView(r).headline, { text: 'completed', tone: 'ok' });
  r.thresholds = [{ expression: 'count(failed) == 0', ok: false, actual: 3, detail: 'count(failed) = 3' }];
  assert.deepEqual(buildHtmlView(r).headline, { text: 'completed, 1 threshold failed', tone: 'bad' });
  assert.match(renderHtmlReport(r), /<span class="badge bad" id="headline">completed, 1 threshold failed<\/span>/);
  r.status = 'interrupted';
  r.statusReason = 'interrupted';
  assert.deepEqual(buildHtmlView(r).headline, { text: 'interrupted', tone: 'warn' });
});
