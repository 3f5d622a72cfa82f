/**
 * Mosquitto (Debian's C broker) as the reference point for the emulator's connect rate: a
 * throwaway mutual-TLS listener on a free loopback port, certificates made at run time.
 * Mosquitto drops root privileges to user `mosquitto`, so its files sit in a world-readable temp
 * folder (throwaway keys, deleted on stop) and it logs to stderr.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface MosquittoBroker {
  port: number;
  pid: number;
  /** user + system CPU seconds used so far (from /proc) */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Path of the mosquitto binary, or undefined when it is not installed. */
export function findMosquitto(): string | undefined {
  for (const p of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto']) {
    if (spawnSync(p, ['-h'], { stdio: 'ignore' }).error === undefined) return p;
  }
  const which = spawnSync('which', ['mosquitto'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export function mosquittoVersion(bin: string): string {
  const out = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  return /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
}

function readCpuSeconds(pid: number): number {
  try {
    // fields after the ")" of the command name: state is field 3, utime 14, stime 15 (1-based)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Start mosquitto with mTLS (require_certificate) on a free 127.0.0.1 port. */
export async function startMosquitto(bin: string, pem: { ca: string; cert: string; key: string }): Promise<MosquittoBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-mosquitto-'));
  chmodSync(dir, 0o755);
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text, { mode: 0o644 });
    chmodSync(p, 0o644);
    return p;
  };
  const port = await freePort();
  const conf = file(
    'mosquitto.conf',
    [
      `listener ${port} 127.0.0.1`,
      `cafile ${file('ca.pem', pem.ca)}`,
      `certfile ${file('server.pem', pem.cert)}`,
      `keyfile ${file('server.key', pem.key)}`,
      'require_certificate true',
      'use_identity_as_username true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  try {
    await waitForPort(port, child, 5000);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    cpuSeconds: () => readCpuSeconds(pid),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
