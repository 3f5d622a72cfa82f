/**
 * Provisioning by trusted user, the emulator's side: CreateProvisioningClaim issues a temporary
 * claim certificate (facts in src/protocol/trusted-user.ts). The certificate is signed by the
 * emulator's CA with notAfter = its expiration, registered ACTIVE, and carries a claim policy
 * scoped to its template. The gateway asks `expiresAt` to refuse it once expired.
 */
import { generateKeyPairSyncFor, exportSpkiDer, formatPem, type CertificateAuthority } from '../pki/index.js';
import type { Registry } from '../registry/index.js';
import type { LoadedTemplate } from '../templates/index.js';
import { buildClaimPolicyDocument } from '../policy/claim-policy.js';
import type { Quotas } from '../shaping/quota-buckets.js';
import type { ServerStats } from './server-stats.js';
import { CLAIM_VALIDITY_MS, CREATE_PROVISIONING_CLAIM, isValidClaimTemplateName, type CreateProvisioningClaimResponse } from '../../protocol/trusted-user.js';

export type ClaimRefusal = { error: 'InvalidRequestException' | 'ResourceNotFoundException' | 'ThrottlingException'; message: string };

export interface TrustedUserClaimsOptions {
  ca: CertificateAuthority;
  registry: Registry;
  templates: readonly LoadedTemplate[];
  quotas: Quotas;
  stats: ServerStats;
  /** the set the gateway reads to tell claim certificates from device certificates (shared, added to here) */
  claimCertificateIds: Set<string>;
  /** validity of a temporary claim (default: AWS's 5 minutes) */
  validityMs?: number;
  /** the clock expirations are measured on (default Date.now) */
  now?: () => number;
}

/** Name of the claim policy of one template's temporary claims. */
export const trustedUserPolicyName = (templateName: string): string => `fleetsim-trusted-user-claim-${templateName}`;

export class TrustedUserClaims {
  private readonly expirations = new Map<string, number>();
  private readonly validityMs: number;
  private readonly now: () => number;

  constructor(private readonly o: TrustedUserClaimsOptions) {
    this.validityMs = o.validityMs ?? CLAIM_VALIDITY_MS.value;
    this.now = o.now ?? Date.now;
  }

  /** Temporary claims issued so far. */
  get issued(): number {
    return this.expirations.size;
  }

  /** Epoch ms a temporary claim certificate expires at; undefined for any other certificate. */
  expiresAt(certificateId: string): number | undefined {
    return this.expirations.get(certificateId);
  }

  private refuse(r: ClaimRefusal, status: number): ClaimRefusal {
    const { stats } = this.o;
    stats.count(`rejected{api=${CREATE_PROVISIONING_CLAIM},code=${r.error},status=${status}}`);
    if (r.error === 'ThrottlingException') stats.count(`throttled{api=${CREATE_PROVISIONING_CLAIM}}`);
    return r;
  }

  /** One CreateProvisioningClaim: the quota first (as AWS checks rate before work), then the template. */
  create(templateName: string): CreateProvisioningClaimResponse | ClaimRefusal {
    const { stats, quotas, registry, ca } = this.o;
    stats.count(`received{api=${CREATE_PROVISIONING_CLAIM}}`);
    if (!quotas.takeClaim()) return this.refuse({ error: 'ThrottlingException', message: 'Rate exceeded' }, 400);
    if (!isValidClaimTemplateName(templateName)) {
      return this.refuse({ error: 'InvalidRequestException', message: `templateName must be 1-36 characters of 0-9 A-Z a-z _ - (got ${JSON.stringify(templateName)})` }, 400);
    }
    const template = this.o.templates.find((t) => t.name === templateName);
    if (template === undefined) return this.refuse({ error: 'ResourceNotFoundException', message: `The provisioning template ${templateName} does not exist` }, 404);
    if (!template.enabled) return this.refuse({ error: 'InvalidRequestException', message: `The provisioning template ${templateName} is disabled` }, 400);

    // whole seconds, taken before the certificate is issued: the expiration is never later than the
    // certificate's notAfter (also whole seconds), so a handshake refused for an expired certificate
    // always comes after the expiration the app was given
    const expiration = Math.floor(this.now() / 1000) * 1000 + Math.round(this.validityMs / 1000) * 1000;
    const keys = generateKeyPairSyncFor('ec-p256');
    const cert = ca.issue({
      publicKey: keys.publicKey,
      subject: { CN: `fleetsim temporary claim ${templateName}`, O: 'fleetsim' },
      usage: 'client',
      validityDays: this.validityMs / 86_400_000,
    });
    const record = registry.addCertificate({ certificateId: cert.certificateId, certificatePem: cert.certificatePem, status: 'ACTIVE', issuedVia: 'claim' });
    const policyName = trustedUserPolicyName(templateName);
    if (registry.getPolicy(policyName) === undefined) registry.createPolicy(policyName, buildClaimPolicyDocument([templateName], registry.region, registry.accountId));
    registry.attachPolicy(policyName, record.certificateArn);
    this.expirations.set(cert.certificateId, expiration);
    this.o.claimCertificateIds.add(cert.certificateId);
    stats.count(`accepted{api=${CREATE_PROVISIONING_CLAIM}}`);
    return {
      certificateId: cert.certificateId,
      certificatePem: cert.certificatePem,
      keyPair: { PublicKey: formatPem(exportSpkiDer(keys.publicKey), 'PUBLIC KEY'), PrivateKey: keys.privateKeyPem },
      expiration: expiration / 1000,
    };
  }
}
