/**
 * Request and response payloads with AWS's exact field names (aws-fleet-provisioning.md §2).
 */

/** CreateKeysAndCertificate: the docs say an empty payload; the SDKs send `{}`. Both are valid. */
export type CreateKeysAndCertificateRequest = Record<string, never>;

export interface CreateCertificateFromCsrRequest {
  certificateSigningRequest: string;
}

export interface RegisterThingRequest {
  certificateOwnershipToken: string;
  parameters?: Record<string, string>;
}

export interface CreateKeysAndCertificateResponse {
  certificateId: string;
  certificatePem: string;
  privateKey: string;
  certificateOwnershipToken: string;
}

export interface CreateCertificateFromCsrResponse {
  certificateId: string;
  certificatePem: string;
  certificateOwnershipToken: string;
}

export interface RegisterThingResponse {
  deviceConfiguration: Record<string, string>;
  thingName?: string;
}

/** The `/rejected` payload for all three APIs. */
export interface ErrorResponse {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}

export function isErrorResponse(value: unknown): value is ErrorResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.statusCode === 'number' && typeof v.errorCode === 'string' && typeof v.errorMessage === 'string';
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}

export function isCreateKeysAndCertificateResponse(value: unknown): value is CreateKeysAndCertificateResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.certificateId === 'string' &&
    typeof v.certificatePem === 'string' &&
    typeof v.privateKey === 'string' &&
    typeof v.certificateOwnershipToken === 'string'
  );
}

export function isCreateCertificateFromCsrResponse(value: unknown): value is CreateCertificateFromCsrResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.certificateId === 'string' && typeof v.certificatePem === 'string' && typeof v.certificateOwnershipToken === 'string';
}

export function isRegisterThingResponse(value: unknown): value is RegisterThingResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isStringMap(v.deviceConfiguration ?? {}) && (v.thingName === undefined || typeof v.thingName === 'string');
}
