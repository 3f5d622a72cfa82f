/**
 * One pass of a device's flow: the claim phase (provisioning.ts), the issued credentials handed to
 * onCredentials, then verify with the issued certificate (issued.ts). Under restart-flow the
 * device runs this again from the top (retry-runner.ts).
 */
import type { DeviceContext } from './context.js';
import { issuedContext, verifyIssued } from './issued.js';
import { provisionWithClaim } from './provisioning.js';
import type { IssuedCredentials } from './types.js';

/** One pass: claim phase, then verify (when enabled). Failures leave as FailedStep or Interrupted. */
export async function runFlowOnce(d: DeviceContext): Promise<void> {
  const { settings, state } = d;
  const reg = await provisionWithClaim(d, (r) => {
    if (settings.onCredentials === undefined || state.certificateId === undefined) return;
    const c: IssuedCredentials = { certificateId: state.certificateId, certificatePem: r.certificatePem, privateKeyPem: r.privateKeyPem };
    if (r.thingName !== undefined) c.thingName = r.thingName;
    settings.onCredentials(c);
  });
  const issued = issuedContext(reg.certificatePem, reg.privateKeyPem, d.target.ca);
  if (settings.flow.reconnect !== undefined) state.issuedContext = issued;
  if (!settings.flow.verify.enabled) return;
  await verifyIssued(d, issued(), reg.thingName ?? d.spec.clientId);
}
