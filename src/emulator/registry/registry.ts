/**
 * The emulator's in-memory registry of certificates, things and policies, with AWS's attach and
 * delete rules, key-ordered pagination and an optional JSON state file. Records are frozen.
 */
import { randomUUID } from 'node:crypto';
import type { RenderedProvisioning } from '../templates/types.js';
import { addToIndex, deepFreeze, indexToObject, removeFromIndex } from './indexes.js';
import { paginate } from './pagination.js';
import { toCanonicalJson, planProvisioning, type RegistryView } from './provisioning-plan.js';
import { readRegistryStateFile, validateRegistryState, writeFileAtomic, REGISTRY_STATE_VERSION, type RegistryState } from './registry-state.js';
import {
  CERTIFICATE_STATUSES,
  CertificateStateError,
  InvalidRequestError,
  NotFoundError,
  RegistryStateError,
  ResourceConflictError,
  type CertificateRecord,
  type CertificateStatus,
  type PageOptions,
  type PolicyRecord,
  type ThingRecord,
  type ThingSpec,
} from './types.js';

const CERTIFICATE_ID_RE = /^[0-9a-f]{64}$/;
const THING_NAME_RE = /^[a-zA-Z0-9:_-]{1,128}$/;
const POLICY_NAME_RE = /^[\w+=,.@-]{1,128}$/;

export type NewCertificate = Omit<CertificateRecord, 'certificateArn' | 'createdAt'> & { createdAt?: string };

export class Registry {
  readonly region: string;
  readonly accountId: string;
  private readonly certificates = new Map<string, CertificateRecord>();
  private readonly things = new Map<string, ThingRecord>();
  private readonly policies = new Map<string, PolicyRecord>();
  /** thing name → certificate ARNs, and the reverse */
  private readonly thingPrincipals = new Map<string, Set<string>>();
  private readonly principalThings = new Map<string, Set<string>>();
  /** policy name → certificate ARNs, and the reverse */
  private readonly policyTargets = new Map<string, Set<string>>();
  private readonly targetPolicies = new Map<string, Set<string>>();

  /** the account's thing groups and thing types, when declared; undefined: not modelled (any name is accepted) */
  private thingGroups: Set<string> | undefined;
  private thingTypes: Set<string> | undefined;

  constructor(opts: { region?: string; accountId?: string } = {}) {
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '123456789012';
  }

  /**
   * Declare which thing groups and thing types exist in the account: provisioning into any other
   * then fails as on AWS. Until declared, names are not checked.
   */
  declareThingGroups(names: readonly string[]): void {
    this.thingGroups = new Set(names);
  }

  declareThingTypes(names: readonly string[]): void {
    this.thingTypes = new Set(names);
  }

  /** what was declared to exist (nothing when neither kind was) */
  declaredAccount(): { thingGroups?: string[]; thingTypes?: string[] } | undefined {
    if (this.thingGroups === undefined && this.thingTypes === undefined) return undefined;
    return {
      ...(this.thingGroups === undefined ? {} : { thingGroups: [...this.thingGroups] }),
      ...(this.thingTypes === undefined ? {} : { thingTypes: [...this.thingTypes] }),
    };
  }

  // ── certificates ────────────────────────────────────────────────────────────
  addCertificate(rec: NewCertificate): CertificateRecord {
    if (!CERTIFICATE_ID_RE.test(rec.certificateId)) throw new InvalidRequestError(`certificateId must be 64 lowercase hex characters, got "${rec.certificateId}"`);
    if (this.certificates.has(rec.certificateId)) {
      throw new ResourceConflictError('ALREADY_EXISTS', `cert/${rec.certificateId}`, `Certificate ${rec.certificateId} already exists`);
    }
    validateStatus(rec.status);
    // Copy the known fields only, so nothing else (a private key, say) can reach the record or the state file.
    const record: CertificateRecord = {
      certificateId: rec.certificateId,
      certificateArn: this.arn('cert', rec.certificateId),
      certificatePem: rec.certificatePem,
      status: rec.status,
      createdAt: rec.createdAt ?? currentIsoTime(),
      issuedVia: rec.issuedVia,
    };
    if (rec.claimCertificateId !== undefined) record.claimCertificateId = rec.claimCertificateId;
    this.certificates.set(record.certificateId, deepFreeze(record));
    return record;
  }

