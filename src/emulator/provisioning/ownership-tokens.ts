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

export interface TokenStoreOptions {
  /** how often expired tokens are swept (default: a quarter of the TTL, between 50 ms and 1 s) */
  sweepEveryMs?: number;
  /** the clock expiry is measured on, in milliseconds (default Date.now; tests pass a fake one) */
  now?: () => number;
}

export class TokenStore {
  // Insertion order == expiry order (one TTL for all), so sweeping stops at the first live token.
  private readonly tokens = new Map<string, TokenRecord>();
  private timer: NodeJS.Timeout | undefined;

  private readonly now: () => number;

  constructor(
    private readonly ttlMs: number,
    private readonly onExpire: (r: TokenRecord) => void,
    o: TokenStoreOptions = {},
  ) {
    this.now = o.now ?? (() => Date.now());
    this.timer = setInterval(() => this.sweep(), o.sweepEveryMs ?? Math.min(1000, Math.max(50, ttlMs / 4)));
    this.timer.unref();
  }

  issue(certificateId: string, claimCertificateId: string): string {
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { token, certificateId, claimCertificateId, expiresAt: this.now() + this.ttlMs, used: false });
    return token;
  }

  /** Validate and consume a token presented by `claimCertificateId`. */
  consume(token: unknown, claimCertificateId: string): TokenCheck {
    if (token === undefined || token === null || token === '') return { ok: false, message: 'Certificate ownership token cannot be empty.' };
    if (typeof token !== 'string') return { ok: false, message: 'Certificate ownership token must be a string.' };
    const r = this.tokens.get(token);
    if (r === undefined) return { ok: false, message: 'Certificate ownership token is invalid or has expired.' };
    if (r.used) return { ok: false, message: 'Certificate ownership token has already been used.' };
    if (this.now() >= r.expiresAt) return { ok: false, message: 'Certificate ownership token has expired.' };
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

  /** Forget the tokens expired at `now` and tell onExpire about each (also runs every sweepEveryMs). */
  sweep(now = this.now()): void {
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
