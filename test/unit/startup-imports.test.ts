/**
 * Start-up (issue 16): what a run's threads load before t=0. The library's import (the CLI's and a
 * run's main thread) must not load the device code or the emulator: a run hosts devices in worker
 * threads and its embedded emulator in a thread of its own. The generator worker must not load the
 * CSR flow's x509 code unless the flow needs it (then it is loaded before t=0, on purpose, by a
 * dynamic import). Checked on the sources' static imports (dynamic `import()` and `import type`
 * load nothing at start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/emulator.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Static value imports of a source text: `import ... from`, `import '...'`, `export ... from`; not `import type`, not `import()`. */
export function staticImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?'([^']+)'/g)) {
    const [, kw, typeOnly, from, spec] = m;
    if (typeOnly !== undefined) continue;
    if (kw === 'export' && from === undefined) continue;
    out.push(spec as string);
  }
  return out;
}

/** Every module (src-relative .ts path) and package reached from `entry` by static imports. */
function reach(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const rel = todo.pop() as string;
    if (modules.has(rel)) continue;
    modules.add(rel);
    for (const spec of staticImports(readFileSync(path.join(SRC, rel), 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        packages.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
      assert.ok(existsSync(path.join(SRC, target)), `${rel} imports ${spec}: ${target} exists`);
      todo.push(target);
    }
  }
  return { modules, packages };
}

test('staticImports sees value imports and re-exports, not type-only or dynamic ones', () => {
  const text = [
    "import mqtt, { type X } from 'mqtt';",
    "import 'reflect-metadata';",
    "import type { Y } from './types.js';",
    "export { a } from './a.js';",
    "export type { B } from './b.js';",
    "const m = await import('./lazy.js');",
    "import {\n  e,\n} from './multi.js';",
  ].join('\n');
  assert.deepEqual(staticImports(text), ['mqtt', 'reflect-metadata', './a.js', './multi.js']);
});

test("the library's import (a run's main thread, the CLI) loads neither the device code nor the emulator", () => {
  const { modules, packages } = reach('index.ts');
  assert.ok(modules.has('orchestrator/run.ts') && packages.has('zod'), 'the walk reaches the run and its packages');
  for (const pkg of ['mqtt', 'mqtt-packet', '@peculiar/x509', 'reflect-metadata', '@aws-sdk/client-iot']) assert.ok(!packages.has(pkg), `index.ts reaches ${pkg}`);
  for (const m of ['device/device.ts', 'device/connection.ts', 'device/identity.ts', 'emulator/emulator.ts', 'emulator/broker/broker.ts']) {
    assert.ok(!modules.has(m), `index.ts reaches ${m}`);
  }
});

test("the generator worker loads the device code but not the CSR flow's x509 code", () => {
  const { modules, packages } = reach('orchestrator/worker-entry.ts');
  assert.ok(modules.has('device/device.ts') && packages.has('mqtt'), 'the worker reaches the device code');
  assert.ok(modules.has('device/csr-support.ts'), 'and the lazy loader of the CSR code');
  for (const pkg of ['@peculiar/x509', 'reflect-metadata', '@aws-sdk/client-iot']) assert.ok(!packages.has(pkg), `the worker reaches ${pkg}`);
  assert.ok(!modules.has('device/identity.ts'));
});
