/**
 * The phases that use the issued certificate: verify (connect, publish QoS 1, wait for PUBACK,
 * disconnect) and the flow.reconnect replay. Both use one TLS context per device, made on first use.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Outcome } from '../metrics/recorder.js';
import type { DeviceContext } from './context.js';
import { classifyThrown, failureReason, reconnectWait, verifyTopic } from './decisions.js';

/** A connection that opened after its device was stopped: nobody will close it otherwise. */
export const destroyLate = (conn: { destroy(): void }): void => conn.destroy();

/** The TLS context for an issued certificate and its key, made once on the first call. */
export function issuedContext(certificatePem: string, privateKeyPem: string, ca: string | undefined): () => SecureContext {
  let context: SecureContext | undefined;
  return () => (context ??= createSecureContext({ cert: certificatePem, key: privateKeyPem, ...(ca === undefined ? {} : { ca }) }));
}

/** Connect as `verifyClientId` with the issued certificate and publish one message at QoS 1. */
export async function verifyIssued(d: DeviceContext, secureContext: SecureContext, verifyClientId: string): Promise<void> {
  const { flow } = d.settings;
  const { spec, steps, exchange } = d;
  const vconn = await steps.run('verify_connect', () => exchange.connect('VerifyConnect', verifyClientId, secureContext), destroyLate);
  try {
    const topic = verifyTopic(flow.verify.topic, verifyClientId, spec.clientId);
    await steps.run('verify_publish', () => exchange.publishVerify(vconn, topic, Buffer.from(JSON.stringify({ serial: spec.serial, ts: Date.now() }))));
  } finally {
    await vconn.close();
  }
}

/**
 * flow.reconnect (power-cut replay): wait until `atMs` after the run start, then reconnect with
 * the issued certificate under the per-step retry policy; a device that cannot get back is failed.
 */
export async function reconnectAfterOutage(d: DeviceContext, atMs: number): Promise<Outcome> {
  const { state, stop } = d;
  const issued = state.issuedContext;
  if (issued === undefined) return { kind: 'failed', reason: 'reconnect: no issued certificate' };
  const wait = reconnectWait(d.settings.runStartMs, atMs, Date.now());
  if (wait > 0 && !(await stop.pause(wait))) return { kind: 'dropped', reason: stop.reason() };
  try {
    const ctx = issued();
    state.issuedContext = undefined;
    const conn = await d.steps.run('reconnect', () => d.exchange.connect('Reconnect', state.thingName ?? d.spec.clientId, ctx), destroyLate);
    await conn.close();
    return { kind: 'provisioned' };
  } catch (err) {
    // as after a flow attempt: anything but a stop or a failed step is fleetsim's own fault
    const thrown = classifyThrown(err);
    if (thrown.kind === 'stopped') return { kind: 'dropped', reason: stop.reason() };
    return { kind: 'failed', reason: thrown.kind === 'step' ? failureReason(thrown.step, thrown.failure) : thrown.reason };
  }
}
