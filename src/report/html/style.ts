/** The stylesheet of report.html: light, readable, printable; no web fonts, no images. */
export const PAGE_CSS = `
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #fff;
  --ok: #16a34a; --bad: #dc2626; --warn: #d97706; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #0f172a; color: #f8fafc; padding: 14px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .meta { color: #cbd5e1; font-size: 13px; }
header .meta span { margin-right: 18px; white-space: nowrap; }
main { max-width: 1340px; margin: 0 auto; padding: 12px 24px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 12px 0; }
section h2 { margin: 0 0 4px; font-size: 16px; font-weight: 600; }
section p.hint { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; vertical-align: middle; }
.badge.ok { background: #dcfce7; color: #166534; }
.badge.bad { background: #fee2e2; color: #991b1b; }
.badge.warn { background: #fef3c7; color: #92400e; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(145px, 1fr)); gap: 10px; margin-top: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--card); }
.card .label { color: var(--muted); font-size: 12px; font-weight: 600; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .sub { color: var(--muted); font-size: 12px; line-height: 1.35; margin-top: 2px; }
.card.ok { border-top: 3px solid var(--ok); } .card.bad { border-top: 3px solid var(--bad); } .card.warn { border-top: 3px solid var(--warn); }
.card.ok .value { color: var(--ok); } .card.bad .value { color: var(--bad); } .card.warn .value { color: var(--warn); }
.verdict { font-size: 16px; border-left: 4px solid var(--accent); padding: 8px 14px; background: #eff6ff; margin: 0; }
section h3 { margin: 0 0 4px; font-size: 14px; font-weight: 600; }
.focus { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(260px, 1fr); gap: 16px; align-items: start; }
.story { margin: 0; padding-left: 18px; font-size: 13px; line-height: 1.5; }
.story li { margin-bottom: 8px; }
.oneline { font-size: 14px; margin: 6px 0 10px; padding-left: 18px; }
.defs { margin-top: 8px !important; }
th.group { text-align: center; border-bottom: 1px solid #cbd5e1; }
table.per-second th, table.knee th.group { text-transform: none; }
th[rowspan] { vertical-align: bottom; }
tr.knee td { background: #f0fdf4; font-weight: 600; }
.scroll { max-height: 340px; overflow: auto; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.chart { position: relative; height: 300px; }
.chart.tall { height: 380px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
tr.fail td { background: #fef2f2; }
.pass { color: var(--ok); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; }
.warnings li { color: var(--warn); }
pre { background: #0f172a; color: #e2e8f0; padding: 14px 16px; border-radius: 6px; overflow: auto; font-size: 12px; line-height: 1.45; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 12px; }
@media (max-width: 900px) { .focus { grid-template-columns: 1fr; } }
@media print { header { background: none; color: var(--fg); } header .meta { color: var(--muted); } section { break-inside: avoid; } }
`;
