/**
 * The CLI's conventions, as a user meets them: version, help, missing arguments, colour, a closed stdout.
 * Kept short: independent subprocesses run side by side, and the colour checks rebuild one small run's
 * report (no traffic) instead of running it again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CLI, makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/emulator.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['run', 'validate', 'report', 'cleanup', 'init', 'emulator'];
/** an SGR colour sequence, e.g. ESC[32m */
const SGR = /\x1b\[\d+(;\d+)*m/;

test('--version/-V print the version; -h at the top level and on commands; no command lists them all', async () => {
  const [long, short, top, none, ...cmds] = await Promise.all([
    runCli(['--version']),
    runCli(['-V']),
    runCli(['-h']),
    runCli([]),
    ...[['run', '-h'], ['report', 'compare', '-h'], ['emulator', '-h']].map((a) => runCli(a).then((r) => ({ args: a, r }))),
  ]);
  for (const r of [long!, short!]) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
  }
  assert.equal(top!.code, 0, top!.stderr);
  for (const c of COMMANDS) assert.match(top!.stdout, new RegExp(`fleetsim ${c}\\b`), c);
  assert.equal(none!.code, 2);
  assert.match(none!.stderr, /^fleetsim: name a command/);
  for (const c of COMMANDS) assert.match(none!.stderr, new RegExp(`^  fleetsim ${c}\\b.*\\S`, 'm'), c);
  for (const { args, r } of cmds as { args: string[]; r: Awaited<ReturnType<typeof runCli>> }[]) {
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^fleetsim ${args.filter((a) => a !== '-h').join(' ')}`), args.join(' '));
  }
});

test('a missing argument is named with that command\'s usage; an unknown option names the command', async () => {
  const cases: [string[], RegExp, string][] = [
    [['run'], /^fleetsim: run: missing <scenario>$/m, 'fleetsim run <scenario>'],
    [['report', 'compare', 'a'], /^fleetsim: report compare: missing <current>$/m, 'fleetsim report compare <baseline> <current>'],
    [['report'], /^fleetsim: report: missing <run-dir>/m, 'fleetsim report'],
  ];
  const [unknown, ...results] = await Promise.all([runCli(['validate', 'x.yaml', '--bogus']), ...cases.map(([args]) => runCli(args))]);
  cases.forEach(([args, message, usage], i) => {
    const r = results[i]!;
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message, r.stderr);
    assert.ok(r.stderr.includes(`\n${usage}`), `${args.join(' ')} shows its usage:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Not enough non-option arguments|\n\s+at /);
  });
  assert.equal(unknown!.code, 2);
  assert.match(unknown!.stderr, /^fleetsim: validate: Unknown argument: bogus$/m);
  assert.match(unknown!.stderr, /fleetsim validate --help/);
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('colour: FORCE_COLOR colours a pipe; a terminal gets colour, NO_COLOR turns it off, --color/--no-color win', { skip: !hasScript && 'no `script` (util-linux) for a pseudo-terminal' }, async () => {
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(3) });
  const piped = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '--report', 'json'], { cwd: ws, env: { FORCE_COLOR: '1' } });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, SGR, 'FORCE_COLOR=1 colours a pipe');
  const runDir = path.join('out', readdirSync(path.join(ws, 'out'))[0]!);
  // rebuilding the report prints the same summary without sending traffic again
  const args = ['report', runDir, '--report', 'json'];
  const [tty, noColor, flag, plain] = await Promise.all([
    underPty(args, ws, {}),
    underPty(args, ws, { NO_COLOR: '1' }),
    underPty([...args, '--color'], ws, { NO_COLOR: '1' }),
    runCli([...args, '--no-color'], { cwd: ws, env: { FORCE_COLOR: '1' } }),
  ]);
  assert.equal(tty.code, 0, tty.output);
  assert.match(tty.output, SGR, 'a terminal gets colour');
  assert.equal(noColor.code, 0, noColor.output);
  assert.match(noColor.output, /3 provisioned/);
  assert.doesNotMatch(noColor.output, SGR, 'NO_COLOR=1 turns colour off');
  assert.match(flag.output, SGR, '--color beats NO_COLOR');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /3 provisioned/);
  assert.doesNotMatch(plain.stdout, SGR, '--no-color beats FORCE_COLOR');
});
