/**
 * The static HTML of report.html (headings, cards, tables, one <canvas> per chart). Every value
 * that comes from the report goes through `esc`. A chart canvas is emitted only when it has data,
 * so every canvas on the page draws something.
 */
import { REJECTION_MESSAGES_SHOWN } from '../../metrics/snapshot.js';
import type { HtmlView } from './view.js';

type Esc = (s: string) => string;

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const duration = (v: number) => (v >= 120_000 ? `${(v / 60_000).toFixed(1)} min` : `${(v / 1000).toFixed(1)} s`);
const canvas = (chart: string, label: string, esc: Esc, extra = '', tall = false) =>
  `<div class="chart${tall ? ' tall' : ''}"><canvas data-chart="${chart}" ${extra} role="img" aria-label="${esc(label)}"></canvas></div>`;

function header(v: HtmlView, esc: Esc): string {
  return `<header>
<h1>fleetsim · ${esc(v.title)} <span class="badge ${v.headline.tone}" id="headline">${esc(v.headline.text)}</span></h1>
<div class="meta"><span>run ${esc(v.runId)}</span><span>started ${esc(v.startedAt)}</span><span>${esc(duration(v.durationMs))}</span><span>target ${esc(v.target)}</span><span>${esc(v.shard)}</span></div>
<div class="meta">${esc(v.plan)}</div>
</header>`;
}

