/**
 * Fleet provisioning by trusted user: the control-plane call CreateProvisioningClaim, shared by the
 * device (which plays the installer's app) and the emulator (which answers it).
 *
 * Sources:
 * - APIREF: AWS IoT API Reference, "CreateProvisioningClaim"
 *   (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateProvisioningClaim.html);
 * - WOCERT: AWS IoT developer guide, "Provisioning devices that don't have device certificates using
 *   fleet provisioning", section "Provisioning by trusted user"
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html);
 * - ATLAS: AWS IoT Atlas, "Device Bootstrap - Trusted User" (iotatlas.net), which repeats the
 *   five-minute validity;
 * - SQ: the Service Quotas item "Maximum number of provisioning claims that can be generated per
 *   second by trusted user" (name only: we found no default value).
 *
 * Every fact says `documented` (a source states it) or `assumed` (our choice where AWS is silent).
 */

export type FactStatus = 'documented' | 'assumed';

export interface Fact<T> {
  value: T;
  status: FactStatus;
  source: string;
}

/** The API's name, as counted in every per-API table, series and threshold. */
export const CREATE_PROVISIONING_CLAIM = 'CreateProvisioningClaim';

/** The step the device times the call as (p99(create_provisioning_claim)). */
export const CREATE_PROVISIONING_CLAIM_STEP = 'create_provisioning_claim';

/** The REST route: POST /provisioning-templates/{templateName}/provisioning-claim, no request body. */
export const PROVISIONING_CLAIM_ROUTE: Fact<{ method: 'POST'; path: readonly string[] }> = {
  value: { method: 'POST', path: ['provisioning-templates', '{}', 'provisioning-claim'] },
  status: 'documented',
  source: 'APIREF request syntax',
};

/** templateName: 1-36 characters of [0-9A-Za-z_-]; anything else is InvalidRequestException. */
export const CLAIM_TEMPLATE_NAME: Fact<RegExp> = {
  value: /^[0-9A-Za-z_-]{1,36}$/,
  status: 'documented',
  source: 'APIREF URI parameter templateName (length 1-36, pattern ^[0-9A-Za-z_-]+$)',
};

/** How long the temporary claim certificate is valid after the call. */
export const CLAIM_VALIDITY_MS: Fact<number> = {
  value: 5 * 60_000,
  status: 'documented',
  source: 'WOCERT ("valid for 5 minutes"; the device must get its certificate within that time); ATLAS ("valid for five minutes")',
};

/**
 * The policy of the temporary claim certificate. AWS says the claim can only be used to provision
 * with the template it was created for, but publishes no policy document: we give it the claim
 * policy of the walkthrough (connect; the certificate topics; this template's provision topics only).
 */
export const CLAIM_POLICY_SCOPE: Fact<string> = {
  value: 'iot:Connect; Publish/Receive/Subscribe on $aws/certificates/create[-from-csr]/* and $aws/provisioning-templates/<this template>/provision/*',
  status: 'assumed',
  source: 'WOCERT claim-policy example for provisioning by claim; the temporary certificate\'s own policy is not published',
};

/**
 * What happens at expiry. WOCERT says only that the device must get its certificate within the
 * validity. Our assumption: a CONNECT after expiry is refused (the certificate's notAfter is the
 * expiration, so the TLS handshake fails; a clock that runs ahead of the certificate still gets
 * CONNACK "not authorized"), and on a connection opened before expiry, a PUBLISH after it is
 * treated like a publish the policy denies: the connection is closed.
 */
export const CLAIM_EXPIRY_BEHAVIOUR: Fact<{ connect: string; openConnection: string }> = {
  value: {
    connect: 'refused: TLS handshake fails (certificate expired), else CONNACK not authorized',
    openConnection: 'the next PUBLISH closes the connection (as an iot:Publish denial)',
  },
  status: 'assumed',
  source: 'WOCERT gives only the 5-minute window; the behaviour at expiry is not documented',
};

/** The response members (restJson1 body; expiration is epoch seconds on the wire). */
export interface CreateProvisioningClaimResponse {
  certificateId: string;
  certificatePem: string;
  keyPair: { PublicKey: string; PrivateKey: string };
  expiration: number;
}

export const CLAIM_RESPONSE_SHAPE: Fact<readonly string[]> = {
  value: ['certificateId (64 hex)', 'certificatePem', 'keyPair {PublicKey, PrivateKey}', 'expiration (timestamp)'],
  status: 'documented',
  source: 'APIREF response syntax',
};

/** Errors and their HTTP statuses. ThrottlingException is 400, as the API reference and the SDK's model say. */
export const CLAIM_ERRORS: Fact<Record<string, number>> = {
  value: {
    InvalidRequestException: 400,
    ResourceNotFoundException: 404,
    ThrottlingException: 400,
    UnauthorizedException: 401,
    ServiceUnavailableException: 503,
    InternalFailureException: 500,
  },
  status: 'documented',
  source: 'APIREF errors (ThrottlingException "HTTP Status Code: 400"; design notes that say 429 are corrected here)',
};

/** A disabled template: AWS does not say which error CreateProvisioningClaim gives. */
export const CLAIM_DISABLED_TEMPLATE: Fact<string> = {
  value: 'InvalidRequestException',
  status: 'assumed',
  source: 'not documented; we answer InvalidRequestException (400) naming the template as disabled',
};

/**
 * Whether the temporary claim certificates need deleting. AWS documents none: they expire after
 * five minutes; we assume the service disposes of them and `fleetsim cleanup` leaves them alone.
 */
export const CLAIM_CLEANUP: Fact<string> = {
  value: 'not deleted by fleetsim cleanup: they stop working after CLAIM_VALIDITY_MS',
  status: 'assumed',
  source: 'WOCERT and APIREF say nothing about deleting temporary claims',
};

export function isValidClaimTemplateName(name: string): boolean {
  return CLAIM_TEMPLATE_NAME.value.test(name);
}
