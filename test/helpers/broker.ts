/** A broker for one test body, closed afterwards whatever the body did. */
import { Broker } from '../../src/emulator/broker/broker.js';
import type { BrokerOptions } from '../../src/emulator/broker/types.js';

export async function withBroker(opts: BrokerOptions, body: (broker: Broker) => Promise<void>): Promise<void> {
  const broker = new Broker(opts);
  try {
    await body(broker);
  } finally {
    await broker.close();
  }
}
