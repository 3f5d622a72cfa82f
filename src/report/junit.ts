/**
 * junit.xml for CI test-report publishers: one <testsuite> per run, one <testcase> per threshold
 * and per expectation (a <failure> carries actual vs expected), one for the run itself (completed,
 * every device has an outcome) and, with a baseline, one for the comparison. The shape is the
 * common Ant/Surefire one: testsuites > testsuite[name,tests,failures,errors,skipped,time,timestamp]
 * > testcase[classname,name,time] > failure[message,type].
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from './types.js';

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
}

/** Escape text for XML attribute values and character data; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function runCase(r: RunReport): Case {
  const lost = Object.entries(r.outcomes.dropped).filter(([reason]) => reason === 'run_killed' || reason === 'lost' || reason === 'interrupted');
  const name = 'run completed and every device has an outcome';
  const problems: string[] = [];
  if (r.status !== 'completed') problems.push(`status ${r.status}${r.statusReason === undefined ? '' : ` (${r.statusReason})`}`);
  for (const [reason, n] of lost) problems.push(`${n} devices without a recorded outcome (${reason})`);
  if (r.outcomes.total !== r.devices) problems.push(`outcomes add up to ${r.outcomes.total}, not ${r.devices}`);
  const failed = Object.values(r.outcomes.failed).reduce((a, b) => a + b, 0);
  const dropped = Object.values(r.outcomes.dropped).reduce((a, b) => a + b, 0);
  const summary = `${r.devices} devices: ${r.outcomes.provisioned} provisioned, ${failed} failed, ${dropped} dropped`;
  if (problems.length === 0) return { classname: 'fleetsim.run', name };
  return { classname: 'fleetsim.run', name, failure: { message: problems.join('; '), type: 'RunIncomplete', text: `${problems.join('\n')}\n${summary}` } };
}

function collectCases(r: RunReport): Case[] {
  const cases: Case[] = [runCase(r)];
  for (const t of r.thresholds ?? []) {
    const c: Case = { classname: 'fleetsim.thresholds', name: t.expression };
    if (!t.ok) c.failure = { message: `actual ${t.actual ?? 'no data'}; expected ${t.expression}`, type: 'ThresholdFailed', text: t.detail };
    cases.push(c);
  }
  for (const e of r.expectations ?? []) {
    const c: Case = { classname: 'fleetsim.expectations', name: e.name };
    if (!e.ok) c.failure = { message: `actual ${e.actual ?? 'no data'}; expected ${e.expected}`, type: 'ExpectationNotMet', text: e.detail };
    cases.push(c);
  }
  const cmp = r.comparison;
  if (cmp !== undefined) {
    const bad = cmp.rows.filter((row) => row.regression);
    const c: Case = { classname: 'fleetsim.baseline', name: `no regression beyond ${cmp.tolerancePct}% against ${cmp.baseline.runId}` };
    if (bad.length > 0) {
      const lines = bad.map((row) => `${row.subject} ${row.metric}: baseline ${row.baseline ?? '—'}, actual ${row.current ?? '—'}${row.deltaPct === null ? '' : ` (${row.deltaPct > 0 ? '+' : ''}${row.deltaPct}%)`}`);
      c.failure = { message: `${bad.length} regression${bad.length === 1 ? '' : 's'}: ${lines[0]}${bad.length > 1 ? ', …' : ''}`, type: 'Regression', text: lines.join('\n') };
    }
    cases.push(c);
  }
  return cases;
}

/** The run as junit.xml text. */
export function renderJunit(r: RunReport): string {
  const cases = collectCases(r);
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const seconds = (r.durationMs / 1000).toFixed(3);
  const suiteName = `fleetsim ${r.scenario?.name ?? path.basename(r.scenarioFile ?? 'scenario')}`;
  const attrs = (o: Record<string, string | number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}="${escapeXml(String(v))}"`)
      .join(' ');
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites ${attrs({ name: 'fleetsim', tests: cases.length, failures, errors: 0, skipped: 0, time: seconds })}>`);
  lines.push(
    `  <testsuite ${attrs({ name: suiteName, tests: cases.length, failures, errors: 0, skipped: 0, time: seconds, timestamp: r.startedAt.replace(/Z$/, ''), hostname: os.hostname() })}>`,
  );
  lines.push('    <properties>');
  const props: Record<string, string | number> = { runId: r.runId, scenarioHash: r.scenarioHash, target: r.target, devices: r.devices, status: r.status, shard: r.shard.index === 0 ? `merged from ${r.shard.count}` : `${r.shard.index}/${r.shard.count}` };
  if (r.analysis?.verdict !== undefined) props.verdict = r.analysis.verdict;
  for (const [k, v] of Object.entries(props)) lines.push(`      <property ${attrs({ name: k, value: v })}/>`);
  lines.push('    </properties>');
  for (const c of cases) {
    const head = `    <testcase ${attrs({ classname: c.classname, name: c.name, time: '0' })}`;
    if (c.failure === undefined) {
      lines.push(`${head}/>`);
      continue;
    }
    lines.push(`${head}>`);
    lines.push(`      <failure ${attrs({ message: c.failure.message, type: c.failure.type })}>${escapeXml(c.failure.text)}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

export function writeJunitReport(runDir: string, r: RunReport): string {
  const file = path.join(runDir, 'junit.xml');
  writeFileSync(file, renderJunit(r));
  return file;
}
