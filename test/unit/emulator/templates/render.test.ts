import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseTemplateBody, renderTemplate, TemplateRenderError } from '../../../../src/emulator/templates/index.js';

const CERT_ID = '0123456789abcdef'.repeat(4);
// dist/test/unit/templates → repository root
const EXAMPLE = fileURLToPath(new URL('../../../../../scenarios/templates/fleet-prov-test-template.json', import.meta.url));

test('the example template file parses from its text and renders fleet-test-001', async () => {
  const text = await readFile(EXAMPLE, 'utf8');
  const body = parseTemplateBody(text);
  const out = renderTemplate(body, { parameters: { SerialNumber: '001', Unused: 'ignored' }, certificateId: CERT_ID });
  assert.equal(out.thing?.thingName, 'fleet-test-001');
  assert.equal(out.thing?.attributes.serialNumber, '001');
  assert.deepEqual(out.thing?.thingGroups, []);
  assert.deepEqual(out.certificate, { logicalId: 'certificate', certificateId: CERT_ID, status: 'ACTIVE', overrideSettings: { Status: 'REPLACE' } });
  assert.deepEqual(out.deviceConfiguration, { 'fleet-prov': 'test' });
  assert.equal(out.policies.length, 1);
  const statements = (out.policies[0]?.policyDocument as { Statement: { Action: unknown; Resource: string }[] }).Statement;
  assert.equal(statements[0]?.Resource, 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}');
  assert.deepEqual(statements[1]?.Action, ['iot:Publish', 'iot:Receive']);
  assert.equal(statements[2]?.Resource, 'arn:aws:iot:*:*:topicfilter/fleetsim/${iot:Connection.Thing.ThingName}/*');
  assert.equal(out.policies[0]?.policyName, undefined);
});

test('the example template needs SerialNumber', async () => {
  const body = parseTemplateBody(await readFile(EXAMPLE, 'utf8'));
  assert.throws(() => renderTemplate(body, { parameters: {}, certificateId: CERT_ID }), {
    code: 'MISSING_PARAMETER',
    message: 'Parameter "SerialNumber" has no value and no Default (at Resources.thing.Properties.ThingName.Fn::Join[1][1])',
  });
});

/** The AWS SDK sample template shape: Mappings, FindInMap in DeviceConfiguration, Sub in the thing, a string policy. */
const sdkStyle = {
  Parameters: {
    SerialNumber: { Type: 'String' },
    DeviceLocation: { Type: 'String', Default: 'Seattle' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Mappings: { LocationTable: { Seattle: { LocationUrl: 'https://example.aws' }, Paris: { LocationUrl: 'https://example.fr' } } },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { 'Fn::Sub': 'ThingPrefix_${SerialNumber}' },
        AttributePayload: { version: 'v1', location: { Ref: 'DeviceLocation' } },
        ThingTypeName: 'lightBulb',
        ThingGroups: ['v1-lightbulbs', { Ref: 'DeviceLocation' }],
        BillingGroup: 'LightBulbBillingGroup',
      },
      OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
    },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Inactive' } },
    policy: {
      Type: 'AWS::IoT::Policy',
      Properties: { PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Publish"],"Resource":["arn:aws:iot:*:*:topic/foo/bar"]}]}' },
    },
    named: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: { 'Fn::Join': ['-', ['fleet', 'base']] } } },
  },
  DeviceConfiguration: {
    FallbackUrl: 'https://www.example.com/test-site',
    LocationUrl: { 'Fn::FindInMap': ['LocationTable', { Ref: 'DeviceLocation' }, 'LocationUrl'] },
    Greeting: { 'Fn::Sub': ['hello ${Who}', { Who: { Ref: 'SerialNumber' } }] },
  },
};

test('an SDK-style template with Mappings, Fn::FindInMap and Fn::Sub renders every section', () => {
  const out = renderTemplate(parseTemplateBody(sdkStyle), { parameters: { SerialNumber: '1', DeviceLocation: 'Paris' }, certificateId: CERT_ID });
  assert.deepEqual(out.thing, {
    logicalId: 'thing',
    thingName: 'ThingPrefix_1',
    attributes: { version: 'v1', location: 'Paris' },
    thingTypeName: 'lightBulb',
    thingGroups: ['v1-lightbulbs', 'Paris'],
    billingGroup: 'LightBulbBillingGroup',
    overrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
  });
  assert.equal(out.certificate?.status, 'INACTIVE');
  assert.deepEqual(out.deviceConfiguration, { FallbackUrl: 'https://www.example.com/test-site', LocationUrl: 'https://example.fr', Greeting: 'hello 1' });
  assert.deepEqual(out.policies[0]?.policyDocument, {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iot:Publish'], Resource: ['arn:aws:iot:*:*:topic/foo/bar'] }],
  });
  assert.deepEqual(out.policies[1], { logicalId: 'named', policyName: 'fleet-base' });
});

