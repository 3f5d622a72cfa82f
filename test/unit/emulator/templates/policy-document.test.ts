/** The PolicyDocument checks of parseTemplateBody: object, string and intrinsic documents, each problem at its path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTemplateBody, TemplateError } from '../../../../src/emulator/templates/index.js';
import { checkTemplateReferences } from '../../../../src/emulator/templates/references.js';
import { compilePolicyDocument } from '../../../../src/emulator/policy/evaluate.js';
import { readPolicyDocument } from '../../../../src/protocol/iot-policy.js';
import { buildClaimPolicy, buildProvisioningTemplate } from '../../../../src/aws/init-files.js';
import { buildClaimPolicyDocument } from '../../../../src/emulator/policy/claim-policy.js';
import { REPO_ROOT } from '../../../helpers/emulator.js';

const DOC = 'Resources.p.Properties.PolicyDocument';
const CONNECT = { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' };
const GOOD = { Version: '2012-10-17', Statement: [CONNECT] };

function template(doc: unknown, extra: object = {}): object {
  return { Parameters: { S: { Type: 'String' } }, Resources: { p: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: doc } } }, ...extra };
}

/** Every issue parseTemplateBody reports, as `path: message` lines; [] when the template parses. */
function issuesOf(doc: unknown, extra: object = {}): string[] {
  try {
    parseTemplateBody(template(doc, extra));
    return [];
  } catch (err) {
    assert.ok(err instanceof TemplateError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

function assertIssues(doc: unknown, expected: Array<[string, RegExp]>, extra: object = {}): void {
  const got = issuesOf(doc, extra);
  assert.equal(got.length, expected.length, `issues: ${JSON.stringify(got, null, 1)}`);
  expected.forEach(([at, message], i) => {
    assert.ok(got[i]!.startsWith(`${at}: `), `issue ${i} is at ${got[i]}, expected ${at}`);
    assert.match(got[i]!, message);
  });
}

const joinDoc = (...pieces: unknown[]) => ({ 'Fn::Join': ['', pieces] });
const head = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:*:*:client/';

test('the bundled template, the AWS starter template and the claim policies pass; policy variables stay accepted', () => {
  const bundled = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scenarios', 'templates', 'fleet-prov-test-template.json'), 'utf8'));
  assert.doesNotThrow(() => parseTemplateBody(bundled));
  assert.doesNotThrow(() => parseTemplateBody(buildProvisioningTemplate({ templateName: 't', region: 'eu-west-1', accountId: '123456789012' })));
  assert.deepEqual(issuesOf(buildClaimPolicy({ templateName: 't' })), []);
  assert.deepEqual(issuesOf(buildClaimPolicyDocument(['t'])), []);
  assert.deepEqual(issuesOf(GOOD), []);
  assert.deepEqual(issuesOf(JSON.stringify(GOOD)), []);
  assert.deepEqual(issuesOf({ Statement: { ...CONNECT, Sid: 'one', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': ['true', true] } } } }), []);
});

test('an object document: Version, Statement, Effect, the Action and Resource pairs, unknown keys, each at its path', () => {
  assertIssues({ Version: '2012-10-18', Statement: [CONNECT], Principal: '*' }, [
    [`${DOC}.Principal`, /unknown key; a policy document has Version, Id, Statement/],
    [`${DOC}.Version`, /must be "2012-10-17" .*not "2012-10-18"/],
  ]);
  assertIssues({ Version: '2012-10-17' }, [[`${DOC}.Statement`, /is required/]]);
  assertIssues({ Statement: 'allow all' }, [[`${DOC}.Statement`, /a statement must be an object/]]);
  assertIssues({ Statement: [CONNECT, { ...CONNECT, Effect: 'allow' }] }, [[`${DOC}.Statement[1].Effect`, /must be "Allow" or "Deny" \(case sensitive\), not "allow"/]]);
  assertIssues({ Statement: { Effect: 'Deny', Resource: '*' } }, [[`${DOC}.Statement`, /needs Action or NotAction/]]);
  assertIssues({ Statement: [{ Effect: 'Deny', Action: 'iot:*', NotAction: 'iot:Connect', Resource: '*', NotResource: '*' }] }, [
    [`${DOC}.Statement[0]`, /has both Action and NotAction/],
    [`${DOC}.Statement[0]`, /has both Resource and NotResource/],
  ]);
  assertIssues({ Statement: [{ Effect: 'Allow', Action: ['iot:Publish', 7, 'Publish'], Resource: { arn: 'x' }, Extra: 1 }] }, [
    [`${DOC}.Statement[0].Extra`, /unknown key; a statement has Sid, Effect, Action, NotAction, Resource, NotResource, Condition/],
    [`${DOC}.Statement[0].Action[1]`, /must be a string, not a number/],
    [`${DOC}.Statement[0].Action[2]`, /action "Publish" matches no action: write "<service>:<action>"/],
    [`${DOC}.Statement[0].Resource`, /must be a string or a list of strings, not an object/],
  ]);
  assertIssues({ Statement: [{ ...CONNECT, Resource: ['client/a', 'topic/*'] }] }, [
    [`${DOC}.Statement[0].Resource[0]`, /resource "client\/a" matches no resource: write "\*" or an ARN/],
    [`${DOC}.Statement[0].Resource[1]`, /resource "topic\/\*" matches no resource/],
  ]);
  // wildcards that can still reach an action or an ARN are accepted
  assert.deepEqual(issuesOf({ Statement: [{ Effect: 'Allow', Action: ['*', 'iot:*', 'io*', 'iot:Publ?sh'], Resource: ['*', 'a*', '*:topic/x', 'arn:*', '${iot:ClientId}'] }] }), []);
  assertIssues({ Statement: [{ ...CONNECT, Condition: { StringEquals: 'x', StringLike: { 'iot:ClientId': { a: 1 } } } }] }, [
    [`${DOC}.Statement[0].Condition.StringEquals`, /must be an object of condition keys to values/],
    [`${DOC}.Statement[0].Condition.StringLike.iot:ClientId`, /must be a value or a list of values, not an object/],
  ]);
  assertIssues([GOOD], [[DOC, /must be a JSON object \(or a string holding one\), not a list/]]);
});

test('intrinsic functions inside an object document are run-time values: accepted where a value goes', () => {
  assert.deepEqual(issuesOf({ Version: { Ref: 'S' }, Statement: [{ Effect: { Ref: 'S' }, Action: { 'Fn::Split': [',', { Ref: 'S' }] }, Resource: [{ 'Fn::Sub': 'arn:aws:iot:*:*:topic/${S}' }] }] }), []);
  assert.deepEqual(issuesOf({ Statement: { 'Fn::Select': ['0', [CONNECT]] } }), []);
});

test('a string document must hold policy JSON; problems name the string and their place in the policy', () => {
  assertIssues('{"Statement": [', [[DOC, /is a string but not valid JSON/]]);
  assertIssues('[1]', [[DOC, /policy JSON: a policy document must be a JSON object/]]);
  assertIssues(JSON.stringify({ Statement: [{ ...CONNECT, Effect: 'Permit' }] }), [[DOC, /^[^:]+: policy JSON Statement\[0\]\.Effect: must be "Allow" or "Deny"/]]);
});

test('Fn::Join: static text around run-time pieces inside JSON strings is read as policy JSON', () => {
  assert.deepEqual(issuesOf(joinDoc(head, { Ref: 'S' }, '"}]}')), []);
  assertIssues(joinDoc(head.replace('"Allow"', '"Alow"'), { Ref: 'S' }, '"}]}'), [[`${DOC}.Fn::Join`, /policy JSON Statement\[0\]\.Effect: must be "Allow" or "Deny" \(case sensitive\), not "Alow"/]]);
  assertIssues(joinDoc(head, { Ref: 'S' }, '"}]'), [[`${DOC}.Fn::Join`, /builds text that is not valid JSON whatever the run-time values .*the text ends after ".*client\/…\\"}]"/]]);
  // a run-time piece outside quotes may supply JSON structure: nothing more can be known
  assert.deepEqual(issuesOf(joinDoc('{"Version":"2012-10-17","Statement":', { Ref: 'S' }, '}')), []);
  assert.deepEqual(issuesOf(joinDoc('{"Statement":[', { Ref: 'S' }, ']')), []);
  // a nested Join, a FindInMap and a Select are pieces of text too
  assert.deepEqual(issuesOf(joinDoc(head, joinDoc('a-', { Ref: 'S' }), '-', { 'Fn::FindInMap': ['M', 'k', { Ref: 'S' }] }, '"}]}'), { Mappings: { M: { k: { v: 'x' } } } }), []);
});

test('Fn::Join and Fn::Split: a document that cannot be a string is refused at the function', () => {
  assertIssues({ 'Fn::Split': [',', 'a,b'] }, [[`${DOC}.Fn::Split`, /gives a list; PolicyDocument must be policy JSON/]]);
  assertIssues(joinDoc(head, 42, '"}]}'), [[`${DOC}.Fn::Join[1][1]`, /is a number; Fn::Join joins strings/]]);
  assertIssues(joinDoc(head, { 'Fn::Split': [',', { Ref: 'S' }] }, '"}]}'), [[`${DOC}.Fn::Join[1][1].Fn::Split`, /gives a list/]]);
});

test('Fn::Sub: ${Name} is a run-time piece, ${!iot:...} the literal policy variable', () => {
  const sub = '{"Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/${S}/${!iot:Connection.Thing.ThingName}"}}';
  assert.deepEqual(issuesOf({ 'Fn::Sub': sub }), []);
  assert.deepEqual(issuesOf({ 'Fn::Sub': [sub.replace('${S}', '${V}'), { V: { Ref: 'S' } }] }), []);
  assertIssues({ 'Fn::Sub': sub.replace('iot:Publish', 'Publish') }, [[`${DOC}.Fn::Sub`, /policy JSON Statement\.Action: action "Publish"/]]);
  assertIssues({ 'Fn::Sub': sub.slice(0, -1) }, [[`${DOC}.Fn::Sub`, /not valid JSON whatever the run-time values/]]);
});

test('Fn::FindInMap with static keys checks the mapped policy; Ref and unsupported functions are left to run time and references.ts', () => {
  const mappings = { Mappings: { Policies: { default: { doc: JSON.stringify({ Statement: { Effect: 'Allow', Action: 'iot:Connect' } }) } } } };
  assertIssues({ 'Fn::FindInMap': ['Policies', 'default', 'doc'] }, [[`${DOC}.Fn::FindInMap`, /policy JSON Statement: needs Resource or NotResource/]], mappings);
  assert.deepEqual(issuesOf({ 'Fn::FindInMap': ['Policies', 'constructor', 'name'] }, mappings), [], 'no inherited keys are followed');
  assert.deepEqual(issuesOf({ Ref: 'S' }), []);
  const body = parseTemplateBody(template({ 'Fn::Frobnicate': ['x'] }));
  assert.match(JSON.stringify(checkTemplateReferences(body)), /PolicyDocument\.Fn::Frobnicate.*unknown intrinsic function/);
});

test('a policy over 2,048 characters without white space is refused; run-time values count as nothing', () => {
  const resources = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iot:us-east-1:123456789012:topic/some/long/topic/${i}`);
  assertIssues({ Statement: [{ ...CONNECT, Resource: resources(100) }] }, [[DOC, /at least \d+ characters without white space; AWS IoT takes at most 2048/]]);
  assert.deepEqual(issuesOf({ Statement: [{ ...CONNECT, Resource: [...resources(20), { 'Fn::Join': [',', resources(100)] }] }] }), []);
  const listHead = head.replace('"Resource":"', '"Resource":["');
  assert.deepEqual(issuesOf(joinDoc(listHead, { Ref: 'S' }, `","${resources(20).join('","')}"]}]}`)), []);
  assertIssues(joinDoc(listHead, { Ref: 'S' }, `","${resources(100).join('","')}"]}]}`), [[`${DOC}.Fn::Join`, /at least \d+ characters/]]);
});

test('the evaluator reads documents with the same grammar: what it skips is what validation reports', () => {
  const doc = { Statement: [CONNECT, { Effect: 'allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Resource: '*' }, 'x'] };
  const reported: string[] = [];
  const read = readPolicyDocument(doc, { report: (p) => reported.push(p) });
  assert.equal(read.length, 1);
  assert.deepEqual(reported, ['Statement[1].Effect', 'Statement[2]', 'Statement[3]']);
  assert.equal(compilePolicyDocument('p', doc).statements.length, 1);
});
