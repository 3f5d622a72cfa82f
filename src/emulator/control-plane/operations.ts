/**
 * The control-plane operations: REST routes and JSON shapes of AWS IoT's restJson1 API, taken
 * from the serializers of @aws-sdk/client-iot (methods, paths, query and header bindings,
 * member names). Timestamps are epoch seconds, as restJson1 writes them in bodies.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { paginate } from '../registry/pagination.js';
import { MAX_PAGE_SIZE, type CertificateRecord, type Registry, type ThingRecord } from '../registry/index.js';
import { AwsServiceError, type AwsErrorType } from './errors.js';
import type { CreateProvisioningClaimResponse } from '../../protocol/trusted-user.js';

/** Issues temporary claims (provisioning by trusted user): a response, or the AWS error to answer with. */
export interface ProvisioningClaimIssuer {
  create(templateName: string): CreateProvisioningClaimResponse | { error: AwsErrorType; message: string };
}

export interface OperationRequest {
  registry: Registry;
  /** decoded path labels, in order */
  labels: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** CreateProvisioningClaim's issuer, when the emulator serves it */
  claims?: ProvisioningClaimIssuer;
}

export interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** path segments; `{}` is a label */
  path: string[];
  handle(req: OperationRequest): unknown;
}

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

function intQuery(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new AwsServiceError('InvalidRequestException', `${name} must be an integer, got "${v}"`);
  return n;
}

function pageSizeOf(q: URLSearchParams, name: string): number | undefined {
  const n = intQuery(q, name);
  if (n !== undefined && (n < 1 || n > MAX_PAGE_SIZE)) {
    throw new AwsServiceError('InvalidRequestException', `${name} must be between 1 and ${MAX_PAGE_SIZE}, got ${n}`);
  }
  return n;
}

function principalHeader(headers: OperationRequest['headers']): string {
  const v = headers['x-amzn-principal'];
  const p = Array.isArray(v) ? v[0] : v;
  if (p === undefined || p === '') throw new AwsServiceError('InvalidRequestException', 'the x-amzn-principal header (principal) is required');
  return p;
}

function label(req: OperationRequest, i: number): string {
  return req.labels[i] ?? '';
}

function allThings(registry: Registry): ThingRecord[] {
  const out: ThingRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = registry.listThings({ pageSize: MAX_PAGE_SIZE, ...(nextToken === undefined ? {} : { nextToken }) });
    out.push(...page.things);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return out;
}

/** A page of plain strings, with AWS's token member name. */
function pageOf(items: string[], size: number | undefined, token: string | null): { items: string[]; next?: string } {
  const page = paginate(items, (s) => s, size, token ?? undefined);
  return page.next === undefined ? { items: page.items } : { items: page.items, next: page.next };
}

function thingSummary(t: ThingRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { thingName: t.thingName, thingArn: t.thingArn, attributes: t.attributes, version: t.version };
  if (t.thingTypeName !== undefined) out.thingTypeName = t.thingTypeName;
  return out;
}

function certificateSummary(c: CertificateRecord): Record<string, unknown> {
  return { certificateArn: c.certificateArn, certificateId: c.certificateId, status: c.status, certificateMode: 'DEFAULT', creationDate: epochSeconds(c.createdAt) };
}

function certificateValidity(pem: string): { notBefore: number; notAfter: number } | undefined {
  try {
    const x = new X509Certificate(pem);
    return { notBefore: Date.parse(x.validFrom) / 1000, notAfter: Date.parse(x.validTo) / 1000 };
  } catch {
    return undefined;
  }
}

function requireCertificate(req: OperationRequest): CertificateRecord {
  const id = label(req, 0);
  const cert = req.registry.getCertificate(id);
  if (cert === undefined) throw new AwsServiceError('ResourceNotFoundException', `The certificate ${id} does not exist`);
  return cert;
}

