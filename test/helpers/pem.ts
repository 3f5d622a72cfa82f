/**
 * Patterns for PEM private keys, built from parts so that no key-block marker appears literally
 * in the repository (a scanner for committed keys would flag it).
 */
const DASHES = '-'.repeat(5);
const LABEL = ['PRIVATE', 'KEY'].join(' ');

/** A PKCS#8 (or, with `legacy`, EC/RSA) private-key PEM somewhere in a string. */
export function privateKeyPem(opts: { legacy?: boolean } = {}): RegExp {
  const kind = opts.legacy === true ? '(?:EC |RSA )?' : '';
  return new RegExp(`${DASHES}BEGIN ${kind}${LABEL}${DASHES}`);
}

/** Exactly one PKCS#8 private-key PEM: header, base64 body, footer, trailing newline. */
export function wholePkcs8Pem(): RegExp {
  return new RegExp(`^${DASHES}BEGIN ${LABEL}${DASHES}\\n[A-Za-z0-9+/=\\n]+\\n${DASHES}END ${LABEL}${DASHES}\\n$`);
}
