/**
 * kill -9: how much of a run's results does a SIGKILL lose? Each round starts `fleetsim run` (the
 * quickstart scenario against the embedded emulator, made long with --devices), waits for its first
 * progress report in events.jsonl, lets it run a little longer, kills it with SIGKILL, and then reads
 * events.jsonl: the loss is the time from the kill back to each generator's last report there (the
 * worst generator counts). It then rebuilds the report with `fleetsim report` to check nothing else is
 * lost. The goal (issue 12): at most 1 s. Prints numbers; asserts nothing; loopback only; bounded.
 *
 *   node dist/bench/kill-loss.js [--kills 8] [--workers 2]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../src/util/random.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'fleetsim.js');
const GOAL_S = 1;

function arg(name: string, dflt: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  return v;
}

const kills = arg('kills', 8, 100);
const workers = arg('workers', 2, 16);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run folder fleetsim made under `out`, once it exists. */
function runDir(out: string): string | undefined {
  const d = existsSync(out) ? readdirSync(out).filter((n) => existsSync(path.join(out, n, 'events.jsonl'))) : [];
  return d[0] === undefined ? undefined : path.join(out, d[0]);
}

/** Each generator's last progress time (ms since the epoch) in events.jsonl; a torn last line is skipped. */
function lastReports(file: string): Map<number, number> {
  const last = new Map<number, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{"type":"progress"')) continue;
    try {
      const e = JSON.parse(line) as { t: number; worker: number };
      last.set(e.worker, Math.max(last.get(e.worker) ?? 0, e.t));
    } catch {
      // the line the kill cut short
    }
  }
  return last;
}

interface Round {
  ranMs: number;
  lossMs: number;
  rebuilt: string;
}

async function round(i: number, rand: () => number): Promise<Round> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-kill-'));
  try {
    const child = spawn(process.execPath, [CLI, 'run', 'scenarios/quickstart.yaml', '--out', out, '--quiet', '--devices', '100000', '--workers', String(workers)], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // wait (at most 30 s) for the first report of every generator
    const deadline = Date.now() + 30_000;
    let dir: string | undefined;
    while (Date.now() < deadline) {
      dir = runDir(out);
      if (dir !== undefined && lastReports(path.join(dir, 'events.jsonl')).size >= workers) break;
      await sleep(50);
    }
    if (dir === undefined) throw new Error(`round ${i}: no events.jsonl in 30 s`);
    const startedAt = Date.now();
    await sleep(1000 + rand() * 3000);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    const last = [...lastReports(path.join(dir, 'events.jsonl')).values()];
    const lossMs = killedAt - Math.min(...last);
    const r = spawnSync(process.execPath, [CLI, 'report', dir, '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    let rebuilt = `exit ${r.status}`;
    if (r.status === 0) {
      const rep = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { status: string; outcomes: { provisioned: number; total: number } };
      rebuilt = `${rep.status}, ${rep.outcomes.provisioned} provisioned of ${rep.outcomes.total}`;
    }
    return { ranMs: killedAt - startedAt, lossMs, rebuilt };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`kill -9: ${kills} rounds of fleetsim run (quickstart, --devices 100000, --workers ${workers}), killed 1-4 s after every generator's first report`);
  console.log('round  killed after  loss (worst generator)  report rebuilt');
  const rand = createRandom(12);
  const losses: number[] = [];
  for (let i = 1; i <= kills; i++) {
    const r = await round(i, rand);
    losses.push(r.lossMs);
    console.log(`${String(i).padStart(5)}  ${`${(r.ranMs / 1000).toFixed(2)} s`.padStart(12)}  ${`${(r.lossMs / 1000).toFixed(2)} s`.padStart(22)}  ${r.rebuilt}`);
  }
  const max = Math.max(...losses) / 1000;
  const mean = losses.reduce((a, b) => a + b, 0) / losses.length / 1000;
  console.log(`loss: max ${max.toFixed(2)} s, mean ${mean.toFixed(2)} s over ${kills} kills; goal ≤ ${GOAL_S} s: ${max <= GOAL_S ? 'met' : 'NOT met'}`);
}

main().catch((err: unknown) => {
  console.error(`kill-loss: ${(err as Error).message}`);
  process.exitCode = 1;
});
