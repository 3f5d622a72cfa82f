/**
 * Records and errors of the emulator's registry of certificates, things and policies.
 * Records handed out by the Registry are frozen: updates replace them.
 */
import { FleetsimError } from '../../util/errors.js';

export const CERTIFICATE_STATUSES = ['ACTIVE', 'INACTIVE', 'PENDING_ACTIVATION', 'REVOKED'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export type CertificateOrigin = 'CreateKeysAndCertificate' | 'CreateCertificateFromCsr' | 'claim' | 'external';

export interface CertificateRecord {
  /** 64 hex characters, as AWS issues them. */
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: CertificateStatus;
  createdAt: string;
  issuedVia: CertificateOrigin;
  /** For certificates issued over MQTT: the claim certificate of the requesting connection. */
  claimCertificateId?: string;
}

export interface ThingRecord {
  thingName: string;
  thingArn: string;
  /** A UUID, as AWS's thingId. */
  thingId: string;
  attributes: Record<string, string>;
  thingTypeName?: string;
  thingGroups: string[];
  billingGroup?: string;
  /** 1 on creation, +1 on every change. */
  version: number;
  createdAt: string;
}

export interface PolicyRecord {
  policyName: string;
  policyArn: string;
  policyDocument: Record<string, unknown>;
  createdAt: string;
}

export interface ThingSpec {
  attributes?: Record<string, string>;
  thingTypeName?: string;
  thingGroups?: string[];
  billingGroup?: string;
}

export type ConflictReason =
  /** OverrideSettings FAIL on a resource that already exists (AWS: ResourceConflictsException) */
  | 'OVERRIDE_FAIL'
  /** DeleteThing while certificates are still attached */
  | 'THING_HAS_PRINCIPALS'
  /** DeleteCertificate while things (or, without forceDelete, policies) are attached (AWS: DeleteConflictException) */
  | 'CERTIFICATE_IN_USE'
  /** DeletePolicy while attached to a certificate (AWS: DeleteConflictException) */
  | 'POLICY_IN_USE'
  /** Create* of a name or id that exists with a different definition (AWS: ResourceAlreadyExistsException) */
  | 'ALREADY_EXISTS';

export class ResourceConflictError extends FleetsimError {
  override name = 'ResourceConflictError';
  declare readonly code: 'RESOURCE_CONFLICT';
  readonly reason: ConflictReason;
  /** e.g. `thing/fleet-test-001`, `cert/<id>`, `policy/<name>` */
  readonly resource: string;
  /** For OVERRIDE_FAIL: the template property, e.g. `AttributePayload`. */
  readonly property: string | undefined;
  constructor(reason: ConflictReason, resource: string, message: string, property?: string) {
    super('RESOURCE_CONFLICT', message);
    this.reason = reason;
    this.resource = resource;
    this.property = property;
  }
}

export type RegistryResourceType = 'certificate' | 'thing' | 'policy' | 'thing group' | 'thing type';

export class NotFoundError extends FleetsimError {
  override name = 'NotFoundError';
  declare readonly code: 'NOT_FOUND';
  readonly resourceType: RegistryResourceType;
  readonly id: string;
  constructor(resourceType: RegistryResourceType, id: string, message?: string) {
    super('NOT_FOUND', message ?? `No ${resourceType} "${id}" in the registry`);
    this.resourceType = resourceType;
    this.id = id;
  }
}

/** The certificate's status forbids the operation (AWS: CertificateStateException). */
export class CertificateStateError extends FleetsimError {
  override name = 'CertificateStateError';
  declare readonly code: 'CERTIFICATE_STATE';
  constructor(message: string) {
    super('CERTIFICATE_STATE', message);
  }
}

/** A malformed argument: page size, marker, name, status (AWS: InvalidRequestException). */
export class InvalidRequestError extends FleetsimError {
  override name = 'InvalidRequestError';
  declare readonly code: 'INVALID_REQUEST';
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

/** A saved registry file could not be read back. */
export class RegistryStateError extends FleetsimError {
  override name = 'RegistryStateError';
  declare readonly code: 'REGISTRY_STATE_INVALID';
  constructor(message: string, cause?: unknown) {
    super('REGISTRY_STATE_INVALID', message, { exitCategory: 'badInput', cause });
  }
}

export interface PageOptions {
  /** 1-250; default 25. */
  pageSize?: number;
}
