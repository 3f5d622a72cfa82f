/**
 * What the emulator's devices do, one event per connect, disconnect, subscribe, request and reply,
 * for `fleetsim emulator --verbose` (what `mosquitto -v` gives a firmware developer) and its
 * periodic summary. Observing is opt-in: without an observer nothing here runs.
 */
import type { BrokerHooks, DisconnectReason } from './broker/index.js';
import type { ProvisioningApi } from '../protocol/index.js';

export type TrafficEvent =
  | { kind: 'connect'; clientId: string; protocolVersion: 4 | 5; accepted: boolean; throttled: boolean; reason?: string }
  | { kind: 'disconnect'; clientId: string; reason: DisconnectReason }
  | { kind: 'subscribe'; clientId: string; filter: string; granted: boolean }
  | { kind: 'request'; clientId: string; topic: string; api: ProvisioningApi }
  | {
      kind: 'reply';
      clientId: string;
      topic: string;
      api: ProvisioningApi;
      /** 200 for accepted, else the rejection's statusCode */
      status: number;
      errorCode?: string;
      /** from the request's arrival to the reply */
      latencyMs: number;
      /** sent; not sent because the device did not subscribe to the reply topic; lost to an injected fault */
      outcome: 'sent' | 'unsubscribed' | 'dropped';
    };

export type TrafficObserver = (e: TrafficEvent) => void;

/** The broker hooks, with connects, disconnects and subscribes also told to the observer (after the rules decided). Requests and replies come from the provisioning service. */
export function observeHooks(hooks: BrokerHooks, observe: TrafficObserver): BrokerHooks {
  return {
    ...hooks,
    async authenticate(req) {
      const result = hooks.authenticate === undefined ? { ok: true as const } : await hooks.authenticate(req);
      if (!result.ok) {
        const throttled = result.reason === 'connectionRateExceeded' || result.reason === 'quotaExceeded';
        observe({ kind: 'connect', clientId: req.clientId, protocolVersion: req.protocolVersion, accepted: false, throttled, reason: result.message ?? result.reason });
      }
      return result;
    },
    onConnected(client) {
      observe({ kind: 'connect', clientId: client.clientId, protocolVersion: client.protocolVersion, accepted: true, throttled: false });
      hooks.onConnected?.(client);
    },
    onDisconnected(client, reason) {
      hooks.onDisconnected?.(client, reason);
      observe({ kind: 'disconnect', clientId: client.clientId, reason });
    },
    authorizeSubscribe(client, filter, qos) {
      const decision = hooks.authorizeSubscribe === undefined ? 'allow' : hooks.authorizeSubscribe(client, filter, qos);
      observe({ kind: 'subscribe', clientId: client.clientId, filter, granted: decision === 'allow' });
      return decision;
    },
  };
}
