/**
 * Certificate ownership tokens: opaque, single use, bound to the certificate they were issued
 * with and to the claim certificate that asked, expiring after a TTL (AWS: 1 hour). When a token
 * expires and its certificate was never registered, the certificate is deleted (FPAPI, WOCERT).
 */
import { randomBytes } from 'node:crypto';

export interface TokenRecord {
  token: string;
  certificateId: string;
  /** the claim certificate whose connection asked for the certificate */
  claimCertificateId: string;
  expiresAt: number;
  used: boolean;
}

export type TokenCheck =
  | { ok: true; record: TokenRecord }
  | { ok: false; message: string };

export class TokenStore {
  // Insertion order == expiry order (one TTL for all), so sweeping stops at the first live token.
  private readonly tokens = new Map<string, TokenRecord>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly onExpire: (r: TokenRecord) => void,
    sweepEveryMs = Math.min(1000, Math.max(50, ttlMs / 4)),
  ) {
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  issue(certificateId: string, claimCertificateId: string): string {
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { token, certificateId, claimCertificateId, expiresAt: Date.now() + this.ttlMs, used: false });
    return token;
  }

  /** Validate and consume a token presented by `claimCertificateId`. */
  consume(token: unknown, claimCertificateId: string): TokenCheck {
    if (token === undefined || token === null || token === '') return { ok: false, message: 'Certificate ownership token cannot be empty.' };
    if (typeof token !== 'string') return { ok: false, message: 'Certificate ownership token must be a string.' };
    const r = this.tokens.get(token);
    if (r === undefined) return { ok: false, message: 'Certificate ownership token is invalid or has expired.' };
    if (r.used) return { ok: false, message: 'Certificate ownership token has already been used.' };
    if (Date.now() >= r.expiresAt) return { ok: false, message: 'Certificate ownership token has expired.' };
    if (r.claimCertificateId !== claimCertificateId) {
      return { ok: false, message: 'Certificate ownership token was issued to a different claim certificate.' };
    }
    r.used = true;
    return { ok: true, record: r };
  }

  /** Give a consumed token back (RegisterThing failed after consuming it, so the device may retry). */
  release(r: TokenRecord): void {
    if (this.tokens.get(r.token) === r) r.used = false;
  }

  /** Forget a token whose certificate was registered. */
  retire(r: TokenRecord): void {
    this.tokens.delete(r.token);
  }

  sweep(now = Date.now()): void {
    for (const r of this.tokens.values()) {
      if (r.expiresAt > now) break;
      this.tokens.delete(r.token);
      this.onExpire(r);
    }
  }

  get size(): number {
    return this.tokens.size;
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
