/** The emulator's PKI: key generation and pooling, a fast synchronous CA, CSR parsing. */
export * from './keys.js';
export * from './ca.js';
export * from './csr.js';
export { PkiError, KeyPoolError, type PkiErrorCode, type KeyPoolErrorCode } from './errors.js';
export { computeCertificateId, parseIpAddress } from './certificate.js';
export { formatPem } from './pem.js';
export { exportSpkiDer, exportPkcs8Pem } from './key-encoding.js';