export const OPERATIONS: Operation[] = [
  {
    name: 'CreateProvisioningClaim',
    method: 'POST',
    path: ['provisioning-templates', '{}', 'provisioning-claim'],
    handle(req) {
      if (req.claims === undefined) throw new AwsServiceError('UnknownOperationException', 'CreateProvisioningClaim is not served by this control plane');
      const out = req.claims.create(label(req, 0));
      if ('error' in out) throw new AwsServiceError(out.error, out.message);
      return out;
    },
  },
  {
    name: 'ListThings',
    method: 'GET',
    path: ['things'],
    handle(req) {
      const q = req.query;
      const size = pageSizeOf(q, 'maxResults');
      const token = q.get('nextToken') ?? undefined;
      const attr = q.get('attributeName');
      const value = q.get('attributeValue');
      const type = q.get('thingTypeName');
      const prefix = q.get('usePrefixAttributeValue') === 'true';
      let page: { things: ThingRecord[]; nextToken?: string };
      if (attr === null && type === null) {
        page = req.registry.listThings({ ...(size === undefined ? {} : { pageSize: size }), ...(token === undefined ? {} : { nextToken: token }) });
      } else {
        const matches = allThings(req.registry).filter((t) => {
          if (type !== null && t.thingTypeName !== type) return false;
          if (attr === null) return true;
          const v = t.attributes[attr];
          if (v === undefined) return false;
          return value === null || (prefix ? v.startsWith(value) : v === value);
        });
        const p = paginate(matches, (t) => t.thingName, size, token);
        page = p.next === undefined ? { things: p.items } : { things: p.items, nextToken: p.next };
      }
      return { things: page.things.map(thingSummary), ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
    },
  },
  {
    name: 'DescribeThing',
    method: 'GET',
    path: ['things', '{}'],
    handle(req) {
      const name = label(req, 0);
      const t = req.registry.getThing(name);
      if (t === undefined) throw new AwsServiceError('ResourceNotFoundException', `Thing ${name} cannot be found`);
      const out: Record<string, unknown> = { defaultClientId: t.thingName, thingName: t.thingName, thingId: t.thingId, thingArn: t.thingArn, attributes: t.attributes, version: t.version };
      if (t.thingTypeName !== undefined) out.thingTypeName = t.thingTypeName;
      if (t.billingGroup !== undefined) out.billingGroupName = t.billingGroup;
      return out;
    },
  },
  {
    name: 'DeleteThing',
    method: 'DELETE',
    path: ['things', '{}'],
    handle(req) {
      const name = label(req, 0);
      const expected = intQuery(req.query, 'expectedVersion');
      const t = req.registry.getThing(name);
      if (t !== undefined && expected !== undefined && t.version !== expected) {
        throw new AwsServiceError('VersionConflictException', `Thing ${name} is at version ${t.version}, not ${expected}`);
      }
      // a missing thing is deleted successfully, as in AWS
      req.registry.deleteThing(name);
      return {};
    },
  },
  {
    name: 'ListThingPrincipals',
    method: 'GET',
    path: ['things', '{}', 'principals'],
    handle(req) {
      const principals = req.registry.listThingPrincipals(label(req, 0));
      const page = pageOf(principals, pageSizeOf(req.query, 'maxResults'), req.query.get('nextToken'));
      return { principals: page.items, ...(page.next === undefined ? {} : { nextToken: page.next }) };
    },
  },
  {
    name: 'DetachThingPrincipal',
    method: 'DELETE',
    path: ['things', '{}', 'principals'],
    handle(req) {
      req.registry.detachThingPrincipal(label(req, 0), principalHeader(req.headers));
      return {};
    },
  },
  {
    name: 'ListPrincipalThings',
    method: 'GET',
    path: ['principals', 'things'],
    handle(req) {
      const things = req.registry.listPrincipalThings(principalHeader(req.headers));
      const page = pageOf(things, pageSizeOf(req.query, 'maxResults'), req.query.get('nextToken'));
      return { things: page.items, ...(page.next === undefined ? {} : { nextToken: page.next }) };
    },
  },
  {
    name: 'ListCertificates',
    method: 'GET',
    path: ['certificates'],
    handle(req) {
      const size = pageSizeOf(req.query, 'pageSize');
      const marker = req.query.get('marker');
      const page = req.registry.listCertificates({ ...(size === undefined ? {} : { pageSize: size }), ...(marker === null ? {} : { marker }) });
      return { certificates: page.certificates.map(certificateSummary), ...(page.nextMarker === undefined ? {} : { nextMarker: page.nextMarker }) };
    },
  },
  {
    name: 'DescribeCertificate',
    method: 'GET',
    path: ['certificates', '{}'],
    handle(req) {
      const c = requireCertificate(req);
      const created = epochSeconds(c.createdAt);
      const description: Record<string, unknown> = {
        certificateArn: c.certificateArn,
        certificateId: c.certificateId,
        status: c.status,
        certificatePem: c.certificatePem,
        ownedBy: req.registry.accountId,
        creationDate: created,
        lastModifiedDate: created,
        customerVersion: 1,
        generationId: createHash('sha256').update(c.certificateId + c.status).digest('hex').slice(0, 36),
        certificateMode: 'DEFAULT',
      };
      const validity = certificateValidity(c.certificatePem);
      if (validity !== undefined) description.validity = validity;
      return { certificateDescription: description };
    },
  },
  {
    name: 'UpdateCertificate',
    method: 'PUT',
    path: ['certificates', '{}'],
    handle(req) {
      const c = requireCertificate(req);
      const status = req.query.get('newStatus');
      if (status === null) throw new AwsServiceError('InvalidRequestException', 'newStatus is required');
      if (status === 'PENDING_ACTIVATION' || status === 'PENDING_TRANSFER') {
        throw new AwsServiceError('InvalidRequestException', `a certificate cannot be set to ${status}`);
      }
      req.registry.updateCertificateStatus(c.certificateId, status as CertificateRecord['status']);
      return undefined;
    },
  },
  {
    name: 'DeleteCertificate',
    method: 'DELETE',
    path: ['certificates', '{}'],
    handle(req) {
      const c = requireCertificate(req);
      if (c.status === 'ACTIVE') throw new AwsServiceError('CertificateStateException', `Certificate must be deactivated (not ACTIVE) before deletion. Id: ${c.certificateId}`);
      req.registry.deleteCertificate(c.certificateId, { forceDelete: req.query.get('forceDelete') === 'true' });
      return undefined;
    },
  },
  {
    name: 'ListAttachedPolicies',
    method: 'POST',
    path: ['attached-policies', '{}'],
    handle(req) {
      const policies = req.registry.listAttachedPolicies(label(req, 0));
      const page = paginate(policies, (p) => p.policyName, pageSizeOf(req.query, 'pageSize'), req.query.get('marker') ?? undefined);
      return {
        policies: page.items.map((p) => ({ policyName: p.policyName, policyArn: p.policyArn })),
        ...(page.next === undefined ? {} : { nextMarker: page.next }),
      };
    },
  },
  {
    name: 'DetachPolicy',
    method: 'POST',
    path: ['target-policies', '{}'],
    handle(req) {
      const target = req.body.target;
      if (typeof target !== 'string' || target === '') throw new AwsServiceError('InvalidRequestException', 'target is required');
      req.registry.detachPolicy(label(req, 0), target);
      return undefined;
    },
  },
  {
    name: 'ListTargetsForPolicy',
    method: 'POST',
    path: ['policy-targets', '{}'],
    handle(req) {
      const targets = req.registry.listTargetsForPolicy(label(req, 0));
      const page = pageOf(targets, pageSizeOf(req.query, 'pageSize'), req.query.get('marker'));
      return { targets: page.items, ...(page.next === undefined ? {} : { nextMarker: page.next }) };
    },
  },
];

/** Find the operation for a method and raw path; labels are percent-decoded. */
export function matchOperation(method: string, rawPath: string): { op: Operation; labels: string[] } | undefined {
  const segments = rawPath.split('/').filter((s) => s !== '');
  for (const op of OPERATIONS) {
    if (op.method !== method || op.path.length !== segments.length) continue;
    const labels: string[] = [];
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const want = op.path[i];
      const seg = segments[i] as string;
      if (want === '{}') {
        try {
          labels.push(decodeURIComponent(seg));
        } catch {
          ok = false;
        }
      } else ok = want === seg;
    }
    if (ok) return { op, labels };
  }
  return undefined;
}
