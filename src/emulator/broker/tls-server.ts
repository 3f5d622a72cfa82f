/**
 * Mutual-TLS listener for the broker (AWS IoT data endpoint style). One tls.Server, so one shared
 * SecureContext for every handshake. Clients offering ALPN must offer one of ALPNProtocols
 * (AWS requires x-amzn-mqtt-ca on 443); clients offering no ALPN are accepted too.
 */
import { constants as cryptoConstants } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Broker } from './broker.js';
import { BrokerError } from './errors.js';
import { PeerCertificateCache } from './peer-certificate.js';

export interface TlsBrokerServerOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (ephemeral) */
  port?: number;
  key: string;
  cert: string;
  /** CAs that issue client certificates */
  ca: string | string[];
  /** default ['x-amzn-mqtt-ca', 'mqtt']; clients that offer no ALPN are also accepted */
  ALPNProtocols?: string[];
  /** default 10 000 ms */
  handshakeTimeoutMs?: number;
  /**
   * Resume TLS sessions from tickets (TLS 1.3 and 1.2). Default false: tickets are not issued for
   * resumption and every connection is a full handshake. Whether AWS IoT resumes is undocumented;
   * stateless tickets cost about a quarter of a connect's CPU here (OpenSSL 3.0 re-parses the
   * client certificate for each of the two TLS 1.3 tickets it sends).
   */
  sessionResumption?: boolean;
}

export interface TlsBrokerServer {
  server: tls.Server;
  host: string;
  port: number;
  /** replaces the trusted client CAs for new handshakes (same key, cert and ALPN) */
  updateCa(ca: string[]): void;
  /** number of failed TLS handshakes so far (no cert, unknown CA, ALPN mismatch, timeout) */
  countHandshakeFailures(): number;
  /** TCP connections closed so far, failed handshakes included */
  countClosedConnections(): number;
  /** stops listening and destroys remaining sockets; call broker.close() first for a graceful v5 DISCONNECT */
  close(): Promise<void>;
}

export const DEFAULT_ALPN_PROTOCOLS: readonly string[] = ['x-amzn-mqtt-ca', 'mqtt'];

function buildContextOptions(opts: TlsBrokerServerOptions, ca: string | string[]): tls.SecureContextOptions {
  // SSL_OP_NO_TICKET: OpenSSL then sends TLS 1.3 tickets that only name a server-side cache entry,
  // and Node keeps no such cache, so a client offering one gets a full handshake
  const secureOptions = opts.sessionResumption === true ? 0 : cryptoConstants.SSL_OP_NO_TICKET;
  return { key: opts.key, cert: opts.cert, ca, minVersion: 'TLSv1.2', secureOptions };
}

function listen(server: tls.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new BrokerError('BROKER_TLS_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`));
    };
    server.once('error', onError);
    // AWS's front ends absorb launch-day bursts; a 511-deep accept queue would drop SYNs
    // (and add 1-3 s retransmits) long before the emulator's quotas speak
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts a mutual-TLS listener that hands every verified connection to broker.handle(). */
export async function createTlsBrokerServer(broker: Broker, opts: TlsBrokerServerOptions): Promise<TlsBrokerServer> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let handshakeFailures = 0;
  let closedConnections = 0;
  const peerCertificates = new PeerCertificateCache();
  const server = tls.createServer({
    ...buildContextOptions(opts, opts.ca),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: [...(opts.ALPNProtocols ?? DEFAULT_ALPN_PROTOCOLS)],
    handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
  });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      closedConnections++;
    });
  });
  server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => {
    handshakeFailures++;
    socket.destroy();
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket, {
      remoteAddress: socket.remoteAddress,
      alpnProtocol: socket.alpnProtocol ?? false,
      servername: socket.servername ?? false,
      // parsed once per distinct certificate (peer-certificate.ts): most devices share a claim certificate
      peerCertificate: peerCertificates.lookup(socket),
    });
  });
  server.on('error', () => {
    // listener-level errors after startup (e.g. EMFILE) must not crash the process
  });

  const port = await listen(server, host, opts.port ?? 0);

  return {
    server,
    host,
    port,
    updateCa(ca: string[]): void {
      server.setSecureContext(buildContextOptions(opts, ca));
    },
    countHandshakeFailures: () => handshakeFailures,
    countClosedConnections: () => closedConnections,
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
