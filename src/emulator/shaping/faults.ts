/**
 * Seeded fault injection: drop a fraction of provisioning replies, answer a fraction with 500, and
 * disconnect a fraction of connections at a chosen step. Each kind of fault draws from its own
 * seeded stream, so the same seed gives the same sequence of decisions.
 */
import type { ProvisioningApi } from '../../protocol/index.js';
import { ReasonCode } from '../broker/index.js';
import { FleetsimError } from '../../util/errors.js';
import { deriveRandom, pickSeed, type Random } from '../../util/random.js';

/** MQTT 5 DISCONNECT reason code of an injected disconnect (AWS's is not documented). */
export const FAULT_DISCONNECT_REASON = ReasonCode.unspecifiedError;

export type DisconnectStep = 'connect' | ProvisioningApi;
export const DISCONNECT_STEPS: readonly DisconnectStep[] = ['connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing'];

export interface FaultSettings {
  /** PRNG seed; a random one (shown in the stats) when absent */
  seed?: number;
  /** fraction (0-1) of provisioning replies never sent */
  dropReplies?: number;
  /** fraction (0-1) of provisioning requests answered 500 */
  error500?: number;
  /** fraction (0-1) of connections closed at `at` (instead of answering the request) */
  disconnect?: { ratio: number; at: DisconnectStep };
}

export class FaultSettingError extends FleetsimError {
  override name = 'FaultSettingError';
  constructor(message: string) {
    super('FAULT_INVALID', message, { exitCategory: 'badInput' });
  }
}

function checkRatio(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new FaultSettingError(`faults.${name} must be a fraction between 0 and 1, got ${JSON.stringify(v)}`);
  return v;
}

export class Faults {
  readonly seed: number;
  private readonly dropRatio: number;
  private readonly errorRatio: number;
  private readonly disconnectRatio: number;
  private readonly disconnectAt: DisconnectStep | undefined;
  private readonly dropRandom: Random;
  private readonly errorRandom: Random;
  private readonly disconnectRandom: Random;

  constructor(s: FaultSettings = {}) {
    if (s.seed !== undefined && !Number.isInteger(s.seed)) throw new FaultSettingError(`faults.seed must be an integer, got ${JSON.stringify(s.seed)}`);
    this.seed = s.seed ?? pickSeed();
    this.dropRatio = checkRatio('dropReplies', s.dropReplies);
    this.errorRatio = checkRatio('error500', s.error500);
    this.disconnectRatio = checkRatio('disconnect.ratio', s.disconnect?.ratio);
    if (s.disconnect !== undefined && !DISCONNECT_STEPS.includes(s.disconnect.at)) {
      throw new FaultSettingError(`faults.disconnect.at must be one of ${DISCONNECT_STEPS.join(', ')}, got ${JSON.stringify(s.disconnect.at)}`);
    }
    this.disconnectAt = s.disconnect?.at;
    this.dropRandom = deriveRandom(this.seed, 'drop');
    this.errorRandom = deriveRandom(this.seed, 'error500');
    this.disconnectRandom = deriveRandom(this.seed, 'disconnect');
  }

  /** Should this provisioning reply be dropped? */
  dropReply(): boolean {
    return this.dropRatio > 0 && this.dropRandom() < this.dropRatio;
  }

  /** Should this provisioning request be answered 500? */
  answer500(): boolean {
    return this.errorRatio > 0 && this.errorRandom() < this.errorRatio;
  }

  /** Should the connection be closed at `step` (connect, or the arrival of that API's request)? */
  disconnectAtStep(step: DisconnectStep): boolean {
    return this.disconnectAt === step && this.disconnectRatio > 0 && this.disconnectRandom() < this.disconnectRatio;
  }

  describe(): { seed: number; dropReplies: number; error500: number; disconnect?: { ratio: number; at: DisconnectStep } } {
    const d: ReturnType<Faults['describe']> = { seed: this.seed, dropReplies: this.dropRatio, error500: this.errorRatio };
    if (this.disconnectAt !== undefined) d.disconnect = { ratio: this.disconnectRatio, at: this.disconnectAt };
    return d;
  }
}
