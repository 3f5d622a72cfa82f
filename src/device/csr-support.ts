/**
 * The CreateCertificateFromCsr flow's key and CSR code (./identity.ts, with @peculiar/x509 and
 * reflect-metadata: a few hundred ms to load), loaded only by runs that use that flow. The
 * generator loads it before the first arrival, so no device's create_certificate includes it;
 * runs on CreateKeysAndCertificate never load it.
 */
type CsrSupport = typeof import('./identity.js');
let loaded: Promise<CsrSupport> | undefined;

export function loadCsrSupport(): Promise<CsrSupport> {
  loaded ??= import('./identity.js');
  return loaded;
}
