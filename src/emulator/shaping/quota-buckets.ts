/**
 * The emulator's quotas (values and sources in src/protocol/quotas.ts): token buckets for connects
 * per account and per client ID, inbound publishes per connection, and each provisioning API.
 * A quota is checked when the request ARRIVES, before any injected latency.
 */
import { performance } from 'node:perf_hooks';
import { QUOTA_NAMES, QUOTAS, type QuotaName, type QuotaSetting, type QuotaSettings } from '../../protocol/quotas.js';
import type { ProvisioningApi } from '../../protocol/index.js';
import { FleetsimError } from '../../util/errors.js';
import { KeyedTokenBuckets, TokenBucket } from './token-bucket.js';

export interface QuotaRate {
  rate: number;
  burst: number;
}

/** The effective value of every quota: a rate or 'unlimited'. */
export type EffectiveQuotas = Record<QuotaName, QuotaRate | 'unlimited'>;

export class QuotaSettingError extends FleetsimError {
  override name = 'QuotaSettingError';
  constructor(message: string) {
    super('QUOTA_INVALID', message, { exitCategory: 'badInput' });
  }
}

/** Turn a setting into a rate (burst defaults to the rate, at least 1), or 'unlimited'. Throws QuotaSettingError. */
export function resolveQuotaSetting(name: string, setting: QuotaSetting): QuotaRate | 'unlimited' {
  if (setting === 'unlimited') return 'unlimited';
  const rate = typeof setting === 'number' ? setting : setting?.rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw new QuotaSettingError(`quota ${name}: rate must be a number > 0 (requests per second) or "unlimited", got ${JSON.stringify(setting)}`);
  }
  const burst = typeof setting === 'object' && setting.burst !== undefined ? setting.burst : Math.max(1, rate);
  if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
    throw new QuotaSettingError(`quota ${name}: burst must be a number >= 1, got ${JSON.stringify(burst)}`);
  }
  return { rate, burst };
}

/** AWS's defaults (QUOTAS[].defaultRate) with the given settings on top. */
export function resolveQuotas(settings: QuotaSettings = {}): EffectiveQuotas {
  const unknown = Object.keys(settings).filter((k) => !(QUOTA_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) throw new QuotaSettingError(`unknown quota ${unknown.join(', ')} (known: ${QUOTA_NAMES.join(', ')})`);
  const out = {} as EffectiveQuotas;
  for (const name of QUOTA_NAMES) {
    const setting = settings[name];
    out[name] = resolveQuotaSetting(name, setting === undefined ? QUOTAS[name].defaultRate : setting);
  }
  return out;
}

export type ConnectQuotaResult = 'ok' | 'connectPerAccount' | 'connectPerClientId';

export class Quotas {
  readonly effective: EffectiveQuotas;
  private readonly account: TokenBucket | null;
  private readonly perClientId: KeyedTokenBuckets | null;
  private readonly perConnection: QuotaRate | null;
  private readonly connections = new WeakMap<object, TokenBucket>();
  private readonly apis: Record<ProvisioningApi, TokenBucket | null>;
  private readonly claims: TokenBucket | null;

  constructor(
    settings: QuotaSettings = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    const q = (this.effective = resolveQuotas(settings));
    const t = now();
    const bucket = (r: QuotaRate | 'unlimited') => (r === 'unlimited' ? null : new TokenBucket(r.rate, r.burst, t));
    this.account = bucket(q.connectPerAccount);
    const c = q.connectPerClientId;
    this.perClientId = c === 'unlimited' ? null : new KeyedTokenBuckets(c.rate, c.burst, t);
    this.perConnection = q.publishPerConnection === 'unlimited' ? null : q.publishPerConnection;
    this.apis = {
      CreateKeysAndCertificate: bucket(q.CreateKeysAndCertificate),
      CreateCertificateFromCsr: bucket(q.CreateCertificateFromCsr),
      RegisterThing: bucket(q.RegisterThing),
    };
    this.claims = bucket(q.CreateProvisioningClaim);
  }

  /** One CreateProvisioningClaim call (control plane). */
  takeClaim(): boolean {
    return this.claims === null || this.claims.tryTake(this.now());
  }

  /**
   * One CONNECT: takes a token from both the client-ID bucket and the account bucket, or from
   * neither when either is empty (so a refused connect does not use up the other quota).
   */
  takeConnect(clientId: string): ConnectQuotaResult {
    const now = this.now();
    if (this.perClientId !== null && !this.perClientId.canTake(clientId, now)) return 'connectPerClientId';
    if (this.account !== null && !this.account.tryTake(now)) return 'connectPerAccount';
    this.perClientId?.tryTake(clientId, now);
    return 'ok';
  }

  /** One provisioning request. */
  takeApi(api: ProvisioningApi): boolean {
    const b = this.apis[api];
    return b === null || b.tryTake(this.now());
  }

  /** One inbound PUBLISH on `connection` (any object identifying it). */
  takePublish(connection: object): boolean {
    const rate = this.perConnection;
    if (rate === null) return true;
    const now = this.now();
    let b = this.connections.get(connection);
    if (b === undefined) {
      b = new TokenBucket(rate.rate, rate.burst, now);
      this.connections.set(connection, b);
    }
    return b.tryTake(now);
  }
}
