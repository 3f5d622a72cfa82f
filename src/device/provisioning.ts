/**
 * The claim phase: connect with the claim certificate → subscribe → CreateKeysAndCertificate |
 * CreateCertificateFromCsr → subscribe → RegisterThing. The claim is the shared claim certificate,
 * or a temporary one (flow.claim trusted-user, app-claim.ts). A step that finds the claim connection
 * gone reconnects and resubscribes before its request.
 */
import type { SecureContext } from 'node:tls';
import {
  isCreateCertificateFromCsrResponse,
  isCreateKeysAndCertificateResponse,
  isRegisterThingResponse,
  replyTopics,
} from '../protocol/index.js';
import type { DeviceContext } from './context.js';
import type { DeviceConnection } from './connection.js';
import { certificateApi, registerThingBody } from './decisions.js';
import { Interrupted, StepFailure, type FailedStep } from './failure.js';
import { loadCsrSupport } from './csr-support.js';

/** What RegisterThing gave the device. */
export interface Registration {
  certificatePem: string;
  privateKeyPem: string;
  thingName?: string;
}

/**
 * Run the claim phase. `onRegistered` runs after RegisterThing while the claim connection is still
 * open; the connection is then closed (destroyed on any failure).
 */
export async function provisionWithClaim(d: DeviceContext, onRegistered: (r: Registration) => void, claimContext?: SecureContext): Promise<Registration> {
  const { flow, templateName } = d.settings;
  const { spec, steps, exchange, state } = d;
  let conn: DeviceConnection | undefined;
  const certApi = certificateApi(flow);
  /** the open claim connection, or a new one subscribed to `topics` */
  const ensure = async (topics: string[][]): Promise<DeviceConnection> => {
    if (conn?.isOpen === true) return conn;
    conn?.destroy();
    const opened = await exchange.connect('Connect', spec.clientId, claimContext ?? d.target.claimSecureContext);
    if (d.stop.aborted) {
      // the step was interrupted and the cleanup below already ran: this connection is nobody's
      opened.destroy();
      throw new Interrupted();
    }
    conn = opened;
    for (const t of topics) await conn.subscribe(t, flow.replyTimeout);
    return conn;
  };
  const malformed = (step: FailedStep['step'], message: string): FailedStep => ({ step, failure: new StepFailure('protocol', message) });
  try {
    await steps.run('connect', () => ensure([]));
    const certTopics = replyTopics(certApi, flow.format);
    await steps.run('subscribe', async () => (await ensure([])).subscribe(certTopics, flow.replyTimeout));

    let privateKeyPem: string;
    let certificatePem: string;
    let token: string;
    if (certApi === 'CreateKeysAndCertificate') {
      const res = await steps.run('create_certificate', async () => exchange.call(await ensure([certTopics]), certApi, {}));
      if (!isCreateKeysAndCertificateResponse(res)) throw malformed('create_certificate', 'accepted reply lacks fields');
      ({ privateKey: privateKeyPem, certificatePem, certificateOwnershipToken: token } = res);
      state.certificateId = res.certificateId;
    } else {
      const csr = await (await loadCsrSupport()).createDeviceCsr(flow.keyAlgorithm, spec.clientId);
      privateKeyPem = csr.privateKeyPem;
      const res = await steps.run('create_certificate', async () =>
        exchange.call(await ensure([certTopics]), certApi, { certificateSigningRequest: csr.csrPem }),
      );
      if (!isCreateCertificateFromCsrResponse(res)) throw malformed('create_certificate', 'accepted reply lacks fields');
      ({ certificatePem, certificateOwnershipToken: token } = res);
      state.certificateId = res.certificateId;
    }

    const regTopics = replyTopics('RegisterThing', flow.format, templateName);
    await steps.run('subscribe', async () => (await ensure([certTopics])).subscribe(regTopics, flow.replyTimeout));
    const body = registerThingBody(token, spec.parameters);
    const reg = await steps.run('register_thing', async () => exchange.call(await ensure([certTopics, regTopics]), 'RegisterThing', body));
    if (!isRegisterThingResponse(reg)) throw malformed('register_thing', 'accepted reply is malformed');
    state.thingName = reg.thingName;
    const registration: Registration = { certificatePem, privateKeyPem };
    if (reg.thingName !== undefined) registration.thingName = reg.thingName;
    onRegistered(registration);
    await conn?.close();
    conn = undefined;
    return registration;
  } finally {
    conn?.destroy();
  }
}
