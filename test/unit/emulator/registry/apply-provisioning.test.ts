import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseTemplateBody, renderTemplate, type RenderedProvisioning } from '../../../../src/emulator/templates/index.js';
import {
  CertificateStateError,
  NotFoundError,
  Registry,
  ResourceConflictError,
  policyNameForDocument,
  type CertificateStatus,
} from '../../../../src/emulator/registry/index.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const DOC = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };

function newCert(reg: Registry, status: CertificateStatus = 'PENDING_ACTIVATION'): string {
  const certificateId = randomBytes(32).toString('hex');
  reg.addCertificate({ certificateId, certificatePem: PEM, status, issuedVia: 'CreateKeysAndCertificate' });
  return certificateId;
}

/** A template whose thing takes its attributes/groups/type from parameters, with the given OverrideSettings. */
function thingTemplate(overrides: Record<string, string> = {}, certOverride?: string, status = 'Active'): ReturnType<typeof parseTemplateBody> {
  return parseTemplateBody({
    Parameters: { Serial: { Type: 'String' }, Color: { Type: 'String' }, Group: { Type: 'String' }, Kind: { Type: 'String', Default: 'bulb' } },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: { ThingName: { 'Fn::Sub': 'dev-${Serial}' }, AttributePayload: { color: { Ref: 'Color' } }, ThingGroups: [{ Ref: 'Group' }], ThingTypeName: { Ref: 'Kind' } },
        OverrideSettings: overrides,
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: status },
        ...(certOverride === undefined ? {} : { OverrideSettings: { Status: certOverride } }),
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: DOC } },
    },
  });
}

function provision(reg: Registry, body: ReturnType<typeof parseTemplateBody>, params: Record<string, string>, certificateId = newCert(reg)) {
  const rendered = renderTemplate(body, { parameters: params, certificateId });
  return { certificateId, result: reg.applyProvisioning(rendered, certificateId) };
}

/** Provisions dev-1 once (color red, group g1, type bulb) and returns the registry. */
function withExistingThing(): Registry {
  const reg = new Registry();
  provision(reg, thingTemplate(), { Serial: '1', Color: 'red', Group: 'g1' });
  reg.createPolicy('unused', {}); // keeps counts honest in the all-or-nothing test
  return reg;
}

test('a first provisioning creates the thing, activates the certificate, creates and attaches the hashed policy', () => {
  const reg = new Registry();
  const { certificateId, result } = provision(reg, thingTemplate(), { Serial: '7', Color: 'red', Group: 'g1' });
  const hashName = policyNameForDocument(DOC);
  assert.match(hashName, /^[0-9a-f]{64}$/);
  assert.deepEqual(result, { thingName: 'dev-7', policyNames: [hashName] });
  const cert = reg.getCertificate(certificateId);
  assert.equal(cert?.status, 'ACTIVE');
  const thing = reg.getThing('dev-7');
  assert.deepEqual({ attrs: thing?.attributes, groups: thing?.thingGroups, type: thing?.thingTypeName, version: thing?.version }, { attrs: { color: 'red' }, groups: ['g1'], type: 'bulb', version: 1 });
  assert.deepEqual(reg.listThingPrincipals('dev-7'), [cert?.certificateArn]);
  assert.deepEqual(reg.listAttachedPolicies(cert?.certificateArn ?? '').map((p) => p.policyDocument), [DOC]);
});

test('the same inline document is one policy, reused by every device', () => {
  const reg = new Registry();
  provision(reg, thingTemplate(), { Serial: '1', Color: 'red', Group: 'g' });
  provision(reg, thingTemplate(), { Serial: '2', Color: 'red', Group: 'g' });
  assert.equal(reg.counts().policies, 1);
  assert.equal(reg.listTargetsForPolicy(policyNameForDocument(DOC)).length, 2);
  // key order does not change the name
  assert.equal(policyNameForDocument({ Statement: DOC.Statement, Version: DOC.Version }), policyNameForDocument(DOC));
});

test('DO_NOTHING (and the default) keeps the existing thing values', () => {
  const cases: Record<string, string>[] = [{}, { AttributePayload: 'DO_NOTHING', ThingGroups: 'DO_NOTHING', ThingTypeName: 'DO_NOTHING' }];
  for (const overrides of cases) {
    const reg = withExistingThing();
    const { certificateId } = provision(reg, thingTemplate(overrides), { Serial: '1', Color: 'blue', Group: 'g2', Kind: 'lamp' });
    const thing = reg.getThing('dev-1');
    assert.deepEqual({ a: thing?.attributes, g: thing?.thingGroups, t: thing?.thingTypeName, v: thing?.version }, { a: { color: 'red' }, g: ['g1'], t: 'bulb', v: 1 });
    assert.equal(reg.listThingPrincipals('dev-1').length, 2, 'the new certificate is attached to the existing thing');
    assert.equal(reg.getCertificate(certificateId)?.status, 'ACTIVE');
  }
});

