#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('fleetsim: not built yet; run `npm run build` first\n');
  process.exit(3);
}
// V8's on-disk code cache (Node >= 22.1; a no-op before): a run then compiles less at start-up.
// Worker threads inherit it through NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import('node:module');
if (typeof enableCompileCache === 'function') {
  try {
    const r = enableCompileCache();
    if (r?.directory !== undefined && process.env.NODE_COMPILE_CACHE === undefined) process.env.NODE_COMPILE_CACHE = r.directory;
  } catch {
    /* a quiet optimization: never a reason not to start */
  }
}
await import(entry.href);
