/**
 * Plans what a rendered template does to the registry, checking every conflict before anything changes
 * (Registry.applyProvisioning commits the plan only if planning did not throw).
 *
 * OverrideSettings on an existing thing, per property (the template leaves a property unset → kept):
 *  - DO_NOTHING (also the default when no setting is given) keeps the existing value;
 *  - REPLACE takes the template's value; MERGE (AttributePayload, ThingGroups) unions both, template wins;
 *  - FAIL throws ResourceConflictError when the thing already exists and the template sets the property.
 * Certificate Status: a PENDING_ACTIVATION certificate (the normal case) takes the template's status;
 * one that was already registered follows OverrideSettings.Status the same way.
 */
import { createHash, randomUUID } from 'node:crypto';
import { MAX_POLICY_DOCUMENT_CHARS, policyDocumentChars } from '../../protocol/iot-policy.js';
import type { OverrideAction, RenderedProvisioning, RenderedThing } from '../templates/types.js';
import {
  CertificateStateError,
  InvalidRequestError,
  NotFoundError,
  ResourceConflictError,
  type CertificateRecord,
  type CertificateStatus,
  type PolicyRecord,
  type ThingRecord,
} from './types.js';

export interface RegistryView {
  getCertificate(id: string): CertificateRecord | undefined;
  getThing(name: string): ThingRecord | undefined;
  getPolicy(name: string): PolicyRecord | undefined;
  /** names of the policies attached to a target (certificate ARN) */
  attachedPolicies(target: string): readonly string[];
  /** whether a thing group / thing type exists; undefined when the registry does not model them */
  knows(kind: 'thing group' | 'thing type', name: string): boolean | undefined;
  arnOf(kind: 'thing' | 'policy', name: string): string;
}

export interface ProvisioningPlan {
  certificate: CertificateRecord;
  /** The status to set, when it changes. */
  certificateStatus?: CertificateStatus;
  /** The thing record to store (new or updated); undefined when the template has no thing. */
  thing?: ThingRecord;
  newPolicies: PolicyRecord[];
  policyNames: string[];
}

export function planProvisioning(view: RegistryView, rendered: RenderedProvisioning, certificateId: string, now: string): ProvisioningPlan {
  const certificate = view.getCertificate(certificateId);
  if (certificate === undefined) throw new NotFoundError('certificate', certificateId);
  if (certificate.status === 'REVOKED') throw new CertificateStateError(`Certificate ${certificateId} is REVOKED and cannot be provisioned`);
  const plan: ProvisioningPlan = { certificate, newPolicies: [], policyNames: [] };
  const status = planCertificateStatus(certificate, rendered);
  if (status !== undefined && status !== certificate.status) plan.certificateStatus = status;
  if (rendered.thing !== undefined) {
    checkThingReferences(view, rendered.thing);
    plan.thing = planThing(view, rendered.thing, now);
  }
  planPolicies(view, rendered, now, plan);
  const attached = new Set([...view.attachedPolicies(certificate.certificateArn), ...plan.policyNames]);
  if (attached.size > MAX_POLICIES_PER_CERTIFICATE) {
    throw new InvalidRequestError(`Certificate ${certificateId} would have ${attached.size} policies attached; AWS IoT allows ${MAX_POLICIES_PER_CERTIFICATE} per certificate`);
  }
  return plan;
}

function planCertificateStatus(cert: CertificateRecord, rendered: RenderedProvisioning): CertificateStatus | undefined {
  const spec = rendered.certificate;
  if (spec === undefined) return undefined; // no Certificate resource: the status is left as it is
  if (spec.certificateId !== cert.certificateId) {
    throw new InvalidRequestError(`The template's CertificateId ${spec.certificateId} is not the certificate being provisioned (${cert.certificateId})`);
  }
  if (cert.status === 'PENDING_ACTIVATION') return spec.status;
  const action = spec.overrideSettings.Status ?? 'DO_NOTHING';
  if (action === 'FAIL') {
    throw new ResourceConflictError(
      'OVERRIDE_FAIL',
      `cert/${cert.certificateId}`,
      `Certificate ${cert.certificateId} is already registered (status ${cert.status}) and OverrideSettings.Status is FAIL`,
      'Status',
    );
  }
  return action === 'REPLACE' ? spec.status : undefined;
}

/** The thing's groups and type must exist (when the registry models them): AWS does not create them. */
function checkThingReferences(view: RegistryView, spec: RenderedThing): void {
  const refs: Array<['thing group' | 'thing type', string]> = spec.thingGroups.map((g) => ['thing group', g]);
  if (spec.thingTypeName !== undefined) refs.push(['thing type', spec.thingTypeName]);
  for (const [kind, name] of refs) {
    if (view.knows(kind, name) === false) {
      throw new NotFoundError(kind, name, `The template puts thing ${spec.thingName} in ${kind} "${name}", which does not exist`);
    }
  }
}