test('REPLACE takes the template values and bumps the version', () => {
  const reg = withExistingThing();
  provision(reg, thingTemplate({ AttributePayload: 'REPLACE', ThingGroups: 'REPLACE', ThingTypeName: 'REPLACE' }), { Serial: '1', Color: 'blue', Group: 'g2', Kind: 'lamp' });
  const thing = reg.getThing('dev-1');
  assert.deepEqual({ a: thing?.attributes, g: thing?.thingGroups, t: thing?.thingTypeName, v: thing?.version }, { a: { color: 'blue' }, g: ['g2'], t: 'lamp', v: 2 });
});

test('MERGE unions attributes (template wins) and groups', () => {
  const reg = new Registry();
  reg.createThing('dev-1', { attributes: { color: 'red', shape: 'round' }, thingGroups: ['g1', 'g0'] });
  const body = parseTemplateBody({
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: { ThingName: 'dev-1', AttributePayload: { color: 'green', size: 'L' }, ThingGroups: ['g1', 'g3'] },
        OverrideSettings: { AttributePayload: 'MERGE', ThingGroups: 'MERGE' },
      },
    },
  });
  provision(reg, body, {});
  const thing = reg.getThing('dev-1');
  assert.deepEqual(thing?.attributes, { color: 'green', shape: 'round', size: 'L' });
  assert.deepEqual(thing?.thingGroups, ['g1', 'g0', 'g3']);
  assert.equal(thing?.version, 2);
});

test('FAIL on an existing thing throws a conflict naming the thing and property, and changes nothing', () => {
  const reg = withExistingThing();
  const before = JSON.stringify(reg.toJSON());
  const certificateId = newCert(reg);
  const snapshot = JSON.stringify(reg.toJSON());
  const rendered = renderTemplate(thingTemplate({ AttributePayload: 'REPLACE', ThingGroups: 'FAIL' }), { parameters: { Serial: '1', Color: 'blue', Group: 'g2' }, certificateId });
  assert.throws(
    () => reg.applyProvisioning(rendered, certificateId),
    (e: unknown) =>
      e instanceof ResourceConflictError &&
      e.reason === 'OVERRIDE_FAIL' &&
      e.resource === 'thing/dev-1' &&
      e.property === 'ThingGroups' &&
      e.message === 'Thing "dev-1" already exists and OverrideSettings.ThingGroups is FAIL (ResourceConflictsException)',
  );
  assert.equal(JSON.stringify(reg.toJSON()), snapshot, 'all-or-nothing: no status, thing, policy or attachment changed');
  assert.notEqual(before, snapshot);
  assert.equal(reg.getCertificate(certificateId)?.status, 'PENDING_ACTIVATION');
});

test('FAIL does not fire for a new thing or for a property the template leaves unset', () => {
  const reg = new Registry();
  assert.doesNotThrow(() => provision(reg, thingTemplate({ AttributePayload: 'FAIL' }), { Serial: '5', Color: 'x', Group: 'g' }));
  const body = parseTemplateBody({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'dev-5' }, OverrideSettings: { AttributePayload: 'FAIL' } } } });
  assert.doesNotThrow(() => provision(reg, body, {}));
  assert.deepEqual(reg.getThing('dev-5')?.attributes, { color: 'x' });
});

test('a missing named policy fails before anything changes', () => {
  const reg = new Registry();
  const body = parseTemplateBody({
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'dev-9' } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
      inline: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: DOC } },
      named: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'fleet-base' } },
    },
  });
  const certificateId = newCert(reg);
  const rendered = renderTemplate(body, { parameters: {}, certificateId });
  assert.throws(() => reg.applyProvisioning(rendered, certificateId), (e: unknown) => e instanceof NotFoundError && /Policy "fleet-base" named by the template's resource "named" does not exist/.test(e.message));
  assert.deepEqual(reg.counts(), { things: 0, certificates: 1, policies: 0 });
  reg.createPolicy('fleet-base', DOC);
  assert.deepEqual(reg.applyProvisioning(rendered, certificateId).policyNames, [policyNameForDocument(DOC), 'fleet-base']);
});

test('certificate Status: the template sets it (INACTIVE here); a registered certificate follows OverrideSettings.Status', () => {
  const reg = new Registry();
  const { certificateId } = provision(reg, thingTemplate({}, undefined, 'inactive'), { Serial: '1', Color: 'c', Group: 'g' });
  assert.equal(reg.getCertificate(certificateId)?.status, 'INACTIVE');
  const again = (override: string | undefined): RenderedProvisioning => renderTemplate(thingTemplate({}, override, 'ACTIVE'), { parameters: { Serial: '1', Color: 'c', Group: 'g' }, certificateId });
  reg.applyProvisioning(again(undefined), certificateId);
  assert.equal(reg.getCertificate(certificateId)?.status, 'INACTIVE', 'default DO_NOTHING keeps the status');
  assert.throws(() => reg.applyProvisioning(again('FAIL'), certificateId), (e: unknown) => e instanceof ResourceConflictError && e.property === 'Status' && e.resource === `cert/${certificateId}`);
  reg.applyProvisioning(again('REPLACE'), certificateId);
  assert.equal(reg.getCertificate(certificateId)?.status, 'ACTIVE');
});

