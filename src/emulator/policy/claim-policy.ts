/**
 * The default claim-certificate policy: AWS's fleet-provisioning walkthrough policy (WOCERT), with
 * the CreateCertificateFromCsr topics added (as AWS's C demo claim_policy.json does): connect with
 * any client ID; publish and receive on the provisioning request and reply topics; subscribe to
 * the same topics as topic filters.
 */
import { createHash } from 'node:crypto';
import { toCanonicalJson, type Registry } from '../registry/index.js';

export const CLAIM_POLICY_NAME = 'fleetsim-claim-policy';

export function buildClaimPolicyDocument(templateNames: readonly string[], region = '*', accountId = '*'): Record<string, unknown> {
  const topics = [
    '$aws/certificates/create/*',
    '$aws/certificates/create-from-csr/*',
    ...templateNames.map((n) => `$aws/provisioning-templates/${n}/provision/*`),
  ];
  const arn = (kind: 'topic' | 'topicfilter', t: string) => `arn:aws:iot:${region}:${accountId}:${kind}/${t}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:Connect'], Resource: '*' },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics.map((t) => arn('topic', t)) },
      { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: topics.map((t) => arn('topicfilter', t)) },
    ],
  };
}

/**
 * Create the claim policy in the registry (if needed) and attach it to the claim certificate, so
 * the control plane shows it like AWS would. A saved registry may hold an older claim policy with
 * another document: then the new one gets a name suffixed with a hash of its document.
 */
export function attachClaimPolicy(registry: Registry, claimCertificateArn: string, templateNames: readonly string[], doc?: Record<string, unknown>): string {
  const document = doc ?? buildClaimPolicyDocument(templateNames, registry.region, registry.accountId);
  let name = CLAIM_POLICY_NAME;
  const existing = registry.getPolicy(name);
  if (existing !== undefined && toCanonicalJson(existing.policyDocument) !== toCanonicalJson(document)) {
    name = `${CLAIM_POLICY_NAME}-${createHash('sha256').update(toCanonicalJson(document)).digest('hex').slice(0, 12)}`;
  }
  if (registry.getPolicy(name) === undefined) registry.createPolicy(name, document);
  registry.attachPolicy(name, claimCertificateArn);
  return name;
}
