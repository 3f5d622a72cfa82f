/**
 * Test double: an in-memory duplex pair (Node 20 has no stream.duplexPair) and a packet-level MQTT
 * client built on mqtt-packet, so broker protocol rules can be checked byte-exactly without sockets.
 */
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { Duplex } from 'node:stream';
import type { Broker } from '../../../../src/emulator/broker/broker.js';
import type { TransportInfo } from '../../../../src/emulator/broker/types.js';

class PairSide extends Duplex {
  peer: PairSide | null = null;

  constructor() {
    super({ allowHalfOpen: false }); // like a TCP socket: the peer's FIN ends this side too
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.peer && !this.peer.destroyed) this.peer.push(chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.peer && !this.peer.destroyed) this.peer.push(null);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    if (peer && !peer.destroyed) peer.destroy();
    cb(err);
  }
}

export function createDuplexPair(): [Duplex, Duplex] {
  const a = new PairSide();
  const b = new PairSide();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export const MEMORY_TRANSPORT: TransportInfo = { remoteAddress: 'memory', peerCertificate: null };

export class RawClient {
  readonly packets: Packet[] = [];
  /** every received packet kind, in arrival order */
  readonly log: string[] = [];
  /** resolves when the broker side closed the stream */
  readonly closed: Promise<void>;
  private waiter: (() => void) | null = null;
  private readonly parser: mqttPacket.Parser;
  private isClosed = false;

  constructor(
    readonly stream: Duplex,
    readonly version: 4 | 5,
  ) {
    // the parser learns the version from a CONNECT; the client side never parses one, so pass it
    this.parser = mqttPacket.parser({ protocolVersion: version });
    this.parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.log.push(p.cmd);
      this.waiter?.();
    });
    stream.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    stream.on('error', () => {});
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.isClosed = true;
        this.waiter?.();
        resolve();
      };
      stream.once('end', done);
      stream.once('close', done);
    });
  }

  get isEnded(): boolean {
    return this.isClosed;
  }

  send(packet: Packet): void {
    this.stream.write(mqttPacket.generate(packet, { protocolVersion: this.version }));
  }

  sendRaw(bytes: Buffer): void {
    this.stream.write(bytes);
  }

  /** Waits for the next packet of the given kind (consuming earlier ones), or fails after timeoutMs. */
  async next<C extends Packet['cmd']>(cmd: C, timeoutMs = 2000): Promise<Extract<Packet, { cmd: C }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.packets.findIndex((p) => p.cmd === cmd);
      if (index >= 0) return this.packets.splice(index, 1)[0] as Extract<Packet, { cmd: C }>;
      const left = deadline - Date.now();
      if (left <= 0 || this.isClosed) throw new Error(`no ${cmd} packet (closed=${this.isClosed})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
  }

  /** Sends CONNECT and returns the CONNACK. */
  async connect(clientId: string, extra: Partial<mqttPacket.IConnectPacket> = {}): Promise<mqttPacket.IConnackPacket> {
    this.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: this.version, clientId, clean: true, keepalive: 60, ...extra });
    return this.next('connack');
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** Connects a RawClient to the broker through an in-memory duplex pair. */
export function attachRawClient(broker: Broker, version: 4 | 5, transport: TransportInfo = MEMORY_TRANSPORT): RawClient {
  const [serverSide, clientSide] = createDuplexPair();
  broker.handle(serverSide, transport);
  return new RawClient(clientSide, version);
}
