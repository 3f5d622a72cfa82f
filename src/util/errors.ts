/**
 * Typed errors with a stable `code` and an optional hint (after undici's errors and k6's errext).
 * The CLI maps `exitCategory` to an exit code; the library never exits.
 */

export type ExitCategory = 'badInput' | 'runFailed' | 'interrupted';

export class FleetsimError extends Error {
  override name = 'FleetsimError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCategory: ExitCategory;

  constructor(code: string, message: string, opts: { hint?: string; exitCategory?: ExitCategory; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.exitCategory = opts.exitCategory ?? 'runFailed';
  }
}

export interface ValidationIssue {
  /** dotted path inside the file, e.g. `load.stages[2].rate` */
  path: string;
  /** the rule that was broken, as a sentence fragment: `must be > 0` */
  message: string;
}

/** Bad input: a scenario, template or flag. Lists every problem at once. */
export class InputError extends FleetsimError {
  override name = 'InputError';
  readonly file: string | undefined;
  readonly issues: ValidationIssue[];

  constructor(message: string, opts: { file?: string; issues?: ValidationIssue[]; hint?: string; cause?: unknown } = {}) {
    super('INPUT_INVALID', message, { hint: opts.hint, exitCategory: 'badInput', cause: opts.cause });
    this.file = opts.file;
    this.issues = opts.issues ?? [];
  }

  /** One line per problem, `file: path: rule`. */
  describe(): string {
    const prefix = this.file === undefined ? '' : `${this.file}: `;
    if (this.issues.length === 0) return `${prefix}${this.message}`;
    const lines = this.issues.map((i) => `  ${prefix}${i.path === '' ? '(root)' : i.path}: ${i.message}`);
    return `${this.message}\n${lines.join('\n')}`;
  }
}

/** The run could not complete: target unreachable, emulator failed to start, worker crash that stops the run. */
export class RunError extends FleetsimError {
  override name = 'RunError';
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCategory: 'runFailed' });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
