/** The live progress line's throttled count uses the report's definition (429s and rate-refused connects). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttledTotal } from '../../../src/analysis/api-series.js';
import { makeChalk, formatProgress } from '../../../src/report/console.js';
import { accumulate, put, type Series } from './synthetic.js';

test('throttledTotal counts 429 replies and connects refused for rate, not other rejections', () => {
  const s: Series = {};
  put(s, 0, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, 3);
  put(s, 1, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, 2);
  put(s, 1, 'rejected', { api: 'Connect', status: '159', code: 'connect-refused' }, 4);
  put(s, 2, 'rejected', { api: 'VerifyConnect', status: '3', code: 'connect-refused' }, 1);
  put(s, 2, 'rejected', { api: 'RegisterThing', status: '403', code: 'AccessDenied' }, 7);
  put(s, 2, 'rejected', { api: 'Connect', status: '135', code: 'connect-refused' }, 5);
  put(s, 2, 'accepted', { api: 'RegisterThing' }, 9);
  const acc = accumulate(s);
  assert.equal(throttledTotal(acc.seriesTotals().entries()), 3 + 2 + 4 + 1);
  const line = formatProgress(
    { elapsedMs: 3000, devices: 10, startsPerSec: 1, provisionedPerSec: 1, requestsPerSec: 7, inFlight: 0, provisioned: 1, throttled: 10, failed: 0, dropped: 0, p99Ms: 5 },
    makeChalk(false),
  );
  assert.match(line, /throttled 10/);
});
