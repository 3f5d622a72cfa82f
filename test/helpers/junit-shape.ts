/**
 * Checks a junit.xml against the usual (Ant/Surefire, as CI publishers read it) schema shape:
 * testsuites > testsuite[name,tests,failures,errors,time] > properties? , testcase[name,classname]
 * > (failure[message,type] | error | skipped)?; counts consistent at every level. Throws with the
 * reason; returns the parsed cases.
 */
import { childrenNamed, parseXml, type XmlElement } from './xml.js';

const ALLOWED = new Set(['testsuites', 'testsuite', 'properties', 'property', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err']);

export interface JunitCase {
  suite: string;
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
}

function int(el: XmlElement, attr: string): number {
  const v = el.attrs[attr];
  if (v === undefined || !/^\d+$/.test(v)) throw new Error(`<${el.name}> needs a non-negative integer ${attr} (got ${v})`);
  return Number(v);
}

function walk(el: XmlElement): void {
  if (!ALLOWED.has(el.name)) throw new Error(`unexpected element <${el.name}>`);
  for (const c of el.children) walk(c);
}

export function checkJunitShape(xml: string): JunitCase[] {
  const root = parseXml(xml);
  walk(root);
  const suites = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : root.name === 'testsuite' ? [root] : [];
  if (suites.length === 0) throw new Error(`root must be <testsuites> or <testsuite> with suites (got <${root.name}>)`);
  const cases: JunitCase[] = [];
  let total = 0;
  let totalFailures = 0;
  for (const s of suites) {
    if ((s.attrs.name ?? '') === '') throw new Error('<testsuite> needs a name');
    if (!/^\d+(\.\d+)?$/.test(s.attrs.time ?? '')) throw new Error(`<testsuite> time must be seconds (got ${s.attrs.time})`);
    for (const c of s.children) if (!['properties', 'testcase', 'system-out', 'system-err'].includes(c.name)) throw new Error(`<${c.name}> inside <testsuite>`);
    for (const p of childrenNamed(s, 'properties').flatMap((ps) => ps.children)) {
      if (p.name !== 'property' || p.attrs.name === undefined || p.attrs.value === undefined) throw new Error('<properties> holds <property name value>');
    }
    const tcs = childrenNamed(s, 'testcase');
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const tc of tcs) {
      if ((tc.attrs.name ?? '') === '' || (tc.attrs.classname ?? '') === '') throw new Error('<testcase> needs name and classname');
      const outcome = tc.children.filter((c) => c.name === 'failure' || c.name === 'error' || c.name === 'skipped');
      if (outcome.length > 1) throw new Error(`<testcase ${tc.attrs.name}> has more than one failure/error/skipped`);
      const f = outcome[0];
      const jc: JunitCase = { suite: s.attrs.name as string, classname: tc.attrs.classname as string, name: tc.attrs.name as string };
      if (f?.name === 'failure') {
        if (f.attrs.message === undefined) throw new Error('<failure> needs a message');
        failures++;
        jc.failure = { message: f.attrs.message, type: f.attrs.type ?? '', text: f.text };
      } else if (f?.name === 'error') errors++;
      else if (f?.name === 'skipped') skipped++;
      cases.push(jc);
    }
    if (int(s, 'tests') !== tcs.length) throw new Error(`testsuite tests=${s.attrs.tests} but ${tcs.length} <testcase>`);
    if (int(s, 'failures') !== failures) throw new Error(`testsuite failures=${s.attrs.failures} but ${failures} <failure>`);
    if (int(s, 'errors') !== errors) throw new Error(`testsuite errors=${s.attrs.errors} but ${errors} <error>`);
    if (s.attrs.skipped !== undefined && int(s, 'skipped') !== skipped) throw new Error(`testsuite skipped=${s.attrs.skipped} but ${skipped} <skipped>`);
    total += tcs.length;
    totalFailures += failures;
  }
  if (root.name === 'testsuites') {
    if (root.attrs.tests !== undefined && int(root, 'tests') !== total) throw new Error(`testsuites tests=${root.attrs.tests} but ${total} cases`);
    if (root.attrs.failures !== undefined && int(root, 'failures') !== totalFailures) throw new Error(`testsuites failures=${root.attrs.failures} but ${totalFailures}`);
  }
  return cases;
}
