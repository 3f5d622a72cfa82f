/** Printing for the user, and error → exit code. */
import { FleetsimError, InputError } from '../index.js';
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

/** Print an error without a stack trace (unless FLEETSIM_DEBUG is set) and return its exit code. */
export function reportError(e: unknown): number {
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
