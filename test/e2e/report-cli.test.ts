/**
 * Report formats and baseline comparison through the CLI: a run leaves report.html, report.json and
 * junit.xml; `report compare` passes an identical pair and flags an injected regression (exit 1);
 * `run --baseline` puts the comparison into every format and exits 1 on a regression; `--report`
 * chooses the formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from '../../src/report/types.js';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';
import { checkJunitShape } from '../helpers/junit-shape.js';

const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as RunReport;

test('run → three formats; report compare; run --baseline; --report chooses', { timeout: 180_000 }, async () => {
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(15) });
  const bad = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '--report', 'html,pdf'], { cwd: ws });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown format pdf/);
  const badTol = await runCli(['report', 'compare', 'a', 'b', '--tolerance', 'lots'], { cwd: ws });
  assert.equal(badTol.code, 2);
  assert.match(badTol.stderr, /--tolerance lots: must be a percentage/);

  const base = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '-q', '--run-id', 'base'], { cwd: ws });
  assert.equal(base.code, 0, base.stderr + base.stdout);
  const dir = path.join(ws, 'out', 'base');
  for (const f of ['report.html', 'report.json', 'junit.xml', 'events.jsonl']) assert.ok(existsSync(path.join(dir, f)), f);
  assert.match(base.stdout, /html: out\/base\/report\.html/);
  const cases = checkJunitShape(readFileSync(path.join(dir, 'junit.xml'), 'utf8'));
  assert.ok(cases.some((c) => c.classname === 'fleetsim.run' && c.failure === undefined));

  // an identical pair passes; an injected regression is flagged
  const same = await runCli(['report', 'compare', 'out/base', 'out/base/report.json'], { cwd: ws });
  assert.equal(same.code, 0, same.stderr + same.stdout);
  assert.match(same.stdout, /no regressions/);
  const report = read(path.join(dir, 'report.json'));
  const worse = structuredClone(report);
  const rt = worse.steps.register_thing;
  assert.ok(rt);
  rt.p50 *= 3;
  rt.p90 *= 3;
  rt.p99 = rt.p99 * 3 + 5;
  for (const counts of Object.values(worse.series)) {
    const k = 'accepted{api=RegisterThing}';
    if (counts[k] !== undefined) counts[k] = Math.floor(counts[k] / 2);
  }
  writeFileSync(path.join(ws, 'worse.json'), JSON.stringify(worse));
  const reg = await runCli(['report', 'compare', 'out/base', 'worse.json', '--tolerance', '10%'], { cwd: ws });
  assert.equal(reg.code, 1, reg.stderr + reg.stdout);
  assert.match(reg.stdout, /REGRESSION\s+register_thing\s+p99 ms/);
  assert.match(reg.stdout, /REGRESSION\s+RegisterThing\s+accepted\/s/);
  assert.doesNotMatch(reg.stdout, /REGRESSION\s+connect\s/);
  const json = await runCli(['report', 'compare', 'worse.json', 'out/base', '--json'], { cwd: ws });
  assert.equal(json.code, 0, 'the better run is no regression');
  assert.equal((JSON.parse(json.stdout) as { regressions: number }).regressions, 0);

  // run --baseline against a much faster baseline: every format carries the comparison; exit 1
  const fast = structuredClone(report);
  for (const s of Object.values(fast.steps)) {
    s.p50 /= 10;
    s.p90 /= 10;
    s.p99 /= 10;
  }
  writeFileSync(path.join(ws, 'fast.json'), JSON.stringify(fast));
  const cur = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '-q', '--run-id', 'cur', '--baseline', 'fast.json'], { cwd: ws });
  assert.equal(cur.code, 1, cur.stderr + cur.stdout);
  assert.match(cur.stderr, /regression\(s\) against the baseline beyond 10%/);
  assert.match(cur.stdout, /Baseline comparison/);
  const curDir = path.join(ws, 'out', 'cur');
  const curReport = read(path.join(curDir, 'report.json'));
  assert.ok((curReport.comparison?.regressions ?? 0) > 0);
  assert.equal(curReport.comparison?.baseline.runId, 'base');
  const html = readFileSync(path.join(curDir, 'report.html'), 'utf8');
  assert.match(html, /<section id="comparison">/);
  assert.match(html, /data-chart="comparison"/);
  const curCases = checkJunitShape(readFileSync(path.join(curDir, 'junit.xml'), 'utf8'));
  assert.match(curCases.find((c) => c.classname === 'fleetsim.baseline')?.failure?.message ?? '', /regression/);

  // a missing baseline is bad input before anything runs
  const noBase = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '--baseline', 'nope/report.json'], { cwd: ws });
  assert.equal(noBase.code, 2);
  assert.match(noBase.stderr, /cannot read .*nope\/report\.json/);

  // `report <dir> --report junit` rebuilds only what was asked for
  rmSync(path.join(dir, 'report.html'));
  rmSync(path.join(dir, 'junit.xml'));
  const rebuilt = await runCli(['report', 'out/base', '--report', 'junit', '-q'], { cwd: ws });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.ok(existsSync(path.join(dir, 'junit.xml')));
  assert.ok(!existsSync(path.join(dir, 'report.html')));

  // `report <dir> --baseline`: the rebuilt report carries the comparison; a regression exits 1
  const rebuiltCmp = await runCli(['report', 'out/base', '--baseline', 'fast.json', '--report', 'json', '-q'], { cwd: ws });
  assert.equal(rebuiltCmp.code, 1, rebuiltCmp.stderr + rebuiltCmp.stdout);
  assert.match(rebuiltCmp.stderr, /regression\(s\) against the baseline beyond 10%/);
  assert.match(rebuiltCmp.stdout, /Baseline comparison/);
  const rebuiltReport = read(path.join(dir, 'report.json'));
  assert.ok((rebuiltReport.comparison?.regressions ?? 0) > 0);
  const againstItself = await runCli(['report', 'out/base', '--baseline', 'out/base/report.json', '--tolerance', '5%', '--report', 'json', '-q'], { cwd: ws });
  assert.equal(againstItself.code, 0, againstItself.stderr);
  assert.equal(read(path.join(dir, 'report.json')).comparison?.regressions, 0);
  const badBase = await runCli(['report', 'out/base', '--baseline', 'nope.json'], { cwd: ws });
  assert.equal(badBase.code, 2);
  assert.match(badBase.stderr, /cannot read .*nope\.json/);
});
