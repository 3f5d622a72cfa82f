/**
 * README.md and docs/*.md stay true: every relative link points at a file that exists (and, with a
 * #fragment, at a heading in it), and every `fleetsim <command>` and `npm run <script>` shown in a
 * code block exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/emulator.js';
import { CLI } from '../../helpers/cli.js';

const run = promisify(execFile);

const pages = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

/** The text outside fenced code blocks, and the code blocks' lines. */
function split(md: string): { prose: string; code: string[] } {
  const prose: string[] = [];
  const code: string[] = [];
  let inCode = false;
  for (const line of md.split('\n')) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    else (inCode ? code : prose).push(line);
  }
  return { prose: prose.join('\n').replace(/`[^`\n]*`/g, ''), code };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
const anchors = (md: string): Set<string> => new Set(split(md).prose.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

test('README.md is a short first read (≤ 12 KB)', () => {
  assert.ok(read('README.md').length <= 12 * 1024, `README.md is ${read('README.md').length} bytes`);
});

test('every relative link in README.md and docs/*.md resolves, fragments included', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const { prose } = split(read(page));
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1]!;
      if (/^[a-z]+:/i.test(href)) continue; // https:, mailto:
      checked++;
      const [file, fragment] = href.split('#') as [string, string | undefined];
      const target = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
      if (!existsSync(path.join(REPO_ROOT, target))) {
        problems.push(`${page}: ${href}: no such file ${target}`);
        continue;
      }
      if (fragment !== undefined && target.endsWith('.md') && !anchors(read(target)).has(fragment)) problems.push(`${page}: ${href}: no heading #${fragment} in ${target}`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links found`);
  assert.deepEqual(problems, []);
});

test('README.md links every page of docs/ (no page is an orphan)', () => {
  const linked = new Set([...split(read('README.md')).prose.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!));
  const orphans = pages.filter((p) => p.startsWith('docs/') && !linked.has(p));
  assert.deepEqual(orphans, []);
});

test('every `fleetsim <command>` and `npm run <script>` in a code block exists', async () => {
  const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
  const [top, report] = await Promise.all([run(process.execPath, [CLI, '--help']), run(process.execPath, [CLI, 'report', '--help'])]);
  const commands = new Set([...`${top.stdout}\n${report.stdout}`.matchAll(/^ {2}fleetsim ([a-z]+(?: [a-z]+)?)/gm)].map((m) => m[1]!));
  assert.ok(commands.has('run') && commands.has('report compare'), [...commands].join(', '));
  const problems: string[] = [];
  let seen = 0;
  for (const page of pages) {
    for (const full of split(read(page)).code) {
      const line = full.replace(/(^|\s)#.*$/, ''); // a shell comment may say "fleetsim only"
      for (const m of line.matchAll(/(?:^|[\s;&|(])(?:npx )?fleetsim ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g)) {
        seen++;
        const [name, sub] = [m[1]!, m[2]];
        const known = name === 'report' && sub !== undefined && ['compare', 'merge'].includes(sub) ? commands.has(`report ${sub}`) : commands.has(name);
        if (!known) problems.push(`${page}: ${line.trim()}: no command ${name}`);
      }
      for (const m of line.matchAll(/npm run ([\w:-]+)/g)) {
        seen++;
        if (!scripts.includes(m[1]!)) problems.push(`${page}: ${line.trim()}: no npm script ${m[1]}`);
      }
    }
  }
  assert.ok(seen > 10, `only ${seen} commands found in code blocks`);
  assert.deepEqual(problems, []);
});
