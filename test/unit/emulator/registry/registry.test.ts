import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CertificateStateError,
  InvalidRequestError,
  NotFoundError,
  Registry,
  ResourceConflictError,
  type CertificateStatus,
} from '../../../../src/emulator/registry/index.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

function addCert(reg: Registry, status: CertificateStatus = 'PENDING_ACTIVATION', certificateId = randomBytes(32).toString('hex')) {
  return reg.addCertificate({ certificateId, certificatePem: PEM, status, issuedVia: 'CreateKeysAndCertificate' });
}

test('addCertificate builds the ARN and createdAt; defaults are us-east-1 / 123456789012', () => {
  const reg = new Registry();
  const cert = addCert(reg);
  assert.equal(cert.certificateArn, `arn:aws:iot:us-east-1:123456789012:cert/${cert.certificateId}`);
  assert.ok(!Number.isNaN(Date.parse(cert.createdAt)));
  assert.deepEqual(reg.getCertificate(cert.certificateId), cert);
  const other = new Registry({ region: 'eu-west-1', accountId: '999999999999' });
  assert.match(addCert(other).certificateArn, /^arn:aws:iot:eu-west-1:999999999999:cert\/[0-9a-f]{64}$/);
});

test('addCertificate refuses a malformed or duplicate id', () => {
  const reg = new Registry();
  assert.throws(() => addCert(reg, 'ACTIVE', 'abc'), InvalidRequestError);
  assert.throws(() => addCert(reg, 'ACTIVE', 'A'.repeat(64)), InvalidRequestError);
  const cert = addCert(reg);
  assert.throws(() => addCert(reg, 'ACTIVE', cert.certificateId), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'ALREADY_EXISTS');
});

test('only known certificate fields are stored: a stray privateKey never reaches the record or the state', () => {
  const reg = new Registry();
  const certificateId = randomBytes(32).toString('hex');
  const input = { certificateId, certificatePem: PEM, status: 'ACTIVE' as const, issuedVia: 'CreateKeysAndCertificate' as const, privateKey: 'SECRET-KEY' };
  reg.addCertificate(input);
  assert.equal(JSON.stringify(reg.toJSON()).includes('SECRET-KEY'), false);
  assert.equal('privateKey' in (reg.getCertificate(certificateId) ?? {}), false);
});

test('records are frozen: callers cannot change the registry behind its back', () => {
  const reg = new Registry();
  const cert = addCert(reg);
  assert.throws(() => {
    (cert as { status: string }).status = 'ACTIVE';
  }, TypeError);
  assert.equal(reg.getCertificate(cert.certificateId)?.status, 'PENDING_ACTIVATION');
});

test('updateCertificateStatus changes status; REVOKED is final; unknown id is NOT_FOUND', () => {
  const reg = new Registry();
  const { certificateId } = addCert(reg);
  reg.updateCertificateStatus(certificateId, 'ACTIVE');
  assert.equal(reg.getCertificate(certificateId)?.status, 'ACTIVE');
  reg.updateCertificateStatus(certificateId, 'REVOKED');
  assert.throws(() => reg.updateCertificateStatus(certificateId, 'ACTIVE'), (e: unknown) => e instanceof CertificateStateError && e.code === 'CERTIFICATE_STATE');
  assert.throws(() => reg.updateCertificateStatus('0'.repeat(64), 'ACTIVE'), (e: unknown) => e instanceof NotFoundError && e.code === 'NOT_FOUND');
  assert.throws(() => reg.updateCertificateStatus(certificateId, 'ON' as CertificateStatus), InvalidRequestError);
});

