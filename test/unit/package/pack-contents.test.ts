/**
 * What `npm pack` ships: the launcher and the compiled library (so `npm install -g <tarball>` gives a
 * working fleetsim with no build step), the bundled scenarios, templates and hooks, the docs; no
 * tests, no benchmarks, no key or certificate files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/emulator.js';

const run = promisify(execFile);

interface PackEntry {
  path: string;
}

test('npm pack: bin, dist/src and the bundled scenarios; no tests, keys or certificates', async () => {
  // --ignore-scripts: no `prepare` build while the suite runs from dist/
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const files = ((JSON.parse(stdout) as { files: PackEntry[] }[])[0]?.files ?? []).map((f) => f.path);
  const has = (p: string) => files.includes(p);

  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; engines: { node: string }; scripts: Record<string, string> };
  assert.equal(pkg.bin.fleetsim, 'bin/fleetsim.js');
  assert.equal(pkg.engines.node, '>=20.19');
  assert.ok(pkg.scripts.prepack !== undefined, 'npm pack builds dist/ first');
  for (const p of [
    'package.json',
    'README.md',
    'bin/fleetsim.js',
    'dist/src/cli/main.js',
    'dist/src/index.js',
    'dist/src/orchestrator/worker-entry.js',
    'dist/src/emulator/hosting/thread-entry.js',
    'dist/src/emulator/hook/runtimes/bootstrap.py',
    'scenarios/quickstart.yaml',
    'scenarios/templates/fleet-prov-test-template.json',
    'scenarios/hooks/lambda_function.py',
    'docs/scenarios.md',
  ]) {
    assert.ok(has(p), `${p} is in the package`);
  }
  const unwanted = files.filter(
    (p) => /^(test|bench|src|examples|reports)\//.test(p) || /^dist\/(test|bench)\//.test(p) || /\.(pem|key|crt|p12|pfx|map)$/i.test(p) || /^\.env/.test(path.basename(p)),
  );
  assert.deepEqual(unwanted, []);
  // no key or certificate inside any shipped file but the compiled code (whose PEM handling names the headers)
  const withPem = files.filter((p) => !p.startsWith('dist/') && /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.test(readFileSync(path.join(REPO_ROOT, p), 'utf8')));
  assert.deepEqual(withPem, []);
  // every compiled module the CLI imports is there: no file under dist/src is left out
  assert.ok(files.filter((p) => p.startsWith('dist/src/')).length > 100, 'the whole compiled library');
});
