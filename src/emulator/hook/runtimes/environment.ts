/**
 * One execution environment: a long-lived child process running our bootstrap for the hook's
 * runtime (bootstrap.py for Python, node-bootstrap.js for Node.js). It imports the handler module
 * once, then serves one invocation at a time, so module-level state persists between invocations
 * in this environment, as in a warm Lambda environment.
 *
 * The child's stdout carries the handler's output and our frames (NUL + tag + JSON + newline);
 * everything that is not a frame is handed to `onOutput` (the log stream), as it arrives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { HookRuntime } from '../hook-config.js';

export interface Frame {
  type: 'ready' | 'initError' | 'result' | 'error';
  payload?: unknown;
  errorType?: string;
  errorMessage?: string;
  stackTrace?: string[];
  maxMemoryMb?: number | null;
}

/** The environment's process ended without a frame: what it exited with, and the last of its output. */
export interface Exited {
  type: 'exit';
  code: number | null;
  signal: NodeJS.Signals | null;
  /** spawn failed (e.g. ENOENT: the interpreter is not installed) */
  spawnError?: NodeJS.ErrnoException;
}

export interface LaunchSpec {
  runtime: HookRuntime;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class Environment {
  /** 32 hex digits: the log stream's id */
  readonly id = randomBytes(16).toString('hex');
  readonly frameTag = randomBytes(8).toString('hex');
  private child: ChildProcess | undefined;
  private buf = '';
  private waiter: ((f: Frame | Exited) => void) | undefined;
  private exited: Exited | undefined;
  /** output the handler wrote (not frames): the caller logs it */
  onOutput: (text: string) => void = () => {};
  /** called once when the process ends, for whatever reason */
  onExit: (e: Exited) => void = () => {};

  constructor(private readonly launch: LaunchSpec) {}

  get alive(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  /** Start the process and wait for its first frame (ready or initError) or its exit. */
  start(extraEnv: Record<string, string>): Promise<Frame | Exited> {
    const wait = this.next();
    const child = spawn(this.launch.command, this.launch.args, {
      cwd: this.launch.cwd,
      env: { ...this.launch.env, ...extraEnv, FLEETSIM_FRAME: this.frameTag },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.read(chunk));
    // anything on stderr (the interpreter's own messages before the bootstrap runs) is output too
    child.stderr!.on('data', (chunk: string) => this.onOutput(chunk));
    child.stdin!.on('error', () => {}); // EPIPE when the process died: its exit reports it
    child.on('error', (err: NodeJS.ErrnoException) => this.finish({ type: 'exit', code: null, signal: null, spawnError: err }));
    child.on('close', (code, signal) => this.finish({ type: 'exit', code, signal }));
    return wait;
  }

  /** Send one invocation; resolves with its result or error frame, or the process's exit. */
  invoke(requestId: string, event: unknown, deadlineMs: number): Promise<Frame | Exited> {
    if (this.exited !== undefined || this.child === undefined) return Promise.resolve(this.exited ?? { type: 'exit', code: null, signal: null });
    const wait = this.next();
    this.child.stdin!.write(`${JSON.stringify({ requestId, deadlineMs, event })}\n`);
    return wait;
  }

  /** Kill the process (a timed-out or reaped environment); output already written stays in the log. */
  kill(): void {
    if (this.child !== undefined && this.exited === undefined) this.child.kill('SIGKILL');
  }

  private next(): Promise<Frame | Exited> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private deliver(f: Frame | Exited): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(f);
  }

  private finish(e: Exited): void {
    if (this.exited !== undefined) return;
    if (this.buf !== '') {
      this.onOutput(this.buf);
      this.buf = '';
    }
    this.exited = e;
    this.deliver(e);
    this.onExit(e);
  }

  private read(chunk: string): void {
    this.buf += chunk;
    const prefix = `\0${this.frameTag}:`;
    for (;;) {
      const at = this.buf.indexOf(prefix);
      if (at < 0) {
        // keep a possible partial frame prefix; everything before it is output
        const nul = this.buf.lastIndexOf('\0');
        const keepFrom = nul >= 0 && prefix.startsWith(this.buf.slice(nul)) ? nul : this.buf.length;
        if (keepFrom > 0) this.onOutput(this.buf.slice(0, keepFrom));
        this.buf = this.buf.slice(keepFrom);
        return;
      }
      if (at > 0) this.onOutput(this.buf.slice(0, at));
      const nl = this.buf.indexOf('\n', at);
      if (nl < 0) {
        this.buf = this.buf.slice(at);
        return;
      }
      const json = this.buf.slice(at + prefix.length, nl);
      this.buf = this.buf.slice(nl + 1);
      let frame: Frame;
      try {
        frame = JSON.parse(json) as Frame;
      } catch {
        frame = { type: 'error', errorType: 'Runtime.InvalidResponse', errorMessage: 'the runtime sent an unreadable frame', stackTrace: [] };
      }
      this.deliver(frame);
    }
  }
}
