/** The CLI's conventions, as a user meets them: version, help, missing arguments, colour, a closed stdout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/emulator.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['run', 'validate', 'report', 'cleanup', 'init', 'emulator'];
/** an SGR colour sequence, e.g. ESC[32m */
const SGR = /\x1b\[\d+(;\d+)*m/;

test('--version and -V print the version and exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
  }
});

test('-h works at the top level and on every command', async () => {
  const top = await runCli(['-h']);
  assert.equal(top.code, 0, top.stderr);
  for (const c of COMMANDS) assert.match(top.stdout, new RegExp(`fleetsim ${c}\\b`), c);
  for (const args of [['run', '-h'], ['validate', '-h'], ['report', '-h'], ['report', 'compare', '-h'], ['report', 'merge', '-h'], ['cleanup', '-h'], ['init', '-h'], ['emulator', '-h']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^fleetsim ${args.filter((a) => a !== '-h').join(' ')}`), args.join(' '));
  }
});

test('no command: every command with one line each on stderr, exit 2', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^fleetsim: name a command/);
  for (const c of COMMANDS) assert.match(r.stderr, new RegExp(`^  fleetsim ${c}\\b.*\\S`, 'm'), c);
});

test('a missing argument is named, with that command\'s usage', async () => {
  const cases: [string[], RegExp, string][] = [
    [['run'], /^fleetsim: run: missing <scenario>$/m, 'fleetsim run <scenario>'],
    [['validate'], /^fleetsim: validate: missing <scenario>$/m, 'fleetsim validate <scenario>'],
    [['cleanup'], /^fleetsim: cleanup: missing <run-dir>$/m, 'fleetsim cleanup <run-dir>'],
    [['init'], /^fleetsim: init: missing <kind>$/m, 'fleetsim init <kind>'],
    [['report', 'compare', 'a'], /^fleetsim: report compare: missing <current>$/m, 'fleetsim report compare <baseline> <current>'],
    [['report'], /^fleetsim: report: missing <run-dir>/m, 'fleetsim report'],
  ];
  for (const [args, message, usage] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message, r.stderr);
    assert.ok(r.stderr.includes(`\n${usage}`), `${args.join(' ')} shows its usage:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Not enough non-option arguments|\n\s+at /);
  }
});

test('an unknown option names the command and points at its help', async () => {
  const r = await runCli(['validate', 'x.yaml', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^fleetsim: validate: Unknown argument: bogus$/m);
  assert.match(r.stderr, /fleetsim validate --help/);
});

test('a closed stdout ends a command quietly (EPIPE)', async () => {
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', 'scenarios/quickstart.yaml', '--plan'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader has gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs the CLI under a pseudo-terminal (util-linux `script`) and returns what the terminal showed. */
function underPty(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd, env: { ...base, TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('colour: on for a terminal, off with NO_COLOR, --color wins; FORCE_COLOR colours a pipe', { skip: !hasScript && 'no `script` (util-linux) for a pseudo-terminal' }, async () => {
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(3) });
  const args = ['run', 'scenarios/small.yaml', '--out', 'out', '--quiet', '--report', 'json'];
  const tty = await underPty(args, ws, {});
  assert.equal(tty.code, 0, tty.output);
  assert.match(tty.output, SGR, 'a terminal gets colour');
  const noColor = await underPty(args, ws, { NO_COLOR: '1' });
  assert.equal(noColor.code, 0, noColor.output);
  assert.match(noColor.output, /3 provisioned/);
  assert.doesNotMatch(noColor.output, SGR, 'NO_COLOR=1 turns colour off');
  const flag = await underPty([...args, '--color'], ws, { NO_COLOR: '1' });
  assert.match(flag.output, SGR, '--color beats NO_COLOR');
  const piped = await runCli(args, { cwd: ws, env: { FORCE_COLOR: '1' } });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, SGR, 'FORCE_COLOR=1 colours a pipe');
  const plain = await runCli([...args, '--no-color'], { cwd: ws, env: { FORCE_COLOR: '1' } });
  assert.doesNotMatch(plain.stdout, SGR, '--no-color beats FORCE_COLOR');
});
