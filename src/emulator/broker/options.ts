/**
 * Broker option defaults (AWS IoT Core limits) and validation.
 */
import { InvalidBrokerOptionError } from './errors.js';
import type { BrokerHooks, BrokerOptions } from './types.js';

export interface ResolvedBrokerOptions {
  hooks: BrokerHooks;
  keepaliveMin: number;
  keepaliveMax: number;
  maxClientIdBytes: number;
  maxPayloadBytes: number;
  maxSubscriptionsPerConnection: number;
  maxFiltersPerSubscribe: number;
  connectTimeoutMs: number;
  maxInflightOut: number;
  /** largest packet accepted from a client (payload limit plus room for topic and properties) */
  maxPacketBytes: number;
}

export const DEFAULT_BROKER_OPTIONS = {
  keepaliveMin: 30,
  keepaliveMax: 1200,
  maxClientIdBytes: 128,
  maxPayloadBytes: 128 * 1024,
  maxSubscriptionsPerConnection: 50,
  maxFiltersPerSubscribe: 8,
  connectTimeoutMs: 10_000,
  maxInflightOut: 100,
} as const;

/** Room above the payload limit for fixed header, topic (≤ 256 B), packet id and v5 properties. */
const PACKET_OVERHEAD_BYTES = 8 * 1024;

function pickInteger(opts: BrokerOptions, name: keyof typeof DEFAULT_BROKER_OPTIONS, min: number, max: number): number {
  const value = opts[name] ?? DEFAULT_BROKER_OPTIONS[name];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidBrokerOptionError(name, 'must be an integer');
  }
  if (value < min || value > max) {
    throw new InvalidBrokerOptionError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Applies defaults and validates every numeric option; throws InvalidBrokerOptionError. */
export function resolveBrokerOptions(opts: BrokerOptions = {}): ResolvedBrokerOptions {
  const keepaliveMin = pickInteger(opts, 'keepaliveMin', 1, 65535);
  const keepaliveMax = pickInteger(opts, 'keepaliveMax', 1, 65535);
  if (keepaliveMin > keepaliveMax) {
    throw new InvalidBrokerOptionError('keepaliveMin', `must not exceed keepaliveMax (${keepaliveMax})`);
  }
  const maxPayloadBytes = pickInteger(opts, 'maxPayloadBytes', 0, 256 * 1024 * 1024);
  return {
    hooks: opts.hooks ?? {},
    keepaliveMin,
    keepaliveMax,
    maxClientIdBytes: pickInteger(opts, 'maxClientIdBytes', 1, 65535),
    maxPayloadBytes,
    maxSubscriptionsPerConnection: pickInteger(opts, 'maxSubscriptionsPerConnection', 0, 1_000_000),
    maxFiltersPerSubscribe: pickInteger(opts, 'maxFiltersPerSubscribe', 1, 65535),
    connectTimeoutMs: pickInteger(opts, 'connectTimeoutMs', 1, 3_600_000),
    maxInflightOut: pickInteger(opts, 'maxInflightOut', 1, 65535),
    maxPacketBytes: maxPayloadBytes + PACKET_OVERHEAD_BYTES,
  };
}

/** AWS IoT rule: 0 or above the maximum → maximum; below the minimum → minimum. */
export function clampKeepalive(requested: number, min: number, max: number): number {
  if (requested === 0 || requested > max) return max;
  return requested < min ? min : requested;
}
