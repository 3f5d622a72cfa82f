/**
 * Typed errors of the broker core. Each has a stable `code`.
 */

export type BrokerErrorCode = 'BROKER_INVALID_OPTION' | 'BROKER_CLOSED' | 'BROKER_TLS_LISTEN_FAILED';

export class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  readonly hint?: string;

  constructor(code: BrokerErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'BrokerError';
    this.code = code;
    if (hint !== undefined) this.hint = hint;
  }
}

/** A broker option is out of range or of the wrong type. */
export class InvalidBrokerOptionError extends BrokerError {
  readonly option: string;

  constructor(option: string, rule: string) {
    super('BROKER_INVALID_OPTION', `broker option ${option} ${rule}`);
    this.name = 'InvalidBrokerOptionError';
    this.option = option;
  }
}
