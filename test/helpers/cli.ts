/** Runs the real CLI in a subprocess (Playwright's runInlineTest idea): scenario files in a temp dir. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './emulator.js';

export const CLI = path.join(REPO_ROOT, 'bin', 'fleetsim.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temp workspace with scenarios/templates copied in; returns its path. */
export function makeWorkspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-test-'));
  mkdirSync(path.join(dir, 'scenarios'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'scenarios', 'templates'), path.join(dir, 'scenarios', 'templates'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function runCli(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number, stdout: NodeJS.ReadableStream) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetsim ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 120_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    if (child.pid !== undefined) opts.onSpawn?.(child.pid, child.stdout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The fleet and flow sections every test scenario shares (YAML text). */
export function fleetYaml(devices: number, o: { clientId?: string; serial?: string } = {}): string {
  return `fleet:
  devices: ${devices}
  clientId: "${o.clientId ?? 't-{runId}-{index}'}"
  serial: "${o.serial ?? '{index:4}'}"
  templateName: fleet-prov-test-template
  parameters:
    SerialNumber: "{serial}"
flow:
  replyTimeout: 10s
`;
}

/** A small emulator scenario (YAML text) with overrides for the load section. */
export function smallScenario(devices: number, load = 'model: closed\n  concurrency: 10', extra = ''): string {
  return `name: test
target:
  type: emulator
${fleetYaml(devices)}load:
  ${load}
emulator:
  templates:
    - name: fleet-prov-test-template
      file: templates/fleet-prov-test-template.json
${extra}`;
}
