/**
 * `npm run bench`: runs each benchmark in its own process, one after another, and says which
 * failed. To add a benchmark, add its compiled file name to BENCHES (it must run when executed
 * directly and print its own numbers).
 *
 *   node dist/bench/run-all.js [name ...]     (default: all)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = ['pki', 'emulator', 'flow', 'floor', 'run-guard', 'memory', 'hook', 'soak', 'kill-loss'] as const;

const only = process.argv.slice(2);
const chosen = only.length > 0 ? only : [...BENCHES];
const failed: string[] = [];
for (const name of chosen) {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(file)) {
    console.error(`bench ${name}: ${file} not found (known: ${BENCHES.join(', ')})`);
    failed.push(name);
    continue;
  }
  console.log(`\n=== bench ${name} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) failed.push(name);
  console.log(`=== bench ${name}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status ?? r.signal})`} in ${took} s ===`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
