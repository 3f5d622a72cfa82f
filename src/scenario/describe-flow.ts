/**
 * The device flow a scenario runs, as one line of steps (`fleetsim run --plan`, --dry-run): with
 * flow.claim trusted-user the app's CreateProvisioningClaim and the hand-off come first.
 */
import { CLAIM_VALIDITY_MS } from '../protocol/trusted-user.js';
import { formatDuration } from '../util/duration.js';
import type { Scenario } from './schema.js';

function describeHandoff(h: NonNullable<Scenario['flow']['handoffDelay']>): string {
  if (typeof h === 'number') return formatDuration(h);
  if ('uniform' in h) return `uniform ${formatDuration(h.uniform[0])}–${formatDuration(h.uniform[1])}`;
  return `p50 ${formatDuration(h.p50)}, p99 ${formatDuration(h.p99)}`;
}

/** e.g. `flow: app CreateProvisioningClaim → hand-off 30 s → connect (temporary claim) → CreateKeysAndCertificate → RegisterThing → verify` */
export function describeFlow(s: Scenario): string {
  const steps: string[] = [];
  const trusted = s.flow.claim === 'trusted-user';
  if (trusted) {
    steps.push('app CreateProvisioningClaim (step create_provisioning_claim)');
    if (s.flow.handoffDelay !== undefined) steps.push(`hand-off ${describeHandoff(s.flow.handoffDelay)}`);
  }
  steps.push(trusted ? 'connect (temporary claim)' : 'connect (claim certificate)');
  steps.push(s.flow.certificate === 'csr' ? 'CreateCertificateFromCsr' : 'CreateKeysAndCertificate', 'RegisterThing');
  if (s.flow.verify.enabled) steps.push('verify');
  let line = `flow: ${steps.join(' → ')}`;
  if (trusted) {
    const validity = s.target.type === 'emulator' && s.emulator.claimValidity !== undefined ? `${formatDuration(s.emulator.claimValidity)} (emulator.claimValidity)` : `${formatDuration(CLAIM_VALIDITY_MS.value)} (AWS, ${CLAIM_VALIDITY_MS.status})`;
    line += `; temporary claims are valid ${validity}`;
  }
  return line;
}
