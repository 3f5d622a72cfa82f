import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplateBody, TemplateError } from '../../../../src/emulator/templates/index.js';

const minimal = {
  Parameters: { SerialNumber: { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'SerialNumber' } } },
  },
};

/** Asserts a TemplateError whose issues include `path` with a message matching `message`. */
function assertIssue(input: string | object, path: string, message: RegExp): TemplateError {
  let caught: unknown;
  try {
    parseTemplateBody(input);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TemplateError, `expected TemplateError, got ${String(caught)}`);
  assert.equal(caught.code, 'TEMPLATE_INVALID');
  const issue = caught.issues.find((i) => i.path === path);
  assert.ok(issue !== undefined, `no issue at ${path}; issues: ${JSON.stringify(caught.issues)}`);
  assert.match(issue.message, message);
  return caught;
}

function withResource(resource: object): object {
  return { ...minimal, Resources: { ...minimal.Resources, r: resource } };
}

test('a string body and the same object parse to the same TemplateBody, with sections defaulted', () => {
  const fromObject = parseTemplateBody(minimal);
  const fromString = parseTemplateBody(JSON.stringify(minimal));
  assert.deepEqual(fromString, fromObject);
  assert.deepEqual(fromObject.Mappings, {});
  assert.deepEqual(fromObject.DeviceConfiguration, {});
  assert.deepEqual(fromObject.Resources.thing?.OverrideSettings, {});
});

test('the parsed body is a private copy of an object input', () => {
  const input = structuredClone(minimal);
  const body = parseTemplateBody(input);
  input.Resources.thing.Properties.ThingName = { Ref: 'Other' };
  assert.deepEqual(body.Resources.thing?.Properties.ThingName, { Ref: 'SerialNumber' });
});

test('invalid JSON text and a non-object body are refused at the root', () => {
  const err = assertIssue('{"Resources": ', '', /is not valid JSON/);
  assert.equal(err.path, '');
  assertIssue('[1,2]', '', /must be a JSON object/);
});

test('a body over 10240 characters is refused', () => {
  const big = { ...minimal, DeviceConfiguration: { pad: 'x'.repeat(10300) } };
  assertIssue(big, '', /is \d+ characters long; templateBody may be at most 10240/);
  assertIssue(JSON.stringify(big), '', /may be at most 10240/);
});

test('unknown sections, missing Resources and bad parameters have paths', () => {
  assertIssue({ ...minimal, Conditions: {} }, 'Conditions', /unknown section/);
  assertIssue({ Parameters: {} }, 'Resources', /is required/);
  assertIssue({ ...minimal, Parameters: { N: { Type: 'Number' } } }, 'Parameters.N.Type', /must be "String"/);
  assertIssue({ ...minimal, Parameters: { N: { Type: 'String', Default: 5 } } }, 'Parameters.N.Default', /must be a string/);
});

test('unknown resource types and properties are refused with their paths', () => {
  assertIssue(withResource({ Type: 'AWS::IoT::ThingGroup', Properties: {} }), 'Resources.r.Type', /must be one of AWS::IoT::Thing, AWS::IoT::Certificate, AWS::IoT::Policy/);
  assertIssue(withResource({ Type: 'AWS::IoT::Thing', Properties: { ThingNmae: 'x' } }), 'Resources.r.Properties.ThingNmae', /unknown property/);
  assertIssue(withResource({ Type: 'AWS::IoT::Thing', Properties: { ThingNmae: 'x' } }), 'Resources.r.Properties.ThingName', /is required/);
  assertIssue(withResource({ Type: 'AWS::IoT::Thing' }), 'Resources.r.Properties', /is required/);
});

test('only one Thing and one Certificate per template', () => {
  assertIssue(withResource({ Type: 'AWS::IoT::Thing', Properties: { ThingName: 'b' } }), 'Resources.r.Type', /only one AWS::IoT::Thing \(already declared by "thing"\)/);
});

test('certificate Status accepts ACTIVE/INACTIVE in any case and nothing else', () => {
  const cert = (Status: unknown): object => withResource({ Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status } });
  for (const ok of ['ACTIVE', 'Active', 'inactive', { Ref: 'SerialNumber' }]) assert.doesNotThrow(() => parseTemplateBody(cert(ok)));
  const err = assertIssue(cert('ENABLED'), 'Resources.r.Properties.Status', /must be ACTIVE or INACTIVE/);
  assert.equal(err.path, 'Resources.r.Properties.Status');
  assert.match(err.message, /^Invalid provisioning template: Resources\.r\.Properties\.Status: must be ACTIVE or INACTIVE/);
});