test('unknown or revoked certificates cannot be provisioned', () => {
  const reg = new Registry();
  const rendered: RenderedProvisioning = { policies: [], deviceConfiguration: {} };
  assert.throws(() => reg.applyProvisioning(rendered, '1'.repeat(64)), NotFoundError);
  const revoked = newCert(reg, 'REVOKED');
  assert.throws(() => reg.applyProvisioning(rendered, revoked), CertificateStateError);
});

test('a template without a thing attaches policies only and returns no thingName', () => {
  const reg = new Registry();
  const certificateId = newCert(reg);
  const body = parseTemplateBody({ Resources: { p: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: DOC } } } });
  const result = reg.applyProvisioning(renderTemplate(body, { parameters: {}, certificateId }), certificateId);
  assert.deepEqual(result, { policyNames: [policyNameForDocument(DOC)] });
  assert.equal(reg.getCertificate(certificateId)?.status, 'PENDING_ACTIVATION', 'no Certificate resource: status unchanged');
});

test('an inline policy document over 2,048 characters (whitespace excluded) is refused before anything changes', () => {
  const reg = new Registry();
  // the size comes from a parameter, so only the rendered document shows it (a static one is refused when the template loads)
  const body = parseTemplateBody({
    Parameters: { Topic: { Type: 'String' } },
    Resources: {
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: { Ref: 'Topic' } }] } } },
    },
  });
  const certificateId = newCert(reg);
  const big = `arn:aws:iot:*:*:topic/${'t'.repeat(2100)}`;
  assert.throws(
    () => reg.applyProvisioning(renderTemplate(body, { parameters: { Topic: big }, certificateId }), certificateId),
    (e: unknown) => (e as { code?: string }).code === 'INVALID_REQUEST' && /policy document of the template's resource "policy" has \d+ characters/.test((e as Error).message),
  );
  assert.deepEqual(reg.counts(), { things: 0, certificates: 1, policies: 0 });
  const small = renderTemplate(body, { parameters: { Topic: 'arn:aws:iot:*:*:topic/t' }, certificateId });
  assert.deepEqual(reg.applyProvisioning(small, certificateId).policyNames, [policyNameForDocument(small.policies[0]!.policyDocument!)]);
});

test('provisioning that would attach an 11th policy to the certificate is refused (AWS: 10 per certificate)', () => {
  const body = parseTemplateBody({
    Resources: {
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: DOC } },
    },
  });
  const withAttached = (n: number) => {
    const reg = new Registry();
    const certificateId = newCert(reg);
    const arn = reg.getCertificate(certificateId)!.certificateArn;
    for (let i = 0; i < n; i++) {
      reg.createPolicy(`by-hand-${i}`, DOC);
      reg.attachPolicy(`by-hand-${i}`, arn);
    }
    return { reg, certificateId };
  };
  const full = withAttached(10);
  assert.throws(
    () => full.reg.applyProvisioning(renderTemplate(body, { parameters: {}, certificateId: full.certificateId }), full.certificateId),
    (e: unknown) => (e as { code?: string }).code === 'INVALID_REQUEST' && /would have 11 policies attached; AWS IoT allows 10/.test((e as Error).message),
  );
  const room = withAttached(9);
  assert.equal(room.reg.applyProvisioning(renderTemplate(body, { parameters: {}, certificateId: room.certificateId }), room.certificateId).policyNames.length, 1);
});

test('declared thing groups and types: provisioning into an unknown one fails before anything changes; undeclared kinds are not checked', () => {
  const reg = new Registry();
  // nothing declared: any group and type is accepted
  assert.equal(provision(reg, thingTemplate(), { Serial: '1', Color: 'red', Group: 'anything' }).result.thingName, 'dev-1');
  reg.declareThingGroups(['g1']);
  const before = reg.counts();
  assert.throws(
    () => provision(reg, thingTemplate(), { Serial: '2', Color: 'red', Group: 'g2' }),
    (e: unknown) => e instanceof NotFoundError && e.resourceType === 'thing group' && /in thing group "g2", which does not exist/.test(e.message),
  );
  assert.equal(reg.counts().things, before.things, 'no thing created');
  assert.equal(provision(reg, thingTemplate(), { Serial: '3', Color: 'red', Group: 'g1' }).result.thingName, 'dev-3', 'types are still not checked');
  reg.declareThingTypes(['lamp']);
  assert.throws(() => provision(reg, thingTemplate(), { Serial: '4', Color: 'red', Group: 'g1' }), /thing type "bulb", which does not exist/);
  assert.equal(provision(reg, thingTemplate(), { Serial: '5', Color: 'red', Group: 'g1', Kind: 'lamp' }).result.thingName, 'dev-5');
});
