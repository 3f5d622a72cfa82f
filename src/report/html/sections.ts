/**
 * The static HTML of report.html (headings, cards, tables, one <canvas> per chart). Every value
 * that comes from the report goes through `esc`. A chart canvas is emitted only when it has data,
 * so every canvas on the page draws something.
 */
import type { HtmlView } from './view.js';

type Esc = (s: string) => string;

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const duration = (v: number) => (v >= 120_000 ? `${(v / 60_000).toFixed(1)} min` : `${(v / 1000).toFixed(1)} s`);
const canvas = (chart: string, label: string, esc: Esc, extra = '', tall = false) =>
  `<div class="chart${tall ? ' tall' : ''}"><canvas data-chart="${chart}" ${extra} role="img" aria-label="${esc(label)}"></canvas></div>`;

function header(v: HtmlView, esc: Esc): string {
  const cls = v.status === 'completed' ? 'ok' : v.status === 'failed' ? 'bad' : 'warn';
  return `<header>
<h1>fleetsim · ${esc(v.title)} <span class="badge ${cls}">${esc(v.status)}${v.statusReason === undefined ? '' : ` (${esc(v.statusReason)})`}</span></h1>
<div class="meta"><span>run ${esc(v.runId)}</span><span>started ${esc(v.startedAt)}</span><span>${esc(duration(v.durationMs))}</span><span>target ${esc(v.target)}</span><span>${esc(v.shard)}</span></div>
<div class="meta">${esc(v.plan)}</div>
</header>`;
}

function summary(v: HtmlView, esc: Esc): string {
  const provision = v.stepsTable.find((s) => s.step === 'provision');
  const card = (label: string, value: string, cls = '') => `<div class="card ${cls}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div></div>`;
  const checks = [...v.thresholds.map((t) => t.ok), ...v.expectations.map((e) => e.ok)];
  const failedChecks = checks.filter((ok) => !ok).length;
  const cards = [
    card('devices', String(v.devices)),
    card('provisioned', String(v.outcomes.provisioned), v.outcomes.provisioned === v.devices ? 'ok' : ''),
    card('failed', String(v.outcomes.failed), v.outcomes.failed > 0 ? 'bad' : ''),
    card('dropped', String(v.outcomes.dropped), v.outcomes.dropped > 0 ? 'warn' : ''),
    card('provision p50', provision === undefined ? '—' : ms(provision.p50)),
    card('provision p99', provision === undefined ? '—' : ms(provision.p99)),
    card('duration', duration(v.durationMs)),
  ];
  if (checks.length > 0) cards.push(card('checks', failedChecks === 0 ? `${checks.length} passed` : `${failedChecks} failed`, failedChecks === 0 ? 'ok' : 'bad'));
  const verdict = v.verdict === undefined ? '' : `<p class="verdict">${esc(v.verdict)}</p>`;
  const warnings = v.warnings.length === 0 ? '' : `<ul class="warnings">${v.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  return `<section id="summary"><h2>Summary</h2><div class="cards">${cards.join('')}</div>${verdict}${warnings}</section>`;
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
  const rows = v.rates
    .map(
      (r) =>
        `<tr><td>${esc(r.api)}</td><td class="num">${r.totals.offered}</td><td class="num">${r.totals.accepted}</td><td class="num">${r.totals.throttled}</td><td class="num">${r.totals.rejected}</td><td class="num">${r.totals.timeout}</td><td class="num">${r.totals.meanAcceptedPerSec.toFixed(2)}</td></tr>`,
    )
    .join('');
  const analysis =
    v.analysis.length === 0
      ? ''
      : `<h2 style="margin-top:16px">Throttling analysis</h2><table><thead><tr><th>API</th><th>plateau</th><th>onset</th><th>recovery</th></tr></thead><tbody>${v.analysis
          .map((a) => `<tr><td>${esc(a.api)}</td><td>${esc(a.plateau)}</td><td>${esc(a.onset)}</td><td>${esc(a.recovery)}</td></tr>`)
          .join('')}</tbody></table>`;
  return `<section id="rates"><h2>Requests per second, per API</h2><p class="hint">Offered (sent), accepted, throttled (429, or a CONNACK refused for connection rate), other rejections and timeouts, per second since the start. Mean accepted/s: accepted over the seconds from the API's first offered request to its last request or completion.</p>
${v.rates.length === 0 ? '<p class="empty">No requests were recorded.</p>' : `<div class="grid2">${charts}</div>`}
<table><thead><tr><th>API</th><th class="num">offered</th><th class="num">accepted</th><th class="num">throttled</th><th class="num">rejected (other)</th><th class="num">timed out</th><th class="num">mean accepted/s</th></tr></thead><tbody>${rows}</tbody></table>${analysis}</section>`;
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
  const rej = v.rejections.length === 0 ? '<p class="empty">No request was rejected.</p>' : canvas('rejections', 'rejections by API and code', esc);
  const att = v.attempts.labels.length === 0 ? '<p class="empty">No attempts recorded.</p>' : canvas('attempts', 'attempts per device', esc);
  return `<section id="outcomes"><div class="grid2">
<div><h2>Outcomes</h2><p class="hint">Every device ends provisioned, failed (with its reason) or dropped.</p>${v.outcomes.values.length === 0 ? '<p class="empty">No outcomes.</p>' : canvas('outcomes', 'device outcomes', esc)}</div>
<div><h2>Rejections by API and code</h2><p class="hint">statusCode and errorCode as the target sent them; 429 in amber.</p>${rej}</div>
<div><h2>Attempts per device</h2><p class="hint">How many attempts the devices needed (retries included).</p>${att}</div>
<div><h2>Devices per second</h2><p class="hint">Flows started and finished each second.</p>${v.seconds.length === 0 ? '' : canvas('activity', 'devices started and finished per second', esc)}</div>
</div></section>`;
}

function health(v: HtmlView, esc: Esc): string {
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
    checks(v, esc),
    comparison(v, esc),
    rates(v, esc),
    latency(v, esc),
    outcomes(v, esc),
    health(v, esc),
    shards(v, esc),
    `<section id="scenario"><h2>Scenario</h2><p class="hint">As resolved for this run (secrets redacted).</p><pre>${esc(v.scenarioYaml)}</pre></section>`,
    '</main>',
    `<footer>fleetsim report · schema 1 · open offline; no data leaves this file</footer>`,
  ].join('\n');
}
