/**
 * The rejected replies the emulator sends and the device classifies.
 *
 * ONE TABLE for the values aws-fleet-provisioning.md marks UNCONFIRMED: correct them here and
 * nowhere else. `confirmed` says whether a public AWS source states the exact wire value.
 */
import type { ErrorResponse } from './payloads.js';

export interface RejectionSpec {
  statusCode: number;
  errorCode: string;
  /** true when the exact statusCode AND errorCode are documented by a public source */
  confirmed: boolean;
  source: string;
}

export const REJECTIONS = {
  /** aws-iot-device-sdk-js-v2 issue #69: 400 InvalidCertificateOwnershipToken */
  invalidToken: { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', confirmed: true, source: 'js-v2 #69' },
  /** 400 per CSDK4 enum (INVALID_CSR); errorCode string assumed */
  invalidCsr: { statusCode: 400, errorCode: 'InvalidCsr', confirmed: false, source: 'CSDK4 status 400; string assumed' },
  /** malformed request payload; statusCode per CSDK4 400; string assumed */
  invalidPayload: { statusCode: 400, errorCode: 'InvalidPayload', confirmed: false, source: 'CSDK4 status 400; string assumed' },
  /** template rendering problems (missing parameter, bad Fn::Select): 400 assumed */
  invalidTemplate: { statusCode: 400, errorCode: 'InvalidRequest', confirmed: false, source: 'TMPL "provisioning error"; code assumed' },
  /** RegisterThing for a certificate REVOKED or deleted meanwhile: a client-side state problem, so 4xx (not a retryable 5xx); code assumed */
  certificateState: { statusCode: 400, errorCode: 'InvalidRequest', confirmed: false, source: 'assumed (no source); 400 as for other bad requests' },
  /** OverrideSettings FAIL on an existing resource (TMPL names ResourceConflictsException) */
  resourceConflict: { statusCode: 409, errorCode: 'ResourceConflictsException', confirmed: false, source: 'TMPL name; status assumed' },
  /** hook denial / failure / timeout: HOOK says ACCESS_DENIED; 403 per CSDK4 */
  accessDenied: { statusCode: 403, errorCode: 'AccessDenied', confirmed: false, source: 'HOOK "ACCESS_DENIED", CSDK4 403; wire string assumed' },
  /** unknown or disabled template: 404 per CSDK4 */
  templateNotFound: { statusCode: 404, errorCode: 'ResourceNotFound', confirmed: false, source: 'CSDK4 404; string assumed' },
  /** throttled API call: 429 per CSDK4 */
  throttled: { statusCode: 429, errorCode: 'Throttled', confirmed: false, source: 'CSDK4 429; string assumed' },
  /** injected or real internal failure: 500 per CSDK4 */
  internalError: { statusCode: 500, errorCode: 'InternalFailure', confirmed: false, source: 'CSDK4 500; string assumed' },
} as const satisfies Record<string, RejectionSpec>;

export type RejectionKind = keyof typeof REJECTIONS;

export function rejection(kind: RejectionKind, errorMessage: string): ErrorResponse {
  const spec = REJECTIONS[kind];
  return { statusCode: spec.statusCode, errorCode: spec.errorCode, errorMessage };
}

/** Status codes a device firmware usually treats as transient. */
export function isTransientStatus(statusCode: number): boolean {
  return statusCode === 429 || statusCode >= 500;
}
