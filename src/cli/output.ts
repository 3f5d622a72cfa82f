/** Printing for the user, and error → exit code. */
import { FleetsimError, InputError } from '../index.js';
import { ExitCode } from './exit-codes.js';

export const out = (s: string): void => void process.stdout.write(`${s}\n`);
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
