/**
 * --save-credentials: each issued certificate and its private key go straight from the device to
 * files of mode 0600, inside the generator thread that ran the device. They never travel in
 * worker messages, events, reports or logs.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { IssuedCredentials } from '../device/types.js';
import { InputError } from '../util/errors.js';

/** `<thingName>.cert.pem` / `<thingName>.private.key` (the certificate ID when no thing was made). */
export function credentialFileNames(c: IssuedCredentials): { cert: string; key: string } {
  const base = (c.thingName ?? c.certificateId).replace(/[^A-Za-z0-9:_.-]/g, '_');
  return { cert: `${base}.cert.pem`, key: `${base}.private.key` };
}

function writePrivateFile(file: string, text: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // also when the file existed with a wider mode
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Create the folder (0700) before a run, so an unwritable path fails before any device starts. */
export function prepareCredentialsDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
    const probe = path.join(abs, '.fleetsim-write-check');
    writePrivateFile(probe, '');
    unlinkSync(probe);
  } catch (err) {
    throw new InputError(`--save-credentials ${dir}: cannot write to ${abs} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      issues: [{ path: '--save-credentials', message: `must be a folder fleetsim can write to` }],
    });
  }
  return abs;
}

/** A sink for VirtualDevice's onCredentials; counts failures instead of throwing into the flow. */
export class CredentialsWriter {
  saved = 0;
  failed = 0;
  lastError: string | undefined;

  constructor(private readonly dir: string) {}

  /** false when the files could not be written */
  write(c: IssuedCredentials): boolean {
    const names = credentialFileNames(c);
    try {
      writePrivateFile(path.join(this.dir, names.key), c.privateKeyPem);
      writePrivateFile(path.join(this.dir, names.cert), c.certificatePem);
      this.saved++;
      return true;
    } catch (err) {
      this.failed++;
      this.lastError = `${names.key}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      return false;
    }
  }
}
