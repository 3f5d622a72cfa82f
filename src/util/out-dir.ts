/**
 * Checks an output folder before a run starts: every existing part of the path is a folder, the
 * missing parts can be made (one non-recursive mkdir at a time: Node's recursive mkdir loops
 * forever under /proc), and fleetsim can write a file in it. A problem is an InputError (exit 2)
 * naming the flag or scenario setting that chose the folder.
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

/** An fs errno as words, for messages about writing. */
export function describeWriteErrno(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC': return 'no space left on the device (ENOSPC)';
    case 'EDQUOT': return 'disk quota exceeded (EDQUOT)';
    case 'EIO': return 'input/output error (EIO)';
    case 'EROFS': return 'read-only file system (EROFS)';
    case 'EACCES': case 'EPERM': return `permission denied (${code})`;
    case 'EFBIG': return 'file too large (EFBIG)';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder (ENOTDIR)';
    default: return code ?? 'unknown error';
  }
}

/**
 * Make sure `dir` is a folder fleetsim can write in, creating the missing parts.
 * `name` is what chose it, e.g. `--out` or `report.dir`.
 */
export function ensureOutputDir(dir: string, name: string): string {
  const abs = path.resolve(dir);
  const fail = (message: string): never => {
    throw new InputError(`${name} ${dir}: ${message}`, { issues: [], hint: `give ${name} a folder you can write to` });
  };
  let cur = path.parse(abs).root;
  for (const part of abs.slice(cur.length).split(path.sep).filter((p) => p !== '')) {
    cur = path.join(cur, part);
    let isDir: boolean;
    try {
      isDir = statSync(cur).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') fail(`cannot look at ${cur}: ${describeWriteErrno(code)}`);
      try {
        mkdirSync(cur);
      } catch (mkErr) {
        const mk = (mkErr as NodeJS.ErrnoException).code;
        if (mk === 'EEXIST') continue; // made by someone else meanwhile
        // ENOENT with an existing parent: a file system that allows no new folders (/proc, /sys)
        fail(`cannot create the folder ${cur}: ${mk === 'ENOENT' ? `${path.dirname(cur)} does not allow new folders` : describeWriteErrno(mk)}`);
      }
      continue;
    }
    if (!isDir) fail(cur === abs ? 'is a file, not a folder' : `${cur} is a file, not a folder`);
  }
  const probe = path.join(abs, `.fleetsim-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (err) {
    fail(`cannot write in this folder: ${describeWriteErrno((err as NodeJS.ErrnoException).code)}`);
  }
  try {
    unlinkSync(probe);
  } catch {
    /* written is what mattered */
  }
  return abs;
}
