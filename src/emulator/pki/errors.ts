/**
 * Typed errors of the emulator's PKI. Each carries a stable `code`; messages never contain key material.
 */

export type PkiErrorCode =
  | 'INVALID_DER'
  | 'INVALID_NAME'
  | 'INVALID_ISSUE_OPTIONS'
  | 'INVALID_CA'
  | 'UNSUPPORTED_KEY';

/** A certificate could not be built or a CA could not be loaded. */
export class PkiError extends Error {
  override name = 'PkiError';
  readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A certificate signing request was refused (AWS answers these with a 400 on `/rejected`). */
export class CsrError extends Error {
  override name = 'CsrError';
  readonly code = 'INVALID_CSR' as const;
}

export type KeyPoolErrorCode = 'POOL_CLOSED' | 'KEYGEN_FAILED';

/** A KeyPool could not hand out a key. */
export class KeyPoolError extends Error {
  override name = 'KeyPoolError';
  readonly code: KeyPoolErrorCode;
  constructor(code: KeyPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
