/**
 * A scenario's emulator.claimPolicy is read with the grammar the emulator enforces it with
 * (protocol/iot-policy.ts): a policy that cannot work is refused at validate, each problem at its path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseScenario } from '../../../src/scenario/load.js';
import { InputError } from '../../../src/util/errors.js';
import { REPO_ROOT } from '../../helpers/emulator.js';

const SCENARIOS = path.join(REPO_ROOT, 'scenarios');
const quickstart = () => parseYaml(readFileSync(path.join(SCENARIOS, 'quickstart.yaml'), 'utf8')) as { emulator?: Record<string, unknown> };

function issuesFor(claimPolicy: unknown): { path: string; message: string }[] {
  const doc = quickstart();
  doc.emulator = { ...(doc.emulator ?? {}), claimPolicy };
  try {
    parseScenario(doc, { file: 'quickstart.yaml', baseDir: SCENARIOS, env: {} });
    return [];
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return (e.issues ?? []).map((i) => ({ path: i.path, message: i.message }));
  }
}

test('claimPolicy: a working policy passes, with wildcards and policy variables', () => {
  assert.deepEqual(
    issuesFor({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: ['arn:aws:iot:*:*:topic/$aws/certificates/create/*', 'arn:aws:iot:*:*:topic/${iot:ClientId}/*'] },
      ],
    }),
    [],
  );
});

test('claimPolicy: each problem is reported at its path', () => {
  const issues = issuesFor({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'Publish' },
    ],
  });
  const at = (p: string) => issues.find((i) => i.path === p)?.message ?? `nothing at ${p}: ${JSON.stringify(issues)}`;
  assert.match(at('emulator.claimPolicy.Statement[0].Effect'), /must be "Allow" or "Deny"/);
  assert.match(at('emulator.claimPolicy.Statement[1].Action'), /matches no action/);
  assert.match(at('emulator.claimPolicy.Statement[1]'), /needs Resource or NotResource/);
  assert.equal(issues.length, 3, JSON.stringify(issues));
});

test('claimPolicy: no Statement is refused', () => {
  assert.deepEqual(issuesFor({ Version: '2012-10-17' }).map((i) => i.path), ['emulator.claimPolicy.Statement']);
});