test('certificate resources need CertificateId; CSR/PEM forms are not for fleet provisioning', () => {
  assertIssue(withResource({ Type: 'AWS::IoT::Certificate', Properties: {} }), 'Resources.r.Properties.CertificateId', /is required/);
  assertIssue(withResource({ Type: 'AWS::IoT::Certificate', Properties: { CertificateId: 'x', CertificateSigningRequest: 'csr' } }), 'Resources.r.Properties.CertificateSigningRequest', /not supported in fleet provisioning/);
});

test('a policy needs exactly one of PolicyName and PolicyDocument; a string document must be JSON', () => {
  assertIssue(withResource({ Type: 'AWS::IoT::Policy', Properties: {} }), 'Resources.r.Properties', /exactly one of PolicyName .* or PolicyDocument/);
  assertIssue(withResource({ Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'p', PolicyDocument: {} } }), 'Resources.r.Properties', /exactly one/);
  assertIssue(withResource({ Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: '{not json' } }), 'Resources.r.Properties.PolicyDocument', /not valid JSON/);
  const doc = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}';
  assert.doesNotThrow(() => parseTemplateBody(withResource({ Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: doc } })));
  assert.doesNotThrow(() => parseTemplateBody(withResource({ Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'existing' } })));
});

test('OverrideSettings: allowed values, MERGE only for ThingGroups/AttributePayload, none on policies', () => {
  const thing = (OverrideSettings: object): object => ({ ...minimal, Resources: { thing: { ...minimal.Resources.thing, OverrideSettings } } });
  const ok = parseTemplateBody(thing({ ATTRIBUTE_PAYLOAD: 'MERGE', ThingGroups: 'MERGE', THING_TYPE_NAME: 'FAIL' }));
  assert.deepEqual(ok.Resources.thing?.OverrideSettings, { AttributePayload: 'MERGE', ThingGroups: 'MERGE', ThingTypeName: 'FAIL' });
  assertIssue(thing({ ThingTypeName: 'MERGE' }), 'Resources.thing.OverrideSettings.ThingTypeName', /MERGE is valid only for/);
  assertIssue(thing({ AttributePayload: 'OVERWRITE' }), 'Resources.thing.OverrideSettings.AttributePayload', /must be one of DO_NOTHING, REPLACE, FAIL, MERGE/);
  assertIssue(thing({ ThingName: 'REPLACE' }), 'Resources.thing.OverrideSettings.ThingName', /not an overridable property/);
  assertIssue(withResource({ Type: 'AWS::IoT::Certificate', Properties: { CertificateId: 'x' }, OverrideSettings: { Status: 'MERGE' } }), 'Resources.r.OverrideSettings.Status', /MERGE is valid only/);
  assertIssue(withResource({ Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'p' }, OverrideSettings: {} }), 'Resources.r.OverrideSettings', /not available for policy resources/);
});

test('Mappings hold plain strings: no functions, no nesting', () => {
  assertIssue({ ...minimal, Mappings: { M: { k: { v: { Ref: 'SerialNumber' } } } } }, 'Mappings.M.k.v', /intrinsic functions and parameters are not allowed in Mappings/);
  assertIssue({ ...minimal, Mappings: { M: { k: { v: 3 } } } }, 'Mappings.M.k.v', /must be a string/);
  assertIssue({ ...minimal, Mappings: { M: { k: 'flat' } } }, 'Mappings.M.k', /second-level keys/);
});

test('DeviceConfiguration values are strings or intrinsics, never nested objects', () => {
  assertIssue({ ...minimal, DeviceConfiguration: { a: { nested: 'x' } } }, 'DeviceConfiguration.a', /nested objects are not supported/);
  assertIssue({ ...minimal, DeviceConfiguration: { a: 5 } }, 'DeviceConfiguration.a', /must be a string or an intrinsic function/);
  assert.doesNotThrow(() => parseTemplateBody({ ...minimal, DeviceConfiguration: { a: 'x', b: { 'Fn::Sub': '${SerialNumber}' } } }));
});

test('all problems are reported at once', () => {
  const err = assertIssue({ Parameters: { N: { Type: 'Number' } }, Resources: { r: { Type: 'X' } }, Extra: 1 }, 'Extra', /unknown section/);
  assert.deepEqual(err.issues.map((i) => i.path).sort(), ['Extra', 'Parameters.N.Type', 'Resources.r.Type']);
  assert.match(err.message, /and 2 more/);
});