test('deleteCertificate: ACTIVE refused, attached thing refused even with forceDelete, policies need forceDelete', () => {
  const reg = new Registry();
  const cert = addCert(reg, 'ACTIVE');
  reg.createThing('t1');
  reg.createPolicy('p1', { Version: '2012-10-17' });
  reg.attachThingPrincipal('t1', cert.certificateArn);
  reg.attachPolicy('p1', cert.certificateArn);

  assert.throws(() => reg.deleteCertificate(cert.certificateId), /is ACTIVE; set it INACTIVE before deleting it/);
  reg.updateCertificateStatus(cert.certificateId, 'INACTIVE');
  assert.throws(() => reg.deleteCertificate(cert.certificateId, { forceDelete: true }), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'CERTIFICATE_IN_USE' && /attached to 1 thing/.test(e.message));
  reg.detachThingPrincipal('t1', cert.certificateArn);
  assert.throws(() => reg.deleteCertificate(cert.certificateId), /has 1 attached policy\(ies\); detach them or use forceDelete/);
  reg.deleteCertificate(cert.certificateId, { forceDelete: true });
  assert.equal(reg.getCertificate(cert.certificateId), undefined);
  assert.deepEqual(reg.listTargetsForPolicy('p1'), [], 'forceDelete detached the policy');
  assert.throws(() => reg.deleteCertificate(cert.certificateId), NotFoundError);
});

test('PENDING_ACTIVATION and REVOKED certificates without attachments can be deleted', () => {
  const reg = new Registry();
  const a = addCert(reg, 'PENDING_ACTIVATION');
  const b = addCert(reg, 'REVOKED');
  reg.deleteCertificate(a.certificateId);
  reg.deleteCertificate(b.certificateId);
  assert.equal(reg.counts().certificates, 0);
});

test('thing principals: attach, list both ways, detach; unknown thing or ARN is NOT_FOUND', () => {
  const reg = new Registry();
  const c1 = addCert(reg);
  const c2 = addCert(reg);
  reg.createThing('dev-1', { attributes: { a: '1' } });
  reg.attachThingPrincipal('dev-1', c1.certificateArn);
  reg.attachThingPrincipal('dev-1', c1.certificateArn); // idempotent
  reg.attachThingPrincipal('dev-1', c2.certificateArn);
  assert.deepEqual(reg.listThingPrincipals('dev-1').sort(), [c1.certificateArn, c2.certificateArn].sort());
  assert.deepEqual(reg.listPrincipalThings(c1.certificateArn), ['dev-1']);
  reg.detachThingPrincipal('dev-1', c1.certificateArn);
  assert.deepEqual(reg.listThingPrincipals('dev-1'), [c2.certificateArn]);
  assert.deepEqual(reg.listPrincipalThings(c1.certificateArn), []);
  assert.throws(() => reg.attachThingPrincipal('nope', c1.certificateArn), (e: unknown) => e instanceof NotFoundError && e.resourceType === 'thing');
  assert.throws(() => reg.attachThingPrincipal('dev-1', 'arn:aws:iot:us-east-1:123456789012:cert/' + '0'.repeat(64)), (e: unknown) => e instanceof NotFoundError && e.resourceType === 'certificate');
  assert.throws(() => reg.attachThingPrincipal('dev-1', c1.certificateArn.replace('us-east-1', 'eu-west-1')), NotFoundError);
});