  getCertificate(id: string): CertificateRecord | undefined {
    return this.certificates.get(id);
  }

  /** REVOKED is final, as in AWS. */
  updateCertificateStatus(id: string, status: CertificateStatus): void {
    const cert = this.requireCertificate(id);
    validateStatus(status);
    if (cert.status === 'REVOKED' && status !== 'REVOKED') throw new CertificateStateError(`Certificate ${id} is REVOKED; its status cannot change`);
    this.certificates.set(id, deepFreeze({ ...cert, status }));
  }

  /**
   * AWS rules: an ACTIVE certificate cannot be deleted; nor one attached to a thing; nor one with
   * attached policies unless `forceDelete` (which detaches them).
   */
  deleteCertificate(id: string, opts: { forceDelete?: boolean } = {}): void {
    const cert = this.requireCertificate(id);
    if (cert.status === 'ACTIVE') throw new CertificateStateError(`Certificate ${id} is ACTIVE; set it INACTIVE before deleting it`);
    const arn = cert.certificateArn;
    const things = this.principalThings.get(arn)?.size ?? 0;
    if (things > 0) throw new ResourceConflictError('CERTIFICATE_IN_USE', `cert/${id}`, `Certificate ${id} is attached to ${things} thing(s); detach it first`);
    const policies = [...(this.targetPolicies.get(arn) ?? [])];
    if (policies.length > 0 && opts.forceDelete !== true) {
      throw new ResourceConflictError('CERTIFICATE_IN_USE', `cert/${id}`, `Certificate ${id} has ${policies.length} attached policy(ies); detach them or use forceDelete`);
    }
    for (const name of policies) this.detachPolicy(name, arn);
    this.certificates.delete(id);
  }

  listCertificates(opts: PageOptions & { marker?: string } = {}): { certificates: CertificateRecord[]; nextMarker?: string } {
    const page = paginate(this.certificates.values(), (c) => c.certificateId, opts.pageSize, opts.marker);
    return page.next === undefined ? { certificates: page.items } : { certificates: page.items, nextMarker: page.next };
  }

  // ── things ──────────────────────────────────────────────────────────────────
  /** Idempotent for an identical definition, as AWS CreateThing; a different one is a conflict. */
  createThing(name: string, spec: ThingSpec = {}): ThingRecord {
    if (!THING_NAME_RE.test(name)) throw new InvalidRequestError(`Thing name "${name}" is invalid (1-128 characters: letters, digits, ':', '_', '-')`);
    const record = buildThingRecord(this.arn('thing', name), name, spec);
    const existing = this.things.get(name);
    if (existing === undefined) {
      this.things.set(name, deepFreeze(record));
      return record;
    }
    if (toCanonicalJson(extractDefinition(existing)) === toCanonicalJson(extractDefinition(record))) return existing;
    throw new ResourceConflictError('ALREADY_EXISTS', `thing/${name}`, `Thing "${name}" already exists with a different definition`);
  }

  getThing(name: string): ThingRecord | undefined {
    return this.things.get(name);
  }

  listThings(opts: PageOptions & { nextToken?: string; thingNamePrefix?: string } = {}): { things: ThingRecord[]; nextToken?: string } {
    const prefix = opts.thingNamePrefix;
    const source = prefix === undefined ? this.things.values() : [...this.things.values()].filter((t) => t.thingName.startsWith(prefix));
    const page = paginate(source, (t) => t.thingName, opts.pageSize, opts.nextToken);
    return page.next === undefined ? { things: page.items } : { things: page.items, nextToken: page.next };
  }

  /** Deleting a missing thing succeeds, as in AWS. A thing with attached certificates cannot be deleted. */
  deleteThing(name: string): void {
    const principals = this.thingPrincipals.get(name)?.size ?? 0;
    if (principals > 0) {
      throw new ResourceConflictError('THING_HAS_PRINCIPALS', `thing/${name}`, `Thing "${name}" has ${principals} attached principal(s); detach them first`);
    }
    this.things.delete(name);
  }

  attachThingPrincipal(thingName: string, certificateArn: string): void {
    this.requireThing(thingName);
    this.requireCertificateArn(certificateArn);
    addToIndex(this.thingPrincipals, thingName, certificateArn);
    addToIndex(this.principalThings, certificateArn, thingName);
  }

