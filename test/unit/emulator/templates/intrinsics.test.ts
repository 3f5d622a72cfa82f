import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplateBody, renderTemplate, TemplateRenderError, type RenderedProvisioning } from '../../../../src/emulator/templates/index.js';

const CERT_ID = 'a'.repeat(64);

/** Renders `value` as DeviceConfiguration.out of a template with the given parameters and mappings. */
function renderValue(value: unknown, opts: { params?: Record<string, string>; declared?: Record<string, { Type: string; Default?: string }>; mappings?: object } = {}): string {
  const body = parseTemplateBody({
    Parameters: opts.declared ?? { SerialNumber: { Type: 'String' }, Csv: { Type: 'String' }, Region: { Type: 'String', Default: 'eu' } },
    Mappings: opts.mappings ?? { Regions: { eu: { Url: 'https://eu.example', Code: 'EU' }, us: { Url: 'https://us.example', Code: 'US' } } },
    Resources: {},
    DeviceConfiguration: { out: value },
  });
  return render(body, opts.params ?? { SerialNumber: '001', Csv: 'a,b,c' }).deviceConfiguration.out as string;
}

function render(body: ReturnType<typeof parseTemplateBody>, parameters: Record<string, string>): RenderedProvisioning {
  return renderTemplate(body, { parameters, certificateId: CERT_ID });
}

