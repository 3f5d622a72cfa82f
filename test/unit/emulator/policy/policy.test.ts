import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyPattern } from '../../../../src/emulator/policy/pattern.js';
import { compilePolicyDocument, compilePolicyRecord, evaluatePolicies } from '../../../../src/emulator/policy/evaluate.js';
import { buildClaimPolicyDocument } from '../../../../src/emulator/policy/claim-policy.js';
import { buildPolicyVariables, PolicyAuthorizer } from '../../../../src/emulator/policy/authorizer.js';
import { Registry } from '../../../../src/emulator/registry/index.js';

const ARN = 'arn:aws:iot:us-east-1:123456789012:';

test('patterns: * spans any characters including /, ? exactly one, the rest literal', () => {
  const p = new PolicyPattern(`${ARN}topic/$aws/certificates/create/*`);
  assert.equal(p.matches(`${ARN}topic/$aws/certificates/create/json`), true);
  assert.equal(p.matches(`${ARN}topic/$aws/certificates/create/json/accepted`), true);
  assert.equal(p.matches(`${ARN}topic/$aws/certificates/create-from-csr/json`), false, 'create/* is not create-from-csr');
  const q = new PolicyPattern('a/?/c');
  assert.equal(q.matches('a/b/c'), true);
  assert.equal(q.matches('a/bb/c'), false);
  assert.equal(new PolicyPattern('*').matches('anything at all'), true);
  assert.equal(new PolicyPattern('a*b*c').matches('axxbyyc'), true);
  assert.equal(new PolicyPattern('a*b*c').matches('axxbyy'), false);
  assert.equal(new PolicyPattern('x${*}y').matches('x*y'), true, '${*} is a literal star');
  assert.equal(new PolicyPattern('x${*}y').matches('xzy'), false);
});

test('patterns: policy variables are replaced and match literally; unresolved ones match nothing', () => {
  const p = new PolicyPattern(`${ARN}topic/fleetsim/\${iot:Connection.Thing.ThingName}/*`);
  assert.equal(p.matches(`${ARN}topic/fleetsim/dev-1/hello`, { 'iot:Connection.Thing.ThingName': 'dev-1' }), true);
  assert.equal(p.matches(`${ARN}topic/fleetsim/dev-2/hello`, { 'iot:Connection.Thing.ThingName': 'dev-1' }), false);
  assert.equal(p.matches(`${ARN}topic/fleetsim/dev-1/hello`, {}), false, 'no thing attached');
  const c = new PolicyPattern('client/${iot:ClientId}');
  assert.equal(c.matches('client/a*', { 'iot:ClientId': 'a*' }), true);
  assert.equal(c.matches('client/ab', { 'iot:ClientId': 'a*' }), false, 'a * in a variable value is not a wildcard');
});

test('actions are case-insensitive and take wildcards; an explicit Deny wins over any Allow', () => {
  const pol = compilePolicyDocument('p', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
      { Effect: 'Deny', Action: ['IOT:publish'], Resource: `${ARN}topic/secret/*` },
    ],
  });
  assert.equal(evaluatePolicies([pol], 'iot:Publish', `${ARN}topic/public/x`, {}), 'allow');
  assert.equal(evaluatePolicies([pol], 'iot:Publish', `${ARN}topic/secret/x`, {}), 'explicitDeny');
  assert.equal(evaluatePolicies([pol], 'iot:Receive', `${ARN}topic/secret/x`, {}), 'allow');
  // a Deny in another policy of the same principal wins too
  const deny = compilePolicyDocument('d', { Statement: { Effect: 'Deny', Action: 'iot:Subscribe', Resource: '*' } });
  assert.equal(evaluatePolicies([pol, deny], 'iot:Subscribe', `${ARN}topicfilter/a`, {}), 'explicitDeny');
  assert.equal(evaluatePolicies([], 'iot:Connect', `${ARN}client/a`, {}), 'implicitDeny', 'no policy: nothing is allowed');
});

