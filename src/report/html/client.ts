/**
 * The script inside report.html. It reads the embedded view (html/view.ts) and draws one Chart.js
 * chart per <canvas data-chart="…">; all numbers were computed in Node. Plain ES2017 in a string:
 * no backticks or template placeholders inside.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var view = JSON.parse(document.getElementById('fleetsim-data').textContent);
  var COLORS = { offered: '#64748b', accepted: '#16a34a', throttled: '#f59e0b', rejected: '#dc2626', timeout: '#7c3aed',
    started: '#2563eb', provisioned: '#16a34a', failed: '#dc2626', dropped: '#f59e0b' };
  var PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.font.size = 12;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  // shades the throttled span and the backoff tail of a rate chart, and marks a clipped peak
  var marksPlugin = {
    id: 'fleetsimMarks',
    beforeDatasetsDraw: function (chart, args, opts) {
      if (!opts || (!opts.throttled && !opts.tail)) return;
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      function band(sp, fill, text) {
        if (!sp) return;
        var x0 = x.getPixelForValue(sp.fromSec), x1 = x.getPixelForValue(Math.min(sp.toSec, view.seconds.length - 1));
        ctx.save();
        ctx.fillStyle = fill;
        ctx.fillRect(x0, area.top, Math.max(1, x1 - x0), area.bottom - area.top);
        ctx.fillStyle = '#475569';
        ctx.font = '600 11px system-ui, sans-serif';
        ctx.fillText(text, x0 + 4, area.top + 12);
        ctx.restore();
      }
      band(opts.throttled, 'rgba(245, 158, 11, 0.13)', 'throttled');
      band(opts.tail, 'rgba(100, 116, 139, 0.10)', 'backoff tail: no 429s');
    },
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || !opts.clip) return;
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      var px = x.getPixelForValue(opts.clip.atSec);
      ctx.save();
      ctx.fillStyle = '#0f172a';
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.textAlign = px > area.right - 140 ? 'right' : 'left';
      ctx.fillText('\u25B2 ' + opts.clip.series + ' ' + opts.clip.peak + '/s (off scale)', px + (ctx.textAlign === 'left' ? 4 : -4), area.top + 26);
      ctx.restore();
    }
  };
  Chart.register(marksPlugin);

  function sum(xs) { var n = 0; for (var i = 0; i < xs.length; i++) n += xs[i]; return n; }
  function line(label, data, color, extra) {
    var d = { label: label, data: data, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: data.length > 60 ? 0 : 2, tension: 0 };
    if (extra) for (var k in extra) d[k] = extra[k];
    return d;
  }
  function seconds(title) {
    return { title: { display: true, text: title || 'seconds since start' }, ticks: { maxTicksLimit: 12 } };
  }
  function perSecondAxis(title) {
    return { beginAtZero: true, title: { display: true, text: title }, ticks: { precision: 0 } };
  }

  var builders = {
    activity: function () {
      var a = view.activity;
      var sets = [line('started', a.started, COLORS.started), line('provisioned', a.provisioned, COLORS.provisioned)];
      if (sum(a.failed) > 0) sets.push(line('failed', a.failed, COLORS.failed));
      if (sum(a.dropped) > 0) sets.push(line('dropped', a.dropped, COLORS.dropped));
      if (sum(view.timeline.inFlight) > 0) sets.push(line('in flight', view.timeline.inFlight, '#94a3b8', { yAxisID: 'inflight', borderDash: [2, 2], pointRadius: 0, spanGaps: true }));
      return { type: 'line', data: { labels: view.seconds, datasets: sets },
        options: { scales: { x: seconds(), y: perSecondAxis('devices / s'),
          inflight: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'in flight' }, ticks: { precision: 0 } } } } };
    },
    rate: function (canvas) {
      var r = view.rates[Number(canvas.getAttribute('data-index'))];
      var m = r.marks;
      var sets = [line('accepted', r.accepted, COLORS.accepted, { borderWidth: 3 }), line('offered', r.offered, COLORS.offered, { borderDash: [4, 3] })];
      if (r.totals.throttled > 0) sets.push(line('throttled (429)', r.throttled, COLORS.throttled));
      if (r.totals.rejected > 0) sets.push(line('rejected (other)', r.rejected, COLORS.rejected));
      if (r.totals.timeout > 0) sets.push(line('timed out', r.timeout, COLORS.timeout));
      // a replayed trace: its arrivals per second, what the fleet asked for before any retry
      if (view.arrivals) sets.push(line('trace arrivals (devices / s)', view.arrivals, '#0f172a', { borderWidth: 1.5, pointRadius: 0, stepped: true, fill: false }));
      var top = Math.max.apply(null, [1].concat(r.offered, r.accepted, r.throttled));
      var quotaOff = m.quota && m.quota.perSec > top * 2;
      if (m.quota && !quotaOff) {
        sets.push(line('quota ' + m.quota.perSec + '/s', view.seconds.map(function () { return m.quota.perSec; }), '#dc2626',
          { borderDash: [8, 4], borderWidth: 2, pointRadius: 0, tension: 0, fleetsimQuota: true }));
      }
      var y = perSecondAxis('requests / s');
      if (m.clip) { y.max = m.clip.max; }
      var title = r.api + (quotaOff ? '  (quota ' + m.quota.perSec + '/s, far above this run)' : '') + (m.clip ? '  (axis clipped at ' + m.clip.max + '/s; ' + m.clip.series + ' peaked at ' + m.clip.peak + '/s at t=' + m.clip.atSec + ' s)' : '');
      return { type: 'line', data: { labels: view.seconds, datasets: sets },
        options: { plugins: { title: { display: true, text: title }, fleetsimMarks: m }, scales: { x: seconds(), y: y } } };
    },
    'latency-time': function () {
      var sets = [];
      view.timeline.steps.forEach(function (s, i) {
        var c = s.step === 'provision' ? '#0f172a' : PALETTE[i % PALETTE.length];
        var main = s.step === 'provision' || s.step === 'register_thing';
        sets.push(line(s.step + ' p99', s.p99, c, { spanGaps: true, pointRadius: 0, hidden: !main }));
        sets.push(line(s.step + ' p50', s.p50, c, { spanGaps: true, pointRadius: 0, borderDash: [4, 3], borderWidth: 1.5, hidden: !main }));
      });
      return { type: 'line', data: { labels: view.seconds, datasets: sets },
        options: { plugins: { legend: { labels: { boxWidth: 10, font: { size: 11 } } } },
          scales: { x: seconds(), y: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)' } } } } };
    },
    retries: function () {
      return { type: 'bar', data: { labels: view.retries.labels, datasets: [{ label: 'devices', data: view.retries.values, backgroundColor: '#2563eb' }] },
        options: { plugins: { legend: { display: false } },
          scales: { x: { title: { display: true, text: 'retries per device' } }, y: perSecondAxis('devices') } } };
    },
    latency: function () {
      var sets = view.latency.steps.map(function (s, i) {
        return line(s.step + ' (' + s.count + ')', s.valuesMs.map(function (v) { return Math.max(v, 0.001); }), PALETTE[i % PALETTE.length]);
      });
      return { type: 'line', data: { labels: view.latency.percentiles, datasets: sets },
        options: { scales: { x: { title: { display: true, text: 'percentile' } }, y: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)' } } } } };
    },
    outcomes: function () {
      var o = view.outcomes;
      var shade = { provisioned: ['#16a34a'], failed: ['#dc2626', '#b91c1c', '#f87171', '#7f1d1d'], dropped: ['#f59e0b', '#d97706', '#fcd34d', '#92400e'] };
      var used = { provisioned: 0, failed: 0, dropped: 0 };
      var colors = o.kinds.map(function (k) { var c = shade[k][used[k] % shade[k].length]; used[k]++; return c; });
      return { type: 'doughnut', data: { labels: o.labels, datasets: [{ data: o.values, backgroundColor: colors }] },
        options: { plugins: { legend: { position: 'right' } } } };
    },
    rejections: function () {
      var r = view.rejections;
      return { type: 'bar', data: { labels: r.map(function (x) { return x.label; }),
          datasets: [{ label: 'rejections', data: r.map(function (x) { return x.count; }),
            backgroundColor: r.map(function (x) { return x.throttled ? COLORS.throttled : COLORS.rejected; }) }] },
        options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } };
    },
    attempts: function () {
      return { type: 'bar', data: { labels: view.attempts.labels, datasets: [{ label: 'devices', data: view.attempts.values, backgroundColor: '#2563eb' }] },
        options: { plugins: { legend: { display: false } },
          scales: { x: { title: { display: true, text: 'attempts per device' } }, y: perSecondAxis('devices') } } };
    },
    health: function () {
      var h = view.health;
      return { type: 'bar', data: { labels: h.seconds, datasets: [
          { type: 'line', label: 'event-loop delay p99 (ms)', data: h.eventLoopP99Ms, borderColor: '#7c3aed', backgroundColor: '#7c3aed', borderWidth: 2, pointRadius: 0, yAxisID: 'ms' },
          { type: 'bar', label: 'late starts', data: h.lateStarts, backgroundColor: '#f59e0b', yAxisID: 'n' },
          { type: 'bar', label: 'starts', data: h.starts, backgroundColor: 'rgba(37, 99, 235, 0.25)', yAxisID: 'n' }] },
        options: { scales: { x: seconds(),
          ms: { position: 'left', beginAtZero: true, title: { display: true, text: 'ms' } },
          n: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'starts / s' }, ticks: { precision: 0 } } } } };
    },
    comparison: function () {
      var rows = view.comparison.rows.filter(function (r) { return r.kind === 'latency' && r.metric === 'p99 ms' && r.baseline !== null && r.current !== null; });
      return { type: 'bar', data: { labels: rows.map(function (r) { return r.subject; }), datasets: [
          { label: 'baseline p99 (ms)', data: rows.map(function (r) { return r.baseline; }), backgroundColor: '#94a3b8' },
          { label: 'current p99 (ms)', data: rows.map(function (r) { return r.current; }),
            backgroundColor: rows.map(function (r) { return r.regression ? '#dc2626' : '#2563eb'; }) }] },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } } } };
    }
  };

  var canvases = document.querySelectorAll('canvas[data-chart]');
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var build = builders[canvas.getAttribute('data-chart')];
    if (build) new Chart(canvas, build(canvas));
  }
  document.documentElement.setAttribute('data-charts-ready', String(canvases.length));
})();
`;