function summary(v: HtmlView, esc: Esc): string {
  const cards = v.first.cards.map(
    (c) => `<div class="card ${c.tone}" data-card="${esc(c.id)}"><div class="label">${esc(c.label)}</div><div class="value">${esc(c.value)}</div><div class="sub">${esc(c.sub)}</div></div>`,
  );
  const verdict = v.verdict === undefined ? '' : `<p class="verdict">${esc(v.verdict)}</p>`;
  const warnings = v.warnings.length === 0 ? '' : `<ul class="warnings">${v.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  return `<section id="summary">${verdict}<div class="cards">${cards.join('')}</div>${warnings}</section>`;
}

/** The most throttled API's rates, with its quota, throttled span and backoff tail, and what they mean. */
function focus(v: HtmlView, esc: Esc): string {
  const i = v.first.focus;
  const r = i === null ? undefined : v.rates[i];
  if (i === null || r === undefined) return '';
  const body = v.short ? perSecondTable(v, esc, [r.api]) : canvas('rate', `${r.api} requests per second with its quota`, esc, `data-index="${i}" data-focus="1"`, true);
  return `<section id="focus"><h2>${esc(r.api)}: accepted, offered and throttled per second</h2><div class="focus"><div>${body}</div>
<ul class="story">${v.first.story.map((line) => `<li>${esc(line)}</li>`).join('')}</ul></div></section>`;
}

function knee(v: HtmlView, esc: Esc): string {
  const k = v.first.knee;
  if (k === undefined) return '';
  const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
  const groups = k.apis.map((a) => `<th class="num group" colspan="2">${esc(SHORT_API[a] ?? a)}</th>`).join('');
  const sub = k.apis.map(() => '<th class="num">accepted/s</th><th class="num">429 share</th>').join('');
  const rows = k.rows
    .map((r) => {
      const apis = r.apis.map((x) => (x === null ? '<td class="num">—</td><td class="num">—</td>' : `<td class="num">${x.accepted.toFixed(1)}</td><td class="num">${esc(pct(x.share))}</td>`)).join('');
      const cls = r.step === k.kneeStep ? 'knee' : r.passed ? '' : 'fail';
      return `<tr class="${cls}"><td class="num">${r.step}</td><td class="num">${r.rate}</td><td class="num">${r.started.toFixed(1)}</td>${apis}<td class="num">${esc(r.p99Ms === null ? '—' : ms(r.p99Ms))}</td><td class="num">${esc(pct(r.failures))}</td><td>${r.passed ? '<span class="pass">pass</span>' : `<span class="fail">${esc(r.result)}</span>`}${r.step === k.kneeStep ? ' <span class="badge ok">knee</span>' : ''}</td></tr>`;
    })
    .join('');
  return `<section id="knee"><h2>Knee search</h2><p class="hint">One row per step of the arrival rate; a step fails at ${esc(k.stop)}. The knee is the last step that passed.</p>
<table class="knee"><thead><tr><th class="num" rowspan="2">step</th><th class="num" rowspan="2">rate/s</th><th class="num" rowspan="2">started/s</th>${groups}<th class="num" rowspan="2">p99</th><th class="num" rowspan="2">failed</th><th rowspan="2">result</th></tr><tr>${sub}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Per-second figures as a table (short runs: two points make no line). */
const SHORT_API: Record<string, string> = { CreateKeysAndCertificate: 'CreateKeys', CreateCertificateFromCsr: 'CreateFromCsr' };

function perSecondTable(v: HtmlView, esc: Esc, apis?: string[]): string {
  const rates = v.rates.filter((r) => apis === undefined || apis.includes(r.api));
  const withActivity = apis === undefined;
  const rows = v.seconds
    .map((t) => {
      const cells = rates.map((r) => `<td class="num">${r.offered[t] ?? 0}</td><td class="num">${r.accepted[t] ?? 0}</td><td class="num">${r.throttled[t] ?? 0}</td>`).join('');
      const act = withActivity ? `<td class="num">${v.activity.started[t] ?? 0}</td><td class="num">${v.activity.provisioned[t] ?? 0}</td><td class="num">${v.activity.failed[t] ?? 0}</td><td class="num">${v.timeline.inFlight[t] ?? '—'}</td>` : '';
      return `<tr><td class="num">${t}–${t + 1} s</td>${act}${cells}</tr>`;
    })
    .join('');
  const actHead = withActivity ? '<th class="num" rowspan="2">started</th><th class="num" rowspan="2">provisioned</th><th class="num" rowspan="2">failed</th><th class="num" rowspan="2">in flight</th>' : '';
  const apiHead = rates.map((r) => `<th class="num group" colspan="3">${esc(SHORT_API[r.api] ?? r.api)}</th>`).join('');
  const sub = rates.map(() => '<th class="num">sent</th><th class="num">acc.</th><th class="num">429</th>').join('');
  return `<div class="scroll"><table class="per-second"><thead><tr><th class="num" rowspan="2">second</th>${actHead}${apiHead}</tr><tr>${sub}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function checks(v: HtmlView, esc: Esc): string {
  if (v.thresholds.length === 0 && v.expectations.length === 0) {
    return `<section id="checks"><h2>Thresholds and expectations</h2><p class="empty">This scenario states no thresholds or expectations.</p></section>`;
  }
  const mark = (ok: boolean) => `<span class="${ok ? 'pass' : 'fail'}">${ok ? '✓ pass' : '✗ fail'}</span>`;
  const rows: string[] = [];
  for (const t of v.thresholds) {
    rows.push(`<tr class="${t.ok ? '' : 'fail'}"><td>${mark(t.ok)}</td><td>threshold</td><td><code>${esc(t.expression)}</code></td><td class="num">${esc(t.actual === null ? 'no data' : String(t.actual))}</td><td>${esc(t.detail)}</td></tr>`);
  }
  for (const e of v.expectations) {
    rows.push(`<tr class="${e.ok ? '' : 'fail'}"><td>${mark(e.ok)}</td><td>expectation</td><td>${esc(e.name)} <span class="hint">(expected ${esc(e.expected)})</span></td><td class="num">${esc(e.actual === null ? 'no data' : String(e.actual))}</td><td>${esc(e.detail)}</td></tr>`);
  }
  return `<section id="checks"><h2>Thresholds and expectations</h2><p class="hint">Evaluated on the merged results at the end of the run.</p>
<table><thead><tr><th></th><th>kind</th><th>check</th><th class="num">actual</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function comparison(v: HtmlView, esc: Esc): string {
  const c = v.comparison;
  if (c === undefined) return '';
  const fmt = (x: number | null, metric: string) => (x === null ? '—' : metric === 'share' ? `${(x * 100).toFixed(1)}%` : metric === 'accepted/s' ? x.toFixed(2) : x.toFixed(1));
  const rows = c.rows.map(
    (r) =>
      `<tr class="${r.regression ? 'fail' : ''}"><td>${r.regression ? '<span class="fail">regression</span>' : ''}</td><td>${esc(r.subject)}</td><td>${esc(r.metric)}</td><td class="num">${esc(fmt(r.baseline, r.metric))}</td><td class="num">${esc(fmt(r.current, r.metric))}</td><td class="num">${esc(r.deltaPct === null ? (r.note ?? '—') : `${r.deltaPct > 0 ? '+' : ''}${r.deltaPct.toFixed(1)}%`)}</td></tr>`,
  );
  const hasP99 = c.rows.some((r) => r.kind === 'latency' && r.metric === 'p99 ms' && r.baseline !== null && r.current !== null);
  const badge = c.regressions === 0 ? '<span class="badge ok">no regressions</span>' : `<span class="badge bad">${c.regressions} regression${c.regressions === 1 ? '' : 's'}</span>`;
  return `<section id="comparison"><h2>Baseline comparison ${badge}</h2>
<p class="hint">Against run ${esc(c.baseline.runId)} (${esc(c.baseline.source)}); tolerance ${esc(String(c.tolerancePct))}%. Latency regresses when it grows, rates and the provisioned share when they shrink.</p>
${c.warnings.map((w) => `<p class="hint">! ${esc(w)}</p>`).join('')}
${hasP99 ? canvas('comparison', 'p99 per step, baseline and current', esc) : ''}
<table><thead><tr><th></th><th>subject</th><th>metric</th><th class="num">baseline</th><th class="num">current</th><th class="num">delta</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function rates(v: HtmlView, esc: Esc): string {
  const charts = v.rates.map((r, i) => canvas('rate', `${r.api} requests per second`, esc, `data-index="${i}"`)).join('');
  const rate2 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));
  const rows = v.rates
    .map(
      (r) =>
        `<tr><td>${esc(r.api)}</td><td class="num">${r.totals.offered}</td><td class="num">${r.totals.accepted}</td><td class="num">${r.totals.throttled}</td><td class="num">${r.totals.rejected}</td><td class="num">${r.totals.timeout}</td><td class="num">${r.totals.meanAcceptedPerSec.toFixed(2)}</td><td class="num">${rate2(r.marks.throttled?.meanPerSec)}</td><td class="num">${r.marks.quota === undefined ? '—' : esc(`${r.marks.quota.perSec}/s`)}</td></tr>`,
    )
    .join('');
  const analysis =
    v.analysis.length === 0
      ? ''
      : `<h2 style="margin-top:16px">Throttling analysis</h2><table><thead><tr><th>API</th><th>plateau</th><th>onset</th><th>recovery</th></tr></thead><tbody>${v.analysis
          .map((a) => `<tr><td>${esc(a.api)}</td><td>${esc(a.plateau)}</td><td>${esc(a.onset)}</td><td>${esc(a.recovery)}</td></tr>`)
          .join('')}</tbody></table>`;
  const body = v.rates.length === 0 ? '<p class="empty">No requests were recorded.</p>' : v.short ? perSecondTable(v, esc) : `<div class="grid2">${charts}</div>`;
  return `<section id="rates"><h2>Requests per second, per API</h2><p class="hint">Offered (sent, retries included), accepted, throttled (429, or a CONNACK refused for connection rate), other rejections and timeouts, per second since the start; a dashed red line is the API's known quota.${v.arrivals === undefined ? '' : ' The black stepped line is the replayed trace: devices arriving per second, before any retry.'}${v.short ? ' This run has under 5 s of data, so the seconds are listed instead of drawn.' : ''}</p>
${body}
<table><thead><tr><th>API</th><th class="num">offered</th><th class="num">accepted</th><th class="num">throttled</th><th class="num">rejected (other)</th><th class="num">timed out</th><th class="num">mean accepted/s</th><th class="num">… while throttled</th><th class="num">quota</th></tr></thead><tbody>${rows}</tbody></table>
<p class="hint defs"><b>mean accepted/s</b>: accepted ÷ the seconds from the API's first offered request to its last request or completion. <b>while throttled</b>: accepted ÷ the seconds from its first to its last 429; with a backoff tail the plain mean is lower than what the quota allowed.</p>${analysis}</section>`;
}

function overTime(v: HtmlView, esc: Esc): string {
  if (v.short) {
    return `<section id="over-time"><h2>Over time</h2><p class="hint">Under 5 s of data: devices per second, in flight and requests per API, second by second.</p>${perSecondTable(v, esc)}</section>`;
  }
  const lat = v.timeline.steps.length === 0 ? '<p class="empty">This report has no per-second latencies (written by an older fleetsim).</p>' : canvas('latency-time', 'latency p50 and p99 per second per step', esc);
  return `<section id="over-time"><h2>Over time</h2><div class="grid2">
<div><h3>Latency per second</h3><p class="hint">p99 (solid) and p50 (dashed) of the steps that completed in each second, ms on a log scale; click a legend entry to show or hide it.</p>${lat}</div>
<div><h3>Devices per second</h3><p class="hint">Flows started, provisioned and failed each second; devices in flight (right axis).</p>${canvas('activity', 'devices started, provisioned, failed per second and in flight', esc)}</div>
</div></section>`;
}

function latency(v: HtmlView, esc: Esc): string {
  const rows = v.stepsTable
    .map((s) => `<tr><td>${esc(s.step)}</td><td class="num">${s.count}</td><td class="num">${esc(ms(s.p50))}</td><td class="num">${esc(ms(s.p90))}</td><td class="num">${esc(ms(s.p99))}</td><td class="num">${esc(ms(s.max))}</td></tr>`)
    .join('');
  return `<section id="latency"><h2>Latency distribution per step</h2><p class="hint">From the HDR histograms: the value at each percentile, in ms on a log scale. <code>provision</code> is the whole flow from the intended start.</p>
${v.latency.steps.length === 0 ? '<p class="empty">No latencies were recorded.</p>' : canvas('latency', 'latency percentile distribution per step', esc, '', true)}
<table><thead><tr><th>step</th><th class="num">count</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function outcomes(v: HtmlView, esc: Esc): string {
  const perFlow = v.retries.requestsPerFlow === null ? '' : ` One flow makes ${v.retries.requestsPerFlow} requests without retries.`;
  // a chart with one bar or one slice says nothing a sentence does not: those collapse to a line of text
  const lines: string[] = [];
  const cells: string[] = [];
  if (v.outcomes.values.length === 0) lines.push('No device has an outcome.');
  else if (v.outcomes.values.length === 1) lines.push(`All ${v.outcomes.values[0]} devices: ${v.outcomes.labels[0] ?? ''}.`);
  else cells.push(`<div><h2>Outcomes</h2><p class="hint">Every device ends provisioned, failed (with its reason) or dropped.</p>${canvas('outcomes', 'device outcomes', esc)}</div>`);
  if (v.rejections.length === 0) lines.push('No request was rejected.');
  else if (v.rejections.length === 1) lines.push(`All ${v.rejections[0]?.count} rejections: ${v.rejections[0]?.label}.`);
  else cells.push(`<div><h2>Rejections by API and code</h2><p class="hint">statusCode and errorCode as the target sent them; throttling (429, a ThrottlingException, a CONNACK refused for rate) in amber.</p>${canvas('rejections', 'rejections by API and code', esc)}</div>`);
  if (v.retries.labels.length === 0) lines.push('This report does not record retries per device.');
  else if (v.retries.retried === 0) lines.push(`No device needed a retry.${perFlow}`);
  else cells.push(`<div><h2>Retries per device</h2><p class="hint">How many retries each device needed (step retries and flow restarts).${esc(perFlow)}</p>${canvas('retries', 'retries per device', esc)}</div>`);
  const text = lines.length === 0 ? '' : `<ul class="oneline">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
  return `<section id="outcomes"><h2>Outcomes, rejections and retries</h2>${text}${cells.length === 0 ? '' : `<div class="grid2">${cells.join('')}</div>`}${rejectionMessages(v, esc)}</section>`;
}

/** The target's errorMessage per distinct text under each rejection code (report.json's rejections[].messages). */
function rejectionMessages(v: HtmlView, esc: Esc): string {
  const rows = v.rejections.flatMap((r) => {
    if (r.messages.length === 0) return [];
    const cells = r.messages.map((m) => `<tr><td>${esc(r.label)}</td><td class="num">${m.count}</td><td>${esc(m.message)}</td></tr>`);
    if (r.otherMessages > 0) cells.push(`<tr><td>${esc(r.label)}</td><td class="num">${r.otherMessages}</td><td><em>other messages</em></td></tr>`);
    return cells;
  });
  if (rows.length === 0) return '';
  return `<div id="rejection-messages"><h3>Rejection messages</h3><p class="hint">The errorMessage the target sent, per distinct text (the ${REJECTION_MESSAGES_SHOWN} most frequent per code; the rest as other messages).</p>
<table><thead><tr><th>API and code</th><th class="num">count</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function health(v: HtmlView, esc: Esc): string {
  if (v.short) return '';
  const badge = v.health.saturated ? ' <span class="badge bad">saturated</span>' : ' <span class="badge ok">healthy</span>';
  return `<section id="generator"><h2>Generator health${badge}</h2><p class="hint">${esc(v.health.summary)}. High event-loop delay or late starts mean the load generator, not the target, shaped the results.</p>
${canvas('health', 'generator event-loop delay and late starts per second', esc)}</section>`;
}

function shards(v: HtmlView, esc: Esc): string {
  if (v.merged === undefined) return '';
  const rows = v.merged.shards
    .map((s) => `<tr><td>${s.index}/${s.count}</td><td>${esc(s.runId)}</td><td class="num">${s.devices}</td><td class="num">${s.workers}</td><td>${esc(s.status)}</td><td class="num">${esc(duration(s.durationMs))}</td><td>${esc(s.target)}</td></tr>`)
    .join('');
  return `<section id="shards"><h2>Shards</h2><p class="hint">This report was merged from ${v.merged.shards.length} shards; each shard's t=0 is aligned.</p>
<table><thead><tr><th>shard</th><th>run</th><th class="num">devices</th><th class="num">workers</th><th>status</th><th class="num">duration</th><th>target</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function renderBody(v: HtmlView, esc: Esc): string {
  return [
    header(v, esc),
    '<main>',
    summary(v, esc),
    ...(v.first.knee === undefined ? [focus(v, esc), knee(v, esc)] : [knee(v, esc), focus(v, esc)]),
    shards(v, esc),
    checks(v, esc),
    comparison(v, esc),
    rates(v, esc),
    overTime(v, esc),
    health(v, esc),
    latency(v, esc),
    outcomes(v, esc),
    `<section id="scenario"><h2>Scenario</h2><p class="hint">As resolved for this run (secrets redacted).</p><pre>${esc(v.scenarioYaml)}</pre></section>`,
    '</main>',
    `<footer>fleetsim report · schema 1 · open offline; no data leaves this file</footer>`,
  ].join('\n');
}
