/**
 * The client certificate of a mutual-TLS connection, cheaply.
 *
 * `TLSSocket.getPeerX509Certificate()` copies the certificate and parses it again (OpenSSL 3's
 * decoders): about 0.3 ms of CPU per connection here, a tenth of a whole TLS handshake. Under load
 * thousands of devices present the same claim certificate, so the broker reads the certificate's
 * DER from the TLS session encoding instead (tens of µs), and keeps the parsed X509Certificate per
 * DER: one parse per distinct certificate. The DER itself (as a latin1 string) is the map key: V8
 * hashes a short string faster than node:crypto sets up a SHA-256 object.
 *
 * i2d(SSL_SESSION) (OpenSSL ssl/ssl_asn1.c) is SEQUENCE { version, sslVersion, cipher, sessionId,
 * masterKey, [0] keyArg?, [1] time?, [2] timeout?, [3] peer Certificate?, ... }. Anything else
 * (another TLS library, no session) falls back to getPeerX509Certificate().
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

interface Tlv {
  tag: number;
  /** offset of the value */
  start: number;
  /** offset after the value */
  end: number;
}

function readTlv(b: Buffer, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

/** The peer certificate's DER inside an encoded TLS session, or undefined. */
export function peerCertificateDer(session: Buffer): Buffer | undefined {
  const outer = readTlv(session, 0, session.length);
  if (outer === undefined || outer.tag !== 0x30) return undefined;
  for (let at = outer.start; at < outer.end; ) {
    const field = readTlv(session, at, outer.end);
    if (field === undefined) return undefined;
    if (field.tag === 0xa3) {
      const cert = readTlv(session, field.start, field.end);
      return cert !== undefined && cert.tag === 0x30 && cert.end === field.end ? session.subarray(field.start, field.end) : undefined;
    }
    at = field.end;
  }
  return undefined;
}

/** Parsed peer certificates by their DER (least recently used dropped first). */
export class PeerCertificateCache {
  private readonly byDer = new Map<string, X509Certificate>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 256) {}

  /** Parsed certificates held now (at most the capacity, however many devices connect). */
  get size(): number {
    return this.byDer.size;
  }

  /** The verified peer certificate of `socket`, or null when it presented none. */
  lookup(socket: TLSSocket): X509Certificate | null {
    const session = socket.getSession();
    const der = session === undefined ? undefined : peerCertificateDer(session);
    if (der === undefined) return socket.getPeerX509Certificate() ?? null;
    const key = der.toString('latin1');
    const cached = this.byDer.get(key);
    if (cached !== undefined) {
      this.hits++;
      this.byDer.delete(key);
      this.byDer.set(key, cached);
      return cached;
    }
    this.misses++;
    const cert = new X509Certificate(der);
    if (this.byDer.size >= this.capacity) this.byDer.delete(this.byDer.keys().next().value!);
    this.byDer.set(key, cert);
    return cert;
  }
}