function assertRenderError(fn: () => unknown, code: TemplateRenderError['code'], message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TemplateRenderError, `expected TemplateRenderError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

test('Ref resolves a request parameter, a Default and the certificate id', () => {
  assert.equal(renderValue({ Ref: 'SerialNumber' }), '001');
  assert.equal(renderValue({ Ref: 'Region' }), 'eu');
  assert.equal(renderValue({ Ref: 'Region' }, { params: { Region: 'us' } }), 'us');
  assert.equal(renderValue({ Ref: 'AWS::IoT::Certificate::Id' }), CERT_ID);
});

test('the device cannot override AWS::IoT::Certificate::Id, declared or not', () => {
  const declared = { 'AWS::IoT::Certificate::Id': { Type: 'String' } };
  assert.equal(renderValue({ Ref: 'AWS::IoT::Certificate::Id' }, { declared, params: { 'AWS::IoT::Certificate::Id': 'evil' } }), CERT_ID);
  assert.equal(renderValue({ Ref: 'AWS::IoT::Certificate::Id' }, { declared: {}, params: { 'AWS::IoT::Certificate::Id': 'evil' } }), CERT_ID);
});

test('parameters the template does not declare are ignored, and cannot be referenced', () => {
  assert.equal(renderValue('plain', { params: { SerialNumber: '1', Csv: 'x', Extra: 'y' } }), 'plain');
  assertRenderError(() => renderValue({ Ref: 'Extra' }, { params: { SerialNumber: '1', Csv: 'x', Extra: 'y' } }), 'BAD_REFERENCE', /^Ref "Extra" does not name a parameter declared.*\(at DeviceConfiguration\.out\)$/);
});

test('a declared parameter with no value and no Default is MISSING_PARAMETER', () => {
  assertRenderError(() => renderValue({ Ref: 'SerialNumber' }, { params: {} }), 'MISSING_PARAMETER', /^Parameter "SerialNumber" has no value and no Default \(at DeviceConfiguration\.out\)$/);
});

test('an empty string is a value, not a missing parameter', () => {
  assert.equal(renderValue({ Ref: 'SerialNumber' }, { params: { SerialNumber: '' } }), '');
});

test('Fn::Join joins with the delimiter, including the empty delimiter', () => {
  assert.equal(renderValue({ 'Fn::Join': ['-', ['a', { Ref: 'SerialNumber' }, 'z']] }), 'a-001-z');
  assert.equal(renderValue({ 'Fn::Join': ['', ['fleet-test-', { Ref: 'SerialNumber' }]] }), 'fleet-test-001');
  assertRenderError(() => renderValue({ 'Fn::Join': ['-'] }), 'BAD_FUNCTION', /Fn::Join expects \[delimiter, \[values\.\.\.\]\]/);
  assertRenderError(() => renderValue({ 'Fn::Join': ['-', ['a', ['b']]] }), 'BAD_FUNCTION', /Fn::Join value 1 is a list, not a string/);
});

test('Fn::Split + Fn::Select pick one element; the index may be a string or an intrinsic', () => {
  assert.equal(renderValue({ 'Fn::Select': [1, { 'Fn::Split': [',', { Ref: 'Csv' }] }] }), 'b');
  assert.equal(renderValue({ 'Fn::Select': ['2', ['x', 'y', 'z']] }), 'z');
  assert.equal(renderValue({ 'Fn::Select': [{ Ref: 'SerialNumber' }, ['x', 'y', 'z']] }, { params: { SerialNumber: '0', Csv: '' } }), 'x');
  assert.equal(renderValue({ 'Fn::Join': ['+', { 'Fn::Split': [',', 'p,q'] }] }), 'p+q');
});

test('Fn::Select out of range, null element or bad index is BAD_SELECT_INDEX', () => {
  assertRenderError(() => renderValue({ 'Fn::Select': [3, { 'Fn::Split': [',', { Ref: 'Csv' }] }] }), 'BAD_SELECT_INDEX', /^Fn::Select index 3 is out of range for a list of 3 item\(s\) \(at DeviceConfiguration\.out\.Fn::Select\)$/);
  assertRenderError(() => renderValue({ 'Fn::Select': [0, [null, 'b']] }), 'BAD_SELECT_INDEX', /Fn::Select index 0 picks a null value/);
  assertRenderError(() => renderValue({ 'Fn::Select': ['one', ['a']] }), 'BAD_SELECT_INDEX', /Fn::Select index "one" is not a non-negative whole number/);
  assertRenderError(() => renderValue({ 'Fn::Select': [-1, ['a']] }), 'BAD_SELECT_INDEX', /index -1 is not a non-negative/);
  assertRenderError(() => renderValue({ 'Fn::Select': [null, ['a']] }), 'BAD_SELECT_INDEX', /index null/);
});

test('Fn::FindInMap looks up two levels; keys may be intrinsics', () => {
  assert.equal(renderValue({ 'Fn::FindInMap': ['Regions', { Ref: 'Region' }, 'Url'] }), 'https://eu.example');
  assert.equal(renderValue({ 'Fn::FindInMap': ['Regions', 'us', 'Code'] }), 'US');
});

test('Fn::FindInMap with a missing map or key is BAD_MAPPING', () => {
  assertRenderError(() => renderValue({ 'Fn::FindInMap': ['Nope', 'eu', 'Url'] }), 'BAD_MAPPING', /^Fn::FindInMap: no mapping named "Nope" in Mappings/);
  assertRenderError(() => renderValue({ 'Fn::FindInMap': ['Regions', { Ref: 'SerialNumber' }, 'Url'] }), 'BAD_MAPPING', /mapping "Regions" has no key "001"/);
  assertRenderError(() => renderValue({ 'Fn::FindInMap': ['Regions', 'eu', 'Port'] }), 'BAD_MAPPING', /mapping "Regions\.eu" has no key "Port"/);
  assertRenderError(() => renderValue({ 'Fn::FindInMap': ['Regions', 'eu'] }), 'BAD_FUNCTION', /Fn::FindInMap expects \[mapName, topLevelKey, secondLevelKey\]/);
});

test('Fn::Sub string form substitutes parameters and keeps ${!Literal}', () => {
  assert.equal(renderValue({ 'Fn::Sub': 'dev-${SerialNumber}-${Region}' }), 'dev-001-eu');
  assert.equal(renderValue({ 'Fn::Sub': 'id=${AWS::IoT::Certificate::Id}' }), `id=${CERT_ID}`);
  assert.equal(renderValue({ 'Fn::Sub': 'topic/${!iot:Connection.Thing.ThingName}/${SerialNumber}' }), 'topic/${iot:Connection.Thing.ThingName}/001');
});

test('Fn::Sub list form uses its variables (which may be intrinsics) before parameters', () => {
  const value = { 'Fn::Sub': ['${Prefix}-${SerialNumber}-${Code}', { Prefix: 'p', SerialNumber: 'shadowed', Code: { 'Fn::FindInMap': ['Regions', 'us', 'Code'] } }] };
  assert.equal(renderValue(value), 'p-shadowed-US');
});

test('Fn::Sub with an unknown variable is BAD_REFERENCE and says how to write a literal', () => {
  assertRenderError(() => renderValue({ 'Fn::Sub': 'arn/${iot:ClientId}' }), 'BAD_REFERENCE', /"\$\{iot:ClientId\}" is neither a declared parameter nor a variable.*"\$\{!iot:ClientId\}"/);
  assertRenderError(() => renderValue({ 'Fn::Sub': ['x', 'not-an-object'] }), 'BAD_FUNCTION', /Fn::Sub expects a string or \[string, \{variable: value\}\]/);
});

test('arbitrary nesting: Sub inside Join inside Select inside FindInMap keys', () => {
  const value = {
    'Fn::Join': [
      '/',
      [
        { 'Fn::FindInMap': ['Regions', { 'Fn::Select': [0, { 'Fn::Split': ['|', { 'Fn::Sub': ['${R}|x', { R: { Ref: 'Region' } }] }] }] }, 'Code'] },
        { 'Fn::Sub': 'sn-${SerialNumber}' },
      ],
    ],
  };
  assert.equal(renderValue(value), 'EU/sn-001');
});

test('an unsupported function is BAD_FUNCTION naming the supported ones', () => {
  assertRenderError(() => renderValue({ 'Fn::If': ['c', 'a', 'b'] }), 'BAD_FUNCTION', /^Unsupported intrinsic function "Fn::If"; fleet provisioning templates support Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub/);
  assertRenderError(() => renderValue({ Ref: ['SerialNumber'] }), 'BAD_FUNCTION', /Ref expects a parameter name/);
});

test('objects that are not intrinsics are evaluated member by member (policy documents)', () => {
  const body = parseTemplateBody({
    Parameters: { SerialNumber: { Type: 'String' } },
    Resources: {
      p: {
        Type: 'AWS::IoT::Policy',
        Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: [{ 'Fn::Sub': 'arn:aws:iot:*:*:topic/${SerialNumber}' }, 'arn:aws:iot:*:*:topic/${iot:ClientId}'] }] } },
      },
    },
  });
  const out = render(body, { SerialNumber: '9' });
  assert.deepEqual(out.policies[0]?.policyDocument, {
    Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: ['arn:aws:iot:*:*:topic/9', 'arn:aws:iot:*:*:topic/${iot:ClientId}'] }],
  });
});

test('nesting beyond the depth limit is refused rather than overflowing the stack', () => {
  let value: unknown = 'x';
  for (let i = 0; i < 200; i += 1) value = { 'Fn::Join': ['', [value]] };
  const body = { Parameters: {}, Mappings: {}, Resources: {}, DeviceConfiguration: { out: value } };
  assertRenderError(() => renderTemplate(body, { parameters: {}, certificateId: CERT_ID }), 'BAD_FUNCTION', /nested more than 64 levels/);
});