  detachThingPrincipal(thingName: string, certificateArn: string): void {
    this.requireThing(thingName);
    removeFromIndex(this.thingPrincipals, thingName, certificateArn);
    removeFromIndex(this.principalThings, certificateArn, thingName);
  }

  listThingPrincipals(thingName: string): string[] {
    this.requireThing(thingName);
    return [...(this.thingPrincipals.get(thingName) ?? [])];
  }

  listPrincipalThings(certificateArn: string): string[] {
    this.requireCertificateArn(certificateArn);
    return [...(this.principalThings.get(certificateArn) ?? [])];
  }

  // ── policies ────────────────────────────────────────────────────────────────
  createPolicy(name: string, policyDocument: Record<string, unknown>): PolicyRecord {
    if (!POLICY_NAME_RE.test(name)) throw new InvalidRequestError(`Policy name "${name}" is invalid (1-128 characters: letters, digits, _+=,.@-)`);
    if (this.policies.has(name)) throw new ResourceConflictError('ALREADY_EXISTS', `policy/${name}`, `Policy "${name}" already exists`);
    const record: PolicyRecord = { policyName: name, policyArn: this.arn('policy', name), policyDocument: structuredClone(policyDocument), createdAt: currentIsoTime() };
    this.policies.set(name, deepFreeze(record));
    return record;
  }

  getPolicy(name: string): PolicyRecord | undefined {
    return this.policies.get(name);
  }

  listPolicies(opts: PageOptions & { marker?: string } = {}): { policies: PolicyRecord[]; nextMarker?: string } {
    const page = paginate(this.policies.values(), (p) => p.policyName, opts.pageSize, opts.marker);
    return page.next === undefined ? { policies: page.items } : { policies: page.items, nextMarker: page.next };
  }

  /** A policy attached to a certificate cannot be deleted (AWS DeleteConflictException). */
  deletePolicy(name: string): void {
    this.requirePolicy(name);
    const targets = this.policyTargets.get(name)?.size ?? 0;
    if (targets > 0) throw new ResourceConflictError('POLICY_IN_USE', `policy/${name}`, `Policy "${name}" is attached to ${targets} certificate(s); detach it first`);
    this.policies.delete(name);
  }

  attachPolicy(policyName: string, target: string): void {
    this.requirePolicy(policyName);
    this.requireCertificateArn(target);
    addToIndex(this.policyTargets, policyName, target);
    addToIndex(this.targetPolicies, target, policyName);
  }

  detachPolicy(policyName: string, target: string): void {
    this.requirePolicy(policyName);
    removeFromIndex(this.policyTargets, policyName, target);
    removeFromIndex(this.targetPolicies, target, policyName);
  }

  listAttachedPolicies(target: string): PolicyRecord[] {
    this.requireCertificateArn(target);
    return [...(this.targetPolicies.get(target) ?? [])].map((name) => this.requirePolicy(name));
  }

  listTargetsForPolicy(policyName: string): string[] {
    this.requirePolicy(policyName);
    return [...(this.policyTargets.get(policyName) ?? [])];
  }

  // ── provisioning ────────────────────────────────────────────────────────────
  /** Applies a rendered template for a certificate; all-or-nothing (see provisioning-plan.ts for the rules). */
  applyProvisioning(rendered: RenderedProvisioning, certificateId: string): { thingName?: string; policyNames: string[] } {
    const plan = planProvisioning(this.view(), rendered, certificateId, currentIsoTime());
    // Commit: every check happened while planning, so nothing below throws.
    const arn = plan.certificate.certificateArn;
    if (plan.certificateStatus !== undefined) this.certificates.set(certificateId, deepFreeze({ ...plan.certificate, status: plan.certificateStatus }));
    for (const p of plan.newPolicies) this.policies.set(p.policyName, deepFreeze(p));
    for (const name of plan.policyNames) this.attachPolicy(name, arn);
    if (plan.thing === undefined) return { policyNames: plan.policyNames };
    this.things.set(plan.thing.thingName, deepFreeze(plan.thing));
    this.attachThingPrincipal(plan.thing.thingName, arn);
    return { thingName: plan.thing.thingName, policyNames: plan.policyNames };
  }

  counts(): { things: number; certificates: number; policies: number } {
    return { things: this.things.size, certificates: this.certificates.size, policies: this.policies.size };
  }

