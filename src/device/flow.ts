/**
 * One pass of a device's flow: under flow.claim trusted-user, the app's CreateProvisioningClaim
 * and the hand-off first (app-claim.ts); the claim phase (provisioning.ts), the issued credentials handed to
 * onCredentials, then verify with the issued certificate (issued.ts). Under restart-flow the
 * device runs this again from the top (retry-runner.ts).
 */
import type { DeviceContext } from './context.js';
import { issuedContext, verifyIssued } from './issued.js';
import { provisionWithClaim, type Registration } from './provisioning.js';
import { asClaimExpiry, claimContext, handOff, requestTemporaryClaim } from './app-claim.js';
import type { IssuedCredentials } from './types.js';

/** One pass: claim phase, then verify (when enabled). Failures leave as FailedStep or Interrupted. */
export async function runFlowOnce(d: DeviceContext): Promise<void> {
  const { settings, state } = d;
  const onRegistered = (r: Registration) => {
    if (settings.onCredentials === undefined || state.certificateId === undefined) return;
    const c: IssuedCredentials = { certificateId: state.certificateId, certificatePem: r.certificatePem, privateKeyPem: r.privateKeyPem };
    if (r.thingName !== undefined) c.thingName = r.thingName;
    settings.onCredentials(c);
  };
  let reg: Registration;
  if (settings.flow.claim === 'trusted-user') {
    // the app gets a temporary claim, hands it to the device, which provisions with it
    const claim = await requestTemporaryClaim(d);
    await handOff(d);
    try {
      reg = await provisionWithClaim(d, onRegistered, claimContext(claim, d.target.ca));
    } catch (err) {
      throw asClaimExpiry(err, claim, Date.now());
    }
  } else reg = await provisionWithClaim(d, onRegistered);
  const issued = issuedContext(reg.certificatePem, reg.privateKeyPem, d.target.ca);
  if (settings.flow.reconnect !== undefined) state.issuedContext = issued;
  if (!settings.flow.verify.enabled) return;
  await verifyIssued(d, issued(), reg.thingName ?? d.spec.clientId);
}
