/**
 * How a device step fails, as values the flow decides on. Kept apart from connection.ts (the
 * mqtt module) so the flow's decisions can be tested without loading a client or opening a socket.
 */
import type { StepName } from '../metrics/names.js';

export type FailureKind = 'rejected' | 'timeout' | 'disconnect' | 'connect-refused' | 'connect-error' | 'protocol';

/** A step that did not succeed. Not thrown out of the device: it becomes an outcome or a retry. */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly detail: { statusCode?: number; errorCode?: string; reasonCode?: number; hookErrorType?: string } = {},
  ) {
    super(message);
  }
}

/** A step that failed for good (its own retries, if any, are spent); thrown as a plain object. */
export interface FailedStep {
  step: StepName;
  failure: StepFailure;
}

/** The device was told to stop (run interrupted, knee found): the wait ends, the device is dropped. */
export class Interrupted extends Error {}
