/** Issue 12 item 5: a rejection's errorMessage is kept per distinct text with its count, bounded, and shown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { REJECTION_MESSAGE_CHARS, REJECTION_MESSAGES_SHOWN, REJECTION_MESSAGES_TRACKED, SnapshotAccumulator } from '../../../src/metrics/snapshot.js';
import { formatSummary, makeChalk } from '../../../src/report/console.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import { sampleReport } from './sample-run.js';

test('messages are counted per distinct text across drains and accumulators, most frequent first', () => {
  const rec = new MetricsRecorder(Date.now());
  for (let i = 0; i < 3; i++) rec.rejection('RegisterThing', 400, 'InvalidRequest', 'Ref "X" is not declared');
  rec.rejection('RegisterThing', 400, 'InvalidRequest', 'parameters must be a map');
  rec.rejection('RegisterThing', 400, 'InvalidRequest', '');
  const first = rec.drain();
  rec.rejection('RegisterThing', 400, 'InvalidRequest', 'parameters must be a map');
  rec.rejection('RegisterThing', 400, 'InvalidRequest', 'parameters must be a map');
  rec.rejection('RegisterThing', 400, 'InvalidRequest', 'parameters must be a map');
  rec.rejection('RegisterThing', 429, 'Throttled', 'Rate exceeded');
  const second = rec.drain();
  // two shards fold in either order to the same result
  const a = new SnapshotAccumulator();
  a.add(first);
  a.add(second);
  const b = new SnapshotAccumulator();
  b.add(second);
  b.add(first);
  assert.deepEqual(a.rejections(), b.rejections());
  assert.deepEqual(a.rejections(), [
    {
      api: 'RegisterThing',
      statusCode: 400,
      errorCode: 'InvalidRequest',
      count: 8,
      messages: [
        { message: 'parameters must be a map', count: 4 },
        { message: 'Ref "X" is not declared', count: 3 },
      ],
    },
    { api: 'RegisterThing', statusCode: 429, errorCode: 'Throttled', count: 1, messages: [{ message: 'Rate exceeded', count: 1 }] },
  ]);
});

test('a message per device cannot grow the report: the top texts are listed, the rest counted as other', () => {
  const rec = new MetricsRecorder(Date.now());
  const acc = new SnapshotAccumulator();
  const devices = REJECTION_MESSAGES_TRACKED * 3;
  for (let i = 0; i < devices; i++) {
    rec.rejection('RegisterThing', 409, 'ResourceConflict', `thing dev-${i} already exists`);
    // a frequent message seen first stays on top
    rec.rejection('RegisterThing', 409, 'ResourceConflict', 'the same text each time');
    if (i % 100 === 99) acc.add(rec.drain());
  }
  acc.add(rec.drain());
  const [r] = acc.rejections();
  assert.ok(r !== undefined && r.messages !== undefined);
  assert.equal(r.count, devices * 2);
  assert.equal(r.messages.length, REJECTION_MESSAGES_SHOWN);
  assert.deepEqual(r.messages[0], { message: 'the same text each time', count: devices });
  const listed = r.messages.reduce((s, m) => s + m.count, 0);
  assert.equal(listed + (r.otherMessages ?? 0), r.count, 'every rejection with a message is listed or counted as other');
  // a long text is cut before it is counted
  const long = new MetricsRecorder(Date.now());
  long.rejection('RegisterThing', 400, 'InvalidRequest', 'x'.repeat(10_000));
  const text = long.drain().rejections[0]?.messages?.[0]?.message ?? '';
  assert.equal(text.length, REJECTION_MESSAGE_CHARS);
  assert.ok(text.endsWith('…'));
});

test('the console summary and report.html show the messages under their code', () => {
  const r = sampleReport({ devices: 10, throttle: 1 });
  const messages = Array.from({ length: 7 }, (_, i) => ({ message: `reason <b>${i}</b>`, count: 10 - i }));
  r.rejections = [{ api: 'RegisterThing', statusCode: 400, errorCode: 'InvalidRequest', count: 100, messages, otherMessages: 42 }];
  const text = formatSummary(r, makeChalk(false), { columns: 100 });
  assert.match(text, /RegisterThing\s+400 InvalidRequest\s+100\n\s+10 {2}reason <b>0<\/b>\n\s+9 {2}reason <b>1<\/b>/);
  assert.doesNotMatch(text, /reason <b>5<\/b>/, 'the console lists the five most frequent');
  // 42 other + 5 + 4 not listed in the console
  assert.match(text, /51 {2}\(other messages: see report\.json\)/);
  const html = renderHtmlReport(r);
  assert.match(html, /<h3>Rejection messages<\/h3>/);
  assert.match(html, /<td class="num">4<\/td><td>reason &lt;b&gt;6&lt;\/b&gt;<\/td>/);
  assert.match(html, /<td class="num">42<\/td><td><em>other messages<\/em><\/td>/);
  assert.doesNotMatch(html, /reason <b>/, 'escaped');
  // a report without messages (older, or none sent) shows no such table
  r.rejections = [{ api: 'RegisterThing', statusCode: 400, errorCode: 'InvalidRequest', count: 100 }];
  assert.doesNotMatch(renderHtmlReport(r), /Rejection messages/);
  assert.doesNotMatch(formatSummary(r, makeChalk(false), { columns: 100 }), /other messages/);
});
