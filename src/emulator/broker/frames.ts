/**
 * Packet encoding helpers on mqtt-packet's generate(): one Buffer per packet, one socket write.
 */
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import type { MqttVersion } from './types.js';

const GEN_OPTS: Record<MqttVersion, { protocolVersion: MqttVersion }> = {
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};

/** PINGRESP is the same two bytes in every version. */
export const PINGRESP_FRAME = Buffer.from([0xd0, 0x00]);

/** Encodes a packet; returns null when mqtt-packet refuses it (never throws). */
export function encodePacket(packet: Packet, version: MqttVersion): Buffer | null {
  try {
    return mqttPacket.generate(packet, GEN_OPTS[version]);
  } catch {
    return null;
  }
}

/** Encodes a PUBLISH (retain always false: retained messages are not supported). */
export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, messageId: number, version: MqttVersion): Buffer | null {
  return encodePacket(
    qos === 0
      ? { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }
      : { cmd: 'publish', topic, payload, qos: 1, dup: false, retain: false, messageId },
    version,
  );
}

/**
 * QoS 0 frames for one broker-routed message: identical for every client of a protocol version,
 * so a fan-out encodes at most twice.
 */
export class PublishFrameCache {
  private v4: Buffer | null | undefined;
  private v5: Buffer | null | undefined;

  constructor(
    readonly topic: string,
    readonly payload: Buffer,
  ) {}

  get(version: MqttVersion): Buffer | null {
    if (version === 5) {
      if (this.v5 === undefined) this.v5 = encodePublish(this.topic, this.payload, 0, 0, 5);
      return this.v5;
    }
    if (this.v4 === undefined) this.v4 = encodePublish(this.topic, this.payload, 0, 0, 4);
    return this.v4;
  }
}
