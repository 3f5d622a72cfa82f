/**
 * The AWS SDK v3 IoT client as cleanup uses it: region and credentials from the standard AWS
 * chain (or dummy ones for a local emulator), every call paced per API, ThrottlingException and
 * transient failures retried with exponential backoff and full jitter.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../util/errors.js';
import type { Pacer } from './pacer.js';

export type ErrorClass = 'not-found' | 'throttled' | 'conflict' | 'transient' | 'systemic' | 'fatal';

/** Errors after which no further call can succeed: stop the whole cleanup. */
const SYSTEMIC = new Set([
  'UnauthorizedException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

/** How cleanup treats an error from the IoT client. */
export function classifyError(err: unknown): ErrorClass {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  if (name === 'ResourceNotFoundException') return 'not-found';
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429) return 'throttled';
  if (name === 'DeleteConflictException' || name === 'CertificateStateException' || name === 'VersionConflictException') return 'conflict';
  if (name === 'InvalidRequestException' && /still attached|attached to/i.test(e.message ?? '')) return 'conflict';
  if (SYSTEMIC.has(name) || e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND') return 'systemic';
  if (name === 'ServiceUnavailableException' || name === 'InternalFailureException' || name === 'InternalException' || (status !== undefined && status >= 500)) return 'transient';
  if (name === 'TimeoutError' || e?.code === 'ECONNRESET' || e?.code === 'ETIMEDOUT' || e?.code === 'EPIPE') return 'transient';
  return 'fatal';
}

export function describeError(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  const name = e?.name !== undefined && e.name !== 'Error' ? e.name : (e?.code ?? 'Error');
  return `${name}: ${e?.message ?? String(err)}`;
}

/** http(s) URL on this machine: a local emulator's control plane. */
export function isLocalEndpoint(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

export interface IotClientSettings {
  client: IoTClient;
  region: string;
  endpoint?: string;
  local: boolean;
}

/** Build the client and resolve its region (and, for AWS, its credentials) before any call. */
export async function createIotClient(o: { region?: string; endpoint?: string }): Promise<IotClientSettings> {
  // loaded on first use: the SDK costs every other command half a second of start-up
  const { IoTClient } = await import('@aws-sdk/client-iot');
  const local = isLocalEndpoint(o.endpoint);
  const region = o.region ?? (local ? 'us-east-1' : undefined);
  const client = new IoTClient({
    ...(region === undefined ? {} : { region }),
    ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
    // a local emulator does not check signatures; AWS gets the standard credential chain
    ...(local ? { credentials: { accessKeyId: 'fleetsim', secretAccessKey: 'fleetsim' } } : {}),
    // cleanup retries itself, paced, so that every ThrottlingException is seen and counted
    maxAttempts: 1,
  });
  let resolved: string;
  try {
    resolved = await client.config.region();
  } catch {
    client.destroy();
    throw new InputError('no AWS region for cleanup', { hint: 'pass --region, set AWS_REGION, or give target.region in the scenario' });
  }
  if (!local) {
    try {
      await client.config.credentials();
    } catch (err) {
      client.destroy();
      throw new InputError(`no AWS credentials for cleanup: ${(err as Error).message}`, {
        hint: 'the standard AWS chain is used: AWS_PROFILE / AWS_ACCESS_KEY_ID, ~/.aws/config (SSO), or an instance or task role',
      });
    }
  }
  return { client, region: resolved, ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }), local };
}

export interface CallStats {
  requests: number;
  throttled: number;
  retries: number;
}

export class CleanupAborted extends Error {
  override name = 'CleanupAborted';
}

/** Sends commands paced per API; retries throttling and transient failures with full-jitter backoff. */
export class IotCaller {
  readonly stats: CallStats = { requests: 0, throttled: 0, retries: 0 };

  constructor(
    private readonly pacer: Pacer,
    private readonly signal: AbortSignal | undefined,
    private readonly retry = { maxAttempts: 8, baseMs: 200, maxMs: 20_000 },
  ) {}

  /** `send` one command for `api`; throws the last error once retries are spent. */
  async call<T>(api: string, send: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.aborted()) throw new CleanupAborted('interrupted');
      try {
        await this.pacer.take(api, this.signal);
      } catch {
        throw new CleanupAborted('interrupted');
      }
      this.stats.requests++;
      try {
        const out = await send(this.signal);
        this.pacer.speedUp(api);
        return out;
      } catch (err) {
        if (this.aborted()) throw new CleanupAborted('interrupted');
        const cls = classifyError(err);
        if (cls === 'throttled') {
          this.stats.throttled++;
          this.pacer.slowDown(api);
        }
        // throttling is expected and worth waiting out; other transient failures get a few tries only
        const budget = cls === 'throttled' ? this.retry.maxAttempts : cls === 'transient' ? Math.min(4, this.retry.maxAttempts) : 1;
        if (attempt >= budget) throw err;
        this.stats.retries++;
        await this.backoff(attempt);
      }
    }
  }

  private aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Full jitter: a random wait in [0, min(max, base·2^attempt)). */
  async backoff(attempt: number): Promise<void> {
    const cap = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** attempt);
    try {
      await sleep(Math.random() * cap, undefined, this.signal === undefined ? {} : { signal: this.signal });
    } catch {
      throw new CleanupAborted('interrupted');
    }
  }
}
