/** Shared helpers for the PKI unit tests: temp files and the openssl CLI. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** Write files into a fresh temp dir, run `fn(paths)`, then remove the dir. */
export function withTempFiles<T>(files: Record<string, string>, fn: (paths: Record<string, string>) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetsim-pki-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      paths[name] = path.join(dir, name);
      fs.writeFileSync(paths[name], content, { mode: 0o600 });
    }
    return fn(paths);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Run openssl; returns { status, output } (stdout + stderr), never throws on a non-zero exit. */
export function runOpenssl(args: string[], input?: string): { status: number; output: string } {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export function describeCertificate(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8', timeout: 20_000 });
}