test('deleteThing: refused while principals are attached; a missing thing deletes silently (as AWS)', () => {
  const reg = new Registry();
  const cert = addCert(reg);
  const thing = reg.createThing('dev-2');
  assert.match(thing.thingId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(thing.thingArn, 'arn:aws:iot:us-east-1:123456789012:thing/dev-2');
  assert.equal(thing.version, 1);
  reg.attachThingPrincipal('dev-2', cert.certificateArn);
  assert.throws(() => reg.deleteThing('dev-2'), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'THING_HAS_PRINCIPALS' && e.code === 'RESOURCE_CONFLICT');
  reg.detachThingPrincipal('dev-2', cert.certificateArn);
  reg.deleteThing('dev-2');
  assert.equal(reg.getThing('dev-2'), undefined);
  assert.doesNotThrow(() => reg.deleteThing('dev-2'));
});

test('createThing is idempotent for the same definition and a conflict otherwise', () => {
  const reg = new Registry();
  const first = reg.createThing('dev-3', { attributes: { a: '1' }, thingGroups: ['g'] });
  assert.equal(reg.createThing('dev-3', { thingGroups: ['g'], attributes: { a: '1' } }), first);
  assert.throws(() => reg.createThing('dev-3', { attributes: { a: '2' } }), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'ALREADY_EXISTS');
  assert.throws(() => reg.createThing('bad name'), InvalidRequestError);
});

test('policies: create, attach, list attached and targets, delete only when detached', () => {
  const reg = new Registry();
  const cert = addCert(reg);
  const doc = { Version: '2012-10-17', Statement: [] };
  const p = reg.createPolicy('pol-1', doc);
  assert.equal(p.policyArn, 'arn:aws:iot:us-east-1:123456789012:policy/pol-1');
  assert.throws(() => reg.createPolicy('pol-1', doc), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'ALREADY_EXISTS');
  assert.throws(() => reg.createPolicy('bad/name', doc), InvalidRequestError);
  reg.attachPolicy('pol-1', cert.certificateArn);
  assert.deepEqual(reg.listAttachedPolicies(cert.certificateArn).map((x) => x.policyName), ['pol-1']);
  assert.deepEqual(reg.listTargetsForPolicy('pol-1'), [cert.certificateArn]);
  assert.throws(() => reg.deletePolicy('pol-1'), (e: unknown) => e instanceof ResourceConflictError && e.reason === 'POLICY_IN_USE');
  reg.detachPolicy('pol-1', cert.certificateArn);
  assert.deepEqual(reg.listAttachedPolicies(cert.certificateArn), []);
  reg.deletePolicy('pol-1');
  assert.equal(reg.getPolicy('pol-1'), undefined);
  assert.throws(() => reg.attachPolicy('pol-1', cert.certificateArn), NotFoundError);
  assert.throws(() => reg.listTargetsForPolicy('pol-1'), NotFoundError);
});

test('listCertificates pages through every certificate once, in id order', () => {
  const reg = new Registry();
  const ids = Array.from({ length: 23 }, () => addCert(reg).certificateId);
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = reg.listCertificates(marker === undefined ? { pageSize: 5 } : { pageSize: 5, marker });
    seen.push(...page.certificates.map((c) => c.certificateId));
    marker = page.nextMarker;
    pages += 1;
  } while (marker !== undefined);
  assert.equal(pages, 5);
  assert.deepEqual(seen, [...ids].sort());
  assert.equal(reg.listCertificates().certificates.length, 23, 'default page size is 25');
  assert.equal(reg.listCertificates().nextMarker, undefined);
});

test('pagination survives deleting the items of the page just read (list-then-delete cleanup)', () => {
  const reg = new Registry();
  for (let i = 0; i < 10; i += 1) reg.createThing(`dev-${String(i).padStart(2, '0')}`);
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = reg.listThings(nextToken === undefined ? { pageSize: 3 } : { pageSize: 3, nextToken });
    for (const t of page.things) {
      seen.push(t.thingName);
      reg.deleteThing(t.thingName);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  assert.equal(seen.length, 10);
  assert.equal(reg.counts().things, 0);
});

test('listThings filters by thingNamePrefix; listPolicies pages; bad page size and marker are refused', () => {
  const reg = new Registry();
  for (const n of ['fleet-test-001', 'fleet-test-002', 'other-1']) reg.createThing(n);
  assert.deepEqual(reg.listThings({ thingNamePrefix: 'fleet-' }).things.map((t) => t.thingName), ['fleet-test-001', 'fleet-test-002']);
  for (let i = 0; i < 3; i += 1) reg.createPolicy(`p${i}`, {});
  const first = reg.listPolicies({ pageSize: 2 });
  assert.deepEqual(first.policies.map((p) => p.policyName), ['p0', 'p1']);
  assert.ok(first.nextMarker !== undefined);
  assert.deepEqual(reg.listPolicies({ pageSize: 2, marker: first.nextMarker }).policies.map((p) => p.policyName), ['p2']);
  assert.throws(() => reg.listThings({ pageSize: 0 }), /pageSize must be a whole number from 1 to 250/);
  assert.throws(() => reg.listThings({ pageSize: 251 }), InvalidRequestError);
  assert.throws(() => reg.listCertificates({ marker: 'garbage!' }), /pagination marker is not one this registry returned/);
});

test('counts reports each kind', () => {
  const reg = new Registry();
  addCert(reg);
  addCert(reg);
  reg.createThing('a');
  assert.deepEqual(reg.counts(), { things: 1, certificates: 2, policies: 0 });
});