test('NotAction / NotResource, Condition (conservative) and unreadable statements', () => {
  const pol = compilePolicyDocument('p', {
    Statement: [
      { Effect: 'Allow', NotAction: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Connect', NotResource: `${ARN}client/bad-*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: '*', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } },
      { Effect: 'Maybe', Action: 'iot:*', Resource: '*' },
      'not a statement',
    ],
  });
  assert.equal(evaluatePolicies([pol], 'iot:Publish', `${ARN}topic/x`, {}), 'allow');
  assert.equal(evaluatePolicies([pol], 'iot:Connect', `${ARN}client/good`, {}), 'allow');
  assert.equal(evaluatePolicies([pol], 'iot:Connect', `${ARN}client/bad-1`, {}), 'implicitDeny');
  const onlyConditional = compilePolicyDocument('c', { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*', Condition: {} }] });
  assert.equal(evaluatePolicies([onlyConditional], 'iot:Publish', `${ARN}topic/x`, {}), 'implicitDeny', 'an Allow with a Condition grants nothing');
});

test('the default claim policy is the AWS walkthrough policy plus create-from-csr', () => {
  const pol = compilePolicyDocument('claim', buildClaimPolicyDocument(['tmpl-a'], 'us-east-1', '123456789012'));
  const can = (action: Parameters<typeof evaluatePolicies>[1], res: string) => evaluatePolicies([pol], action, ARN + res, {}) === 'allow';
  assert.equal(can('iot:Connect', 'client/anything'), true);
  assert.equal(can('iot:Publish', 'topic/$aws/certificates/create/json'), true);
  assert.equal(can('iot:Publish', 'topic/$aws/certificates/create-from-csr/cbor'), true);
  assert.equal(can('iot:Publish', 'topic/$aws/provisioning-templates/tmpl-a/provision/json'), true);
  assert.equal(can('iot:Publish', 'topic/$aws/provisioning-templates/other/provision/json'), false);
  assert.equal(can('iot:Receive', 'topic/$aws/certificates/create/json/accepted'), true);
  assert.equal(can('iot:Subscribe', 'topicfilter/$aws/provisioning-templates/tmpl-a/provision/json/rejected'), true);
  assert.equal(can('iot:Subscribe', 'topic/$aws/provisioning-templates/tmpl-a/provision/json/rejected'), false, 'subscribe needs topicfilter/');
  assert.equal(can('iot:Publish', 'topic/fleetsim/x'), false);
  assert.equal(can('iot:Subscribe', 'topicfilter/#'), false);
});

test('10,000 devices sharing one template policy: compiled once, evaluated fast', (t) => {
  const reg = new Registry();
  const doc = {
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: 'arn:aws:iot:*:*:topic/fleetsim/${iot:Connection.Thing.ThingName}/*' },
    ],
  };
  const rec = reg.createPolicy('shared', doc);
  assert.equal(compilePolicyRecord(rec), compilePolicyRecord(rec), 'cached per record');
  const auth = new PolicyAuthorizer(reg);
  const policies = [compilePolicyRecord(rec)];
  const started = performance.now();
  let allowed = 0;
  for (let i = 0; i < 10_000; i++) {
    const thing = `fleet-test-${i}`;
    const cp = { policies, vars: buildPolicyVariables(thing, { thingName: thing, attributes: {} } as never) };
    if (auth.check(cp, 'iot:Connect', thing) === 'allow') allowed++;
    if (auth.check(cp, 'iot:Publish', `fleetsim/${thing}/hello`) === 'allow') allowed++;
    if (auth.check(cp, 'iot:Publish', `fleetsim/other/hello`) === 'allow') allowed--;
  }
  const ms = performance.now() - started;
  t.diagnostic(`30,000 evaluations for 10,000 connections in ${ms.toFixed(1)} ms`);
  assert.equal(allowed, 20_000);
  assert.ok(ms < 2000, `30,000 evaluations took ${ms.toFixed(0)} ms`);
});
