/** Printing for the user, colour, a closed stdout, and error → exit code. */
import type { ChalkInstance } from 'chalk';
import { FleetsimError, InputError, makeChalk } from '../index.js';
import { ExitCode } from './exit-codes.js';

/** Set once stdout's reader has gone (`fleetsim validate x | head -1`): further output is dropped. */
let stdoutClosed = false;
// a closed pipe ends the output quietly, not with an unhandled EPIPE and a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
    stdoutClosed = true;
    return;
  }
  stdoutClosed = true;
  process.stderr.write(`fleetsim: cannot write to standard output: ${e.code ?? e.message}\n`);
});

export const out = (s: string): void => {
  if (!stdoutClosed) process.stdout.write(`${s}\n`);
};
export const err = (s: string): void => void process.stderr.write(`${s}\n`);

/** `--color` / `--no-color` as given on the command line (main.ts sets it before any command runs). */
let colorFlag: boolean | undefined;
export function setColorFlag(flag: boolean | undefined): void {
  colorFlag = flag;
}

/**
 * Whether to colour stdout, as the ecosystem decides it: `--color`/`--no-color` first, then
 * FORCE_COLOR (`0` or `false`: off, anything else: on), then NO_COLOR (set and not empty: off),
 * then whether stdout is a terminal (and TERM is not `dumb`).
 */
export function colorEnabled(
  flag: boolean | undefined = colorFlag,
  env: NodeJS.ProcessEnv = process.env,
  isTty: boolean = process.stdout.isTTY === true,
): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTty && env.TERM !== 'dumb';
}

/** The chalk instance for stdout, coloured or not as colorEnabled() says. */
export function stdoutChalk(flag: boolean | undefined = colorFlag): ChalkInstance {
  // colorEnabled() has already weighed NO_COLOR, so the answer is explicit
  return makeChalk(colorEnabled(flag), true);
}

/**
 * A reader that closes our stdout (`fleetsim report x | head -3`) ends the command quietly:
 * EPIPE on stdout or stderr exits at once with the exit code so far, and no stack trace.
 */
export function endQuietlyOnClosedOutput(): void {
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Pass);
    throw e;
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
}

/** Wrong or missing arguments for one command: the message, then that command's usage. */
export class UsageError extends InputError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Print an error without a stack trace (unless FLEETSIM_DEBUG is set) and return its exit code. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    err(`fleetsim: ${e.message}`);
    err('');
    err(e.usage);
    return ExitCode.BadInput;
  }
  if (e instanceof InputError) {
    err(`fleetsim: ${e.describe()}`);
    if (e.hint !== undefined) err(`hint: ${e.hint}`);
    return ExitCode.BadInput;
  }
  if (e instanceof FleetsimError) {
    err(`fleetsim: ${e.message}`);
    if (e.hint !== undefined) err(`hint: ${e.hint}`);
    if (process.env.FLEETSIM_DEBUG !== undefined) err(String(e.stack));
    return e.exitCategory === 'badInput' ? ExitCode.BadInput : e.exitCategory === 'interrupted' ? ExitCode.Interrupted : ExitCode.RunFailed;
  }
  err(`fleetsim: unexpected error: ${(e as Error)?.message ?? String(e)}`);
  if (process.env.FLEETSIM_DEBUG !== undefined) err(String((e as Error)?.stack));
  else err('(set FLEETSIM_DEBUG=1 for the stack trace, and please report it)');
  return ExitCode.RunFailed;
}
