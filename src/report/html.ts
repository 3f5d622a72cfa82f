/**
 * report.html: ONE self-contained file that opens without a network. Chart.js (its UMD build,
 * read from node_modules at render time) and the report's view data (html/view.ts, embedded as
 * JSON) are inlined; a Content-Security-Policy forbids every fetch. Everything taken from the
 * report is escaped: HTML text with escapeHtml, the embedded JSON so that `</script>` cannot end
 * its script element.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RunReport } from './build.js';
import { CLIENT_SCRIPT } from './html/client.js';
import { PAGE_CSS } from './html/style.js';
import { renderBody } from './html/sections.js';
import { renderHookHtml } from './hook-section.js';
import { buildHtmlView } from './html/view.js';

let chartJsText: string | undefined;

/** Chart.js's UMD bundle (MIT; its licence header stays in the file). */
export function chartJsSource(): string {
  if (chartJsText === undefined) {
    const require = createRequire(import.meta.url);
    // the package's exports hide dist/chart.umd.js; it sits beside the resolved CommonJS entry
    const main = require.resolve('chart.js');
    chartJsText = readFileSync(path.join(path.dirname(main), 'chart.umd.js'), 'utf8');
  }
  return chartJsText;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that is safe inside <script type="application/json">: no `<`, and no JS line separators. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script text: a `</script` or `<!--` inside it would end or confuse the element. */
function embedScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderHtmlReport(r: RunReport): string {
  const view = buildHtmlView(r);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fleetsim">
<title>fleetsim · ${escapeHtml(view.title)} · ${escapeHtml(view.runId)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
${renderBody(view, escapeHtml).replace('</main>', () => `${renderHookHtml(r.emulator, escapeHtml)}\n</main>`)}
<script type="application/json" id="fleetsim-data">${embedJson(view)}</script>
<script>${embedScript(chartJsSource())}</script>
<script>${embedScript(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}

export function writeHtmlReport(runDir: string, r: RunReport): string {
  const file = path.join(runDir, 'report.html');
  writeFileSync(file, renderHtmlReport(r));
  return file;
}
