import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTemplateBody, renderTemplate } from '../../../../src/emulator/templates/index.js';
import { Registry, RegistryStateError } from '../../../../src/emulator/registry/index.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

/** A registry with provisioned devices, a loose certificate, a named policy and an empty thing. */
function populatedRegistry(): Registry {
  const reg = new Registry({ region: 'eu-central-1', accountId: '111122223333' });
  const body = parseTemplateBody({
    Parameters: { S: { Type: 'String' } },
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Sub': 'dev-${S}' }, AttributePayload: { s: { Ref: 'S' } }, ThingGroups: ['g'] } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [] } } },
    },
  });
  for (const s of ['1', '2']) {
    const certificateId = randomBytes(32).toString('hex');
    reg.addCertificate({ certificateId, certificatePem: PEM, status: 'PENDING_ACTIVATION', issuedVia: 'CreateCertificateFromCsr', claimCertificateId: 'c'.repeat(64) });
    reg.applyProvisioning(renderTemplate(body, { parameters: { S: s }, certificateId }), certificateId);
  }
  reg.addCertificate({ certificateId: randomBytes(32).toString('hex'), certificatePem: PEM, status: 'INACTIVE', issuedVia: 'external' });
  reg.createPolicy('named', { Version: '2012-10-17' });
  reg.createThing('empty');
  return reg;
}

test('toJSON → fromJSON round-trips records and attachments', () => {
  const reg = populatedRegistry();
  const copy = Registry.fromJSON(JSON.parse(JSON.stringify(reg)) as object);
  assert.deepEqual(copy.toJSON(), reg.toJSON());
  assert.equal(copy.region, 'eu-central-1');
  assert.equal(copy.accountId, '111122223333');
  const dev1 = copy.getThing('dev-1');
  const arn = copy.listThingPrincipals('dev-1')[0] ?? '';
  assert.equal(copy.listAttachedPolicies(arn).length, 1);
  assert.deepEqual(copy.listPrincipalThings(arn), ['dev-1']);
  assert.equal(dev1?.thingId, reg.getThing('dev-1')?.thingId);
  // the copy is independent
  copy.deleteThing('empty');
  assert.ok(reg.getThing('empty') !== undefined);
});

test('fromJSON refuses malformed or inconsistent state with a clear error', () => {
  const good = populatedRegistry().toJSON();
  assert.throws(() => Registry.fromJSON({ ...good, version: 2 }), (e: unknown) => e instanceof RegistryStateError && /version must be 1/.test(e.message));
  const badCert = { ...good, certificates: [{ ...good.certificates[0], status: 'ENABLED' }] };
  assert.throws(() => Registry.fromJSON(badCert), /certificates\[0\]\.status must be one of/);
  assert.throws(() => Registry.fromJSON({ ...good, thingPrincipals: { ghost: ['arn:x'] } }), (e: unknown) => e instanceof RegistryStateError && /inconsistent/.test(e.message));
});

test('saveTo writes mode 0600 atomically (no temporary file left) and loadFrom reads it back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsim-registry-'));
  try {
    const file = join(dir, 'registry.json');
    const reg = populatedRegistry();
    await writeFile(file, 'old contents', { mode: 0o644 });
    await reg.saveTo(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['registry.json']);
    const loaded = await Registry.loadFrom(file);
    assert.deepEqual(loaded.toJSON(), reg.toJSON());
    assert.deepEqual(loaded.counts(), { things: 3, certificates: 3, policies: 2 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadFrom reports a missing or corrupt file as RegistryStateError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsim-registry-'));
  try {
    await assert.rejects(Registry.loadFrom(join(dir, 'missing.json')), (e: unknown) => e instanceof RegistryStateError && /Cannot read registry file/.test(e.message));
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"version": 1,');
    await assert.rejects(Registry.loadFrom(corrupt), (e: unknown) => e instanceof RegistryStateError && e.code === 'REGISTRY_STATE_INVALID' && /not valid JSON/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
