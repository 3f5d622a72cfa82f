/**
 * AWS IoT Core quotas that matter to a fleet-provisioning load test, and how throttling shows on the
 * wire (aws-fleet-provisioning.md §6).
 *
 * ONE TABLE: correct a value here and nowhere else. `status` says how sure we are:
 * - documented: the value is in a public AWS source (mostly the 2019 developer-guide limits table,
 *   LIM2019; current regional defaults may differ, so verify in Service Quotas);
 * - assumed: our best guess where AWS is silent;
 * - unconfirmed: AWS documents a value for a neighbouring thing (e.g. the control-plane API), but
 *   not for this one.
 * `defaultRate` is what the emulator enforces when the scenario says nothing.
 */
import type { ProvisioningApi } from './topics.js';

export type QuotaName = 'connectPerAccount' | 'connectPerClientId' | 'publishPerConnection' | ProvisioningApi | 'CreateProvisioningClaim';

export const QUOTA_NAMES: readonly QuotaName[] = [
  'connectPerAccount',
  'connectPerClientId',
  'publishPerConnection',
  'CreateKeysAndCertificate',
  'CreateCertificateFromCsr',
  'RegisterThing',
  'CreateProvisioningClaim',
];

export type QuotaStatus = 'documented' | 'assumed' | 'unconfirmed';

export interface QuotaSpec {
  description: string;
  /** AWS's value in requests per second, or null when no source gives one */
  value: number | null;
  status: QuotaStatus;
  source: string;
  /** what the emulator enforces by default (burst = rate), or 'unlimited' */
  defaultRate: number | 'unlimited';
  /** the value to model when turning the quota on, where AWS's MQTT value is unknown */
  suggestedRate?: number;
  note?: string;
}

export const QUOTAS = {
  connectPerAccount: {
    description: 'MQTT CONNECT requests per second per account',
    value: 500,
    status: 'documented',
    source: 'LIM2019 (developer-guide limits table, Nov 2019); adjustable',
    defaultRate: 500,
    note: 'burst size is not documented: the emulator uses burst = rate',
  },
  connectPerClientId: {
    description: 'MQTT CONNECT requests per second per client ID',
    value: 1,
    status: 'documented',
    source: 'LIM2019; not adjustable',
    defaultRate: 1,
  },
  publishPerConnection: {
    description: 'PUBLISH requests per second per connection',
    value: 100,
    status: 'documented',
    source: 'LIM2019 (excess is discarded); Classmethod note: the connection stays up, QoS 1 gets no PUBACK',
    defaultRate: 100,
    note: 'AWS counts inbound and outbound publishes; the emulator counts inbound PUBLISHes only (assumed)',
  },
  CreateKeysAndCertificate: {
    description: 'CreateKeysAndCertificate requests per second (MQTT API)',
    value: null,
    status: 'unconfirmed',
    source: 'not in LIM2019; Service Quotas lists "CreateKeysAndCertificate API TPS" without a default we could read',
    defaultRate: 'unlimited',
  },
  CreateCertificateFromCsr: {
    description: 'CreateCertificateFromCsr requests per second (MQTT API)',
    value: 15,
    status: 'unconfirmed',
    source: 'LIM2019 control-plane throttling table (15 TPS); whether it limits the MQTT API is not documented',
    defaultRate: 'unlimited',
    suggestedRate: 15,
  },
  RegisterThing: {
    description: 'RegisterThing requests per second (MQTT API)',
    value: 10,
    status: 'unconfirmed',
    source: 'LIM2019 control-plane throttling table (10 TPS); whether it limits the MQTT API is not documented',
    defaultRate: 'unlimited',
    suggestedRate: 10,
  },
  CreateProvisioningClaim: {
    description: 'CreateProvisioningClaim requests per second (control-plane API, provisioning by trusted user)',
    value: null,
    status: 'unconfirmed',
    source:
      'Service Quotas names "Maximum number of provisioning claims that can be generated per second by trusted user" but we found no default; LIM2019 has no row for it',
    defaultRate: 'unlimited',
    suggestedRate: 10,
    note: 'suggestedRate 10 is assumed (the value of the neighbouring RegisterThing row); over it the emulator answers ThrottlingException (HTTP 400, as the API reference says)',
  },
} as const satisfies Record<QuotaName, QuotaSpec>;

/**
 * How a CONNECT over a connect quota is refused. AWS documents the quota but not the CONNACK code
 * (§6 "How throttling shows up"): we pick the MQTT 5 code whose name says it, and for MQTT 3.1.1,
 * which has no such code, "server unavailable".
 */
export const THROTTLED_CONNECT = {
  mqtt5ReasonCode: 0x9f, // Connection rate exceeded
  mqtt311ReturnCode: 3, // Server unavailable
  status: 'assumed' as QuotaStatus,
  source: 'MQTT 5 spec reason code 0x9F; AWS lifecycle disconnectReason THROTTLED exists (LIFE), CONNACK code not documented',
} as const;

/** How a PUBLISH over publishPerConnection is handled: dropped, no PUBACK, connection kept (documented). */
export const THROTTLED_PUBLISH = {
  behaviour: 'discarded; QoS 1 gets no PUBACK; the connection stays open',
  status: 'documented' as QuotaStatus,
  source: 'LIM2019 "excess is discarded"; Classmethod support note on QoS 1',
} as const;

/** A quota in a scenario or an option: requests per second (burst = rate), {rate, burst}, or 'unlimited'. */
export type QuotaSetting = number | { rate: number; burst?: number } | 'unlimited';

export type QuotaSettings = Partial<Record<QuotaName, QuotaSetting>>;
