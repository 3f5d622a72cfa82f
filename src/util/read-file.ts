/**
 * Bounded reading of input files (scenarios, templates, certificates, reports). Only regular files
 * are read (a FIFO, /dev/zero or a socket is refused before a byte is read, and opening never
 * blocks), and never more than a cap: a file past the cap is refused, so memory stays bounded.
 * Problems are returned as a sentence fragment that names the rule; never the file's bytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const MiB = 1024 * 1024;
/** Largest scenario file fleetsim reads (docs/reliability.md). */
export const MAX_SCENARIO_FILE_BYTES = 4 * MiB;
/** Largest provisioning-template file (the body itself may be at most 10,240 characters; the file may hold more, e.g. CreateProvisioningTemplate input). */
export const MAX_TEMPLATE_FILE_BYTES = 1 * MiB;
/** Largest PEM file (certificate, key, CA bundle). */
export const MAX_PEM_FILE_BYTES = 1 * MiB;
/** Largest report.json read back by `report compare` / `--baseline`. */
export const MAX_REPORT_FILE_BYTES = 256 * MiB;

export type ReadResult = { ok: true; text: string } | { ok: false; code: string; problem: string };

function describeSize(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB` : `${bytes} bytes`;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why an fs error code stops a read, in words. */
export function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'ENOENT': return 'file not found';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a folder, not a file';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the path is too long';
    case 'EIO': return 'input/output error (EIO)';
    default: return `cannot be read (${code ?? 'unknown error'})`;
  }
}

/**
 * Read a regular file of at most `maxBytes` bytes as UTF-8. Never blocks on a FIFO, never reads
 * past the cap (a /proc file that reports size 0 is still bounded).
 */
export function readBoundedTextFile(file: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    return { ok: false, code, problem: describeErrno(code) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, code: 'ENOTFILE', problem: `is ${kindOf(st)}; only regular files are read` };
    if (st.size > maxBytes) {
      return { ok: false, code: 'ETOOBIG', problem: `is ${describeSize(st.size)}; the limit for this file is ${describeSize(maxBytes)}` };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, 64 * 1024));
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return { ok: false, code: 'ETOOBIG', problem: `is larger than the limit for this file, ${describeSize(maxBytes)}` };
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    return { ok: false, code, problem: describeErrno(code) };
  } finally {
    closeSync(fd);
  }
}

/**
 * A JSON.parse error as a sentence that does not quote the input: V8's messages include a
 * snippet of the text ("root:x:0:0"...), which must not end up on a terminal or in a log.
 */
export function jsonSyntaxProblem(err: unknown, text: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /at position (\d+)/.exec(msg);
  if (m !== null) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    return `not valid JSON (syntax error at line ${line}, column ${column})`;
  }
  if (/end of (JSON )?input/i.test(msg)) return 'not valid JSON (it ends too early)';
  return 'not valid JSON (syntax error)';
}
