/**
 * The emulator's control-plane HTTP API: a subset of AWS IoT's REST API over the emulator's
 * registry, compatible with the AWS SDK v3 IoT client given `endpoint: <url>` (any region, any
 * credentials: requests are not signed-checked). An optional token bucket answers
 * ThrottlingException, so clients can test their retry path.
 */
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from '../registry/index.js';
import { TokenBucket } from '../shaping/token-bucket.js';
import { AwsServiceError, toAwsError } from './errors.js';
import { matchOperation, type ProvisioningClaimIssuer } from './operations.js';

export interface ControlPlaneOptions {
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** requests per second over all operations; `burst` defaults to `rate` */
  rateLimit?: { rate: number; burst?: number };
  /** serve HTTPS with this key and certificate (PEM); plain HTTP otherwise */
  tls?: { key: string; cert: string };
  /** serves CreateProvisioningClaim (its own quota is checked by the issuer) */
  claims?: ProvisioningClaimIssuer;
}

export interface ControlPlaneStats {
  /** requests answered, per operation (throttled ones included) */
  requests: Record<string, number>;
  throttled: number;
  errors: Record<string, number>;
}

export interface ControlPlane {
  url: string;
  host: string;
  port: number;
  stats(): ControlPlaneStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsServiceError('InvalidRequestException', `request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) resolve(parsed as Record<string, unknown>);
        else reject(new AwsServiceError('InvalidRequestException', 'the request body must be a JSON object'));
      } catch {
        reject(new AwsServiceError('InvalidRequestException', 'the request body is not valid JSON'));
      }
    });
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

/** Start the control plane over `registry`; resolves once it listens. */
export function startControlPlane(registry: Registry, o: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const stats: ControlPlaneStats = { requests: {}, throttled: 0, errors: {} };
  const bucket = o.rateLimit === undefined ? undefined : new TokenBucket(o.rateLimit.rate, o.rateLimit.burst ?? Math.max(1, o.rateLimit.rate), performance.now());
  const sockets = new Set<Socket>();

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://control-plane');
    const match = matchOperation(req.method ?? 'GET', url.pathname);
    const opName = match?.op.name ?? 'Unknown';
    stats.requests[opName] = (stats.requests[opName] ?? 0) + 1;
    const fail = (err: unknown) => {
      const e = toAwsError(err);
      stats.errors[e.type] = (stats.errors[e.type] ?? 0) + 1;
      send(res, e.status, { message: e.message }, e.type);
    };
    if (match === undefined) {
      req.resume();
      fail(new AwsServiceError('UnknownOperationException', `no control-plane operation for ${req.method ?? '?'} ${url.pathname}`));
      return;
    }
    if (bucket !== undefined && !bucket.tryTake(performance.now())) {
      stats.throttled++;
      req.resume();
      fail(new AwsServiceError('ThrottlingException', 'Rate exceeded'));
      return;
    }
    readBody(req).then(
      (body) => {
        try {
          const out = match.op.handle({ registry, labels: match.labels, query: url.searchParams, headers: req.headers, body, ...(o.claims === undefined ? {} : { claims: o.claims }) });
          send(res, 200, out);
        } catch (err) {
          fail(err);
        }
      },
      (err: unknown) => fail(err),
    );
  };
  const server = o.tls === undefined ? http.createServer(handler) : https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const host = o.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${o.tls === undefined ? 'http' : 'https'}://${urlHost}:${port}`,
        host,
        port,
        stats: () => structuredClone(stats),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
