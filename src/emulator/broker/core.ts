/**
 * Internal contract between the Broker and its connections (not exported from the package index).
 */
import type { Connection } from './connection.js';
import type { ResolvedBrokerOptions } from './options.js';
import type { SubscriptionIndex } from './subscription-index.js';
import type { BrokerHooks, BrokerStats, HookName } from './types.js';

export interface BrokerCore {
  readonly options: ResolvedBrokerOptions;
  readonly hooks: BrokerHooks;
  readonly counters: BrokerStats;
  readonly index: SubscriptionIndex<Connection>;
  /** makes conn the owner of its clientId, evicting a previous owner (takeover) */
  registerClient(conn: Connection): void;
  /** forgets conn's clientId ownership (if it still owns it) */
  releaseClient(conn: Connection): void;
  /** the transport stream of conn has closed */
  releaseStream(conn: Connection): void;
  /** routes a PUBLISH to every matching subscriber except sender; returns the number of deliveries */
  route(sender: Connection | null, topic: string, payload: Buffer, qos: 0 | 1): number;
  /** runs the authorizeReceive hook (true when there is none); every outbound PUBLISH asks once */
  authorizeReceive(conn: Connection, topic: string): boolean;
  reportHookError(hook: HookName, error: unknown): void;
}