test('the Default applies to DeviceConfiguration lookups too', () => {
  const out = renderTemplate(parseTemplateBody(sdkStyle), { parameters: { SerialNumber: '2' }, certificateId: CERT_ID });
  assert.equal(out.deviceConfiguration.LocationUrl, 'https://example.aws');
});

test('a template with no Certificate or Thing renders only what it declares', () => {
  const out = renderTemplate(parseTemplateBody({ Resources: {}, DeviceConfiguration: { a: 'b' } }), { parameters: {}, certificateId: CERT_ID });
  assert.deepEqual(out, { policies: [], deviceConfiguration: { a: 'b' } });
});

function renderError(body: object, parameters: Record<string, string>): TemplateRenderError {
  try {
    renderTemplate(parseTemplateBody(body), { parameters, certificateId: CERT_ID });
  } catch (err) {
    assert.ok(err instanceof TemplateRenderError);
    return err;
  }
  assert.fail('expected a TemplateRenderError');
}

test('a rendered ThingName that is not a valid thing name is BAD_VALUE', () => {
  const body = { Parameters: { S: { Type: 'String' } }, Resources: { t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'S' } } } } };
  const err = renderError(body, { S: 'has space' });
  assert.equal(err.code, 'BAD_VALUE');
  assert.equal(err.message, 'ThingName "has space" is not a valid thing name (1-128 characters: letters, digits, \':\', \'_\', \'-\') (at Resources.t.Properties.ThingName)');
  assert.equal(renderError(body, { S: '' }).code, 'BAD_VALUE');
  assert.equal(renderError(body, { S: 'x'.repeat(129) }).code, 'BAD_VALUE');
});

test('a CertificateId other than the certificate being provisioned is BAD_REFERENCE', () => {
  const body = { Resources: { c: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: 'f'.repeat(64) } } } };
  const err = renderError(body, {});
  assert.equal(err.code, 'BAD_REFERENCE');
  assert.match(err.message, /is not the certificate being provisioned; use \{"Ref": "AWS::IoT::Certificate::Id"\}/);
});

test('a Status or list that renders to the wrong value is BAD_VALUE', () => {
  const status = { Parameters: { S: { Type: 'String' } }, Resources: { c: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: { Ref: 'S' } } } } };
  assert.match(renderError(status, { S: 'on' }).message, /^Certificate Status "on" must be ACTIVE or INACTIVE/);
  const groups = { Resources: { t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 't', ThingGroups: { 'Fn::Join': [',', ['a', 'b']] } } } } };
  const err = renderError(groups, {});
  assert.equal(err.code, 'BAD_VALUE');
  assert.match(err.message, /Value must be a list of strings, got a string \(at Resources\.t\.Properties\.ThingGroups\)/);
});

test('ThingGroups may come from Fn::Split', () => {
  const body = { Parameters: { G: { Type: 'String' } }, Resources: { t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 't', ThingGroups: { 'Fn::Split': [',', { Ref: 'G' }] } } } } };
  assert.deepEqual(renderTemplate(parseTemplateBody(body), { parameters: { G: 'a,b' }, certificateId: CERT_ID }).thing?.thingGroups, ['a', 'b']);
});

test('a PolicyDocument built by Fn::Sub is parsed; one that is not JSON is BAD_VALUE', () => {
  const policy = (doc: unknown): object => ({ Parameters: { S: { Type: 'String' } }, Resources: { p: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: doc } } } });
  const sub = '{"Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/${S}"}}';
  const ok = renderTemplate(parseTemplateBody(policy({ 'Fn::Sub': sub })), { parameters: { S: 'x' }, certificateId: CERT_ID });
  assert.deepEqual(ok.policies[0]?.policyDocument, { Statement: { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:*:*:topic/x' } });
  // a parameter that supplies the whole text cannot be checked before run time: rendering finds it
  const err = renderError(policy({ 'Fn::Sub': '${S}' }), { S: 'nope' });
  assert.equal(err.code, 'BAD_VALUE');
  assert.match(err.message, /PolicyDocument is a string but not valid JSON/);
});

test('attribute names and values must be what CreateThing accepts (AttributePayload patterns)', () => {
  const body = parseTemplateBody({
    Parameters: { Loc: { Type: 'String' } },
    Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'dev-1', AttributePayload: { location: { Ref: 'Loc' } } } } },
  });
  const render = (loc: string) => renderTemplate(body, { parameters: { Loc: loc }, certificateId: CERT_ID });
  assert.equal(render('Seattle/WA:HQ#1=[a]').thing?.attributes.location, 'Seattle/WA:HQ#1=[a]');
  assert.throws(() => render('Seattle, WA (HQ)'), (e: unknown) => e instanceof TemplateRenderError && e.code === 'BAD_VALUE' && /attribute location/.test(e.message));
  assert.throws(() => render('x'.repeat(801)), { code: 'BAD_VALUE' });
  const badName = parseTemplateBody({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'dev-1', AttributePayload: { 'has space': 'v' } } } } });
  assert.throws(() => renderTemplate(badName, { parameters: {}, certificateId: CERT_ID }), /attribute name "has space"/);
});
