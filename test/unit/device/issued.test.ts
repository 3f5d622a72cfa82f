/** The issued certificate's TLS context: made on first use, then the same one for verify and reconnect. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuedContext } from '../../../src/device/issued.js';
import { createTestPki } from '../../helpers/test-pki.js';

test('made once, on the first call, and shared by every later call', async () => {
  const pki = await createTestPki();
  const client = await pki.issueClient('device-1');
  const ctx = issuedContext(client.certPem, client.keyPem, pki.ca.certPem);
  const first = ctx();
  assert.equal(ctx(), first);
  // nothing is parsed before the first call: a bad certificate only fails then
  const lazy = issuedContext('not a certificate', 'not a key', undefined);
  assert.throws(() => lazy());
});