function planThing(view: RegistryView, spec: RenderedThing, now: string): ThingRecord {
  const existing = view.getThing(spec.thingName);
  if (existing === undefined) {
    const created: ThingRecord = {
      thingName: spec.thingName,
      thingArn: view.arnOf('thing', spec.thingName),
      thingId: randomUUID(),
      attributes: { ...spec.attributes },
      thingGroups: dedupe(spec.thingGroups),
      version: 1,
      createdAt: now,
    };
    if (spec.thingTypeName !== undefined) created.thingTypeName = spec.thingTypeName;
    if (spec.billingGroup !== undefined) created.billingGroup = spec.billingGroup;
    return created;
  }
  const conflicts: string[] = [];
  const decide = (property: keyof RenderedThing['overrideSettings'], templateSets: boolean): OverrideAction | 'KEEP' => {
    if (!templateSets) return 'KEEP';
    const action = spec.overrideSettings[property] ?? 'DO_NOTHING';
    if (action === 'FAIL') conflicts.push(property);
    return action === 'DO_NOTHING' || action === 'FAIL' ? 'KEEP' : action;
  };
  const attrAction = decide('AttributePayload', Object.keys(spec.attributes).length > 0);
  const groupAction = decide('ThingGroups', spec.thingGroups.length > 0);
  const typeAction = decide('ThingTypeName', spec.thingTypeName !== undefined);
  if (conflicts.length > 0) {
    const list = conflicts.map((p) => `OverrideSettings.${p}`).join(', ');
    throw new ResourceConflictError(
      'OVERRIDE_FAIL',
      `thing/${spec.thingName}`,
      `Thing "${spec.thingName}" already exists and ${list} ${conflicts.length > 1 ? 'are' : 'is'} FAIL (ResourceConflictsException)`,
      conflicts[0],
    );
  }
  const next: ThingRecord = { ...existing, attributes: { ...existing.attributes }, thingGroups: [...existing.thingGroups] };
  if (attrAction === 'REPLACE') next.attributes = { ...spec.attributes };
  if (attrAction === 'MERGE') next.attributes = { ...existing.attributes, ...spec.attributes };
  if (groupAction === 'REPLACE') next.thingGroups = dedupe(spec.thingGroups);
  if (groupAction === 'MERGE') next.thingGroups = dedupe([...existing.thingGroups, ...spec.thingGroups]);
  if (typeAction === 'REPLACE' && spec.thingTypeName !== undefined) next.thingTypeName = spec.thingTypeName;
  // BillingGroup has no override setting: set it when the thing has none, otherwise keep it.
  if (existing.billingGroup === undefined && spec.billingGroup !== undefined) next.billingGroup = spec.billingGroup;
  if (!isSameThing(existing, next)) next.version = existing.version + 1;
  return next;
}

/** AWS IoT: at most 10 policies attached to one certificate (LIM2019) */
export const MAX_POLICIES_PER_CERTIFICATE = 10;

function planPolicies(view: RegistryView, rendered: RenderedProvisioning, now: string, plan: ProvisioningPlan): void {
  for (const p of rendered.policies) {
    if (p.policyDocument === undefined) {
      const name = p.policyName ?? '';
      if (view.getPolicy(name) === undefined) {
        throw new NotFoundError('policy', name, `Policy "${name}" named by the template's resource "${p.logicalId}" does not exist; create it before provisioning`);
      }
      addOnce(plan.policyNames, name);
      continue;
    }
    const name = p.policyName ?? policyNameForDocument(p.policyDocument);
    const size = policyDocumentChars(p.policyDocument);
    if (size > MAX_POLICY_DOCUMENT_CHARS) {
      throw new InvalidRequestError(`the policy document of the template's resource "${p.logicalId}" has ${size} characters (without whitespace); AWS IoT allows ${MAX_POLICY_DOCUMENT_CHARS}`);
    }
    if (view.getPolicy(name) === undefined && !plan.newPolicies.some((np) => np.policyName === name)) {
      const policyDocument = structuredClone(p.policyDocument);
      plan.newPolicies.push({ policyName: name, policyArn: view.arnOf('policy', name), policyDocument, createdAt: now });
    }
    addOnce(plan.policyNames, name);
  }
}

/** AWS names an inline template policy by a hash of its document; here: SHA-256 hex of its canonical JSON. */
export function policyNameForDocument(doc: Record<string, unknown>): string {
  return createHash('sha256').update(toCanonicalJson(doc)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal documents hash equally. */
export function toCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toCanonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${toCanonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isSameThing(a: ThingRecord, b: ThingRecord): boolean {
  return toCanonicalJson(a) === toCanonicalJson(b);
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
