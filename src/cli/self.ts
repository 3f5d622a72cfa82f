/** How the user runs fleetsim from the current folder, for the commands we print. */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** the package's root folder (dist/src/cli/self.js → ../../../) */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(PACKAGE_ROOT, 'bin', 'fleetsim.js');

function isOurBin(candidate: string): boolean {
  try {
    return existsSync(candidate) && realpathSync(candidate) === realpathSync(BIN);
  } catch {
    return false;
  }
}

const inside = (dir: string, parent: string): boolean => {
  const rel = path.relative(parent, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * The command that starts this fleetsim from `cwd`: `npx fleetsim` inside the checkout or a project
 * that has it installed, `fleetsim` when the one on PATH is this one, else `node <path>/bin/fleetsim.js`.
 */
export function fleetsimCommand(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (inside(cwd, PACKAGE_ROOT)) return 'npx fleetsim';
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (isOurBin(path.join(dir, 'node_modules', '.bin', 'fleetsim'))) return 'npx fleetsim';
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && isOurBin(path.join(dir, 'fleetsim'))) return 'fleetsim';
  }
  const rel = path.relative(cwd, BIN);
  return `node ${rel.startsWith('..') || path.isAbsolute(rel) ? BIN : rel}`;
}

/** A path as the user would type it from `cwd`: relative when under it, else absolute. */
export function shownPath(p: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