  // ── state ───────────────────────────────────────────────────────────────────
  toJSON(): RegistryState {
    return {
      version: REGISTRY_STATE_VERSION,
      region: this.region,
      accountId: this.accountId,
      certificates: [...this.certificates.values()],
      things: [...this.things.values()],
      policies: [...this.policies.values()],
      thingPrincipals: indexToObject(this.thingPrincipals),
      policyTargets: indexToObject(this.policyTargets),
    };
  }

  static fromJSON(data: object): Registry {
    const state = validateRegistryState(structuredClone(data));
    const reg = new Registry({ region: state.region, accountId: state.accountId });
    for (const c of state.certificates) reg.certificates.set(c.certificateId, deepFreeze(c));
    for (const t of state.things) reg.things.set(t.thingName, deepFreeze(t));
    for (const p of state.policies) reg.policies.set(p.policyName, deepFreeze(p));
    try {
      for (const [thing, arns] of Object.entries(state.thingPrincipals)) for (const arn of arns) reg.attachThingPrincipal(thing, arn);
      for (const [policy, arns] of Object.entries(state.policyTargets)) for (const arn of arns) reg.attachPolicy(policy, arn);
    } catch (err) {
      throw new RegistryStateError(`Registry state is inconsistent: ${(err as Error).message}`, err);
    }
    return reg;
  }

  /** Atomic write (temporary file + rename), mode 0600. */
  async saveTo(file: string): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }

  static async loadFrom(file: string): Promise<Registry> {
    return Registry.fromJSON(await readRegistryStateFile(file));
  }

  // ── helpers ─────────────────────────────────────────────────────────────────
  private arn(kind: 'cert' | 'thing' | 'policy', name: string): string {
    return `arn:aws:iot:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  private view(): RegistryView {
    return {
      getCertificate: (id) => this.certificates.get(id),
      getThing: (name) => this.things.get(name),
      getPolicy: (name) => this.policies.get(name),
      attachedPolicies: (target) => [...(this.targetPolicies.get(target) ?? [])],
      knows: (kind, name) => {
        const declared = kind === 'thing group' ? this.thingGroups : this.thingTypes;
        return declared === undefined ? undefined : declared.has(name);
      },
      arnOf: (kind, name) => this.arn(kind, name),
    };
  }

  private requireCertificate(id: string): CertificateRecord {
    const cert = this.certificates.get(id);
    if (cert === undefined) throw new NotFoundError('certificate', id);
    return cert;
  }

  private requireCertificateArn(arn: string): CertificateRecord {
    const prefix = this.arn('cert', '');
    const cert = arn.startsWith(prefix) ? this.certificates.get(arn.slice(prefix.length)) : undefined;
    if (cert === undefined) throw new NotFoundError('certificate', arn, `No certificate with ARN "${arn}" in the registry`);
    return cert;
  }

  private requireThing(name: string): ThingRecord {
    const thing = this.things.get(name);
    if (thing === undefined) throw new NotFoundError('thing', name);
    return thing;
  }

  private requirePolicy(name: string): PolicyRecord {
    const policy = this.policies.get(name);
    if (policy === undefined) throw new NotFoundError('policy', name);
    return policy;
  }
}

function buildThingRecord(thingArn: string, name: string, spec: ThingSpec): ThingRecord {
  const record: ThingRecord = {
    thingName: name,
    thingArn,
    thingId: randomUUID(),
    attributes: { ...(spec.attributes ?? {}) },
    thingGroups: [...new Set(spec.thingGroups ?? [])],
    version: 1,
    createdAt: currentIsoTime(),
  };
  if (spec.thingTypeName !== undefined) record.thingTypeName = spec.thingTypeName;
  if (spec.billingGroup !== undefined) record.billingGroup = spec.billingGroup;
  return record;
}

function extractDefinition(t: ThingRecord): ThingSpec {
  return { attributes: t.attributes, thingGroups: t.thingGroups, thingTypeName: t.thingTypeName, billingGroup: t.billingGroup };
}

function validateStatus(status: string): void {
  if (!CERTIFICATE_STATUSES.includes(status as CertificateStatus)) {
    throw new InvalidRequestError(`Certificate status must be one of ${CERTIFICATE_STATUSES.join(', ')}, got "${status}"`);
  }
}

function currentIsoTime(): string {
  return new Date().toISOString();
}
