/** `fleetsim validate` refuses a template whose PolicyDocument cannot work: exit 2, the file and JSON path named, no stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

test('validate and run: a bad policy document (object and Fn::Join) is reported per problem at its JSON path, exit 2', async () => {
  const ws = makeWorkspace();
  const tpl = JSON.parse(readFileSync(path.join(ws, 'scenarios', 'templates', 'fleet-prov-test-template.json'), 'utf8'));
  tpl.Resources.policy.Properties.PolicyDocument.Statement[1].Effect = 'allow';
  tpl.Resources.joined = {
    Type: 'AWS::IoT::Policy',
    Properties: {
      PolicyDocument: {
        'Fn::Join': ['', ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:*:*:client/', { Ref: 'SerialNumber' }, '"}]']],
      },
    },
  };
  writeFileSync(path.join(ws, 'scenarios', 'bad-policy.json'), JSON.stringify(tpl));
  writeFileSync(path.join(ws, 'scenarios', 's.yaml'), smallScenario(2).replace('templates/fleet-prov-test-template.json', 'bad-policy.json'));
  // run shares the template checks and stops before any device starts
  for (const cmd of [['validate', 'scenarios/s.yaml'], ['run', 'scenarios/s.yaml', '--out', 'out', '--quiet']]) {
    const r = await runCli(cmd, { cwd: ws, timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.match(r.stderr, /emulator\.templates\[0\] \(bad-policy\.json: Resources\.policy\.Properties\.PolicyDocument\.Statement\[1\]\.Effect\): must be "Allow" or "Deny"/);
    assert.match(r.stderr, /emulator\.templates\[0\] \(bad-policy\.json: Resources\.joined\.Properties\.PolicyDocument\.Fn::Join\): builds text that is not valid JSON/);
  }
});
