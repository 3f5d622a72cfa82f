import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTopic, validateTopicFilter, validateTopicName } from '../../../../src/emulator/broker/topic-rules.js';

describe('validateTopicName', () => {
  it('accepts the provisioning topics', () => {
    assert.equal(validateTopicName('$aws/certificates/create/json'), null);
    assert.equal(validateTopicName('$aws/provisioning-templates/tpl/provision/json/accepted'), null);
  });

  it('rejects wildcards, empty, NUL, > 256 bytes and > 7 slashes', () => {
    assert.equal(validateTopicName('a/+/b'), 'wildcard');
    assert.equal(validateTopicName('a/#'), 'wildcard');
    assert.equal(validateTopicName(''), 'empty');
    assert.equal(validateTopicName('a\u0000b'), 'null-char');
    assert.equal(validateTopicName('x'.repeat(256)), null);
    assert.equal(validateTopicName('x'.repeat(257)), 'too-long');
    assert.equal(validateTopicName('é'.repeat(129)), 'too-long'); // 258 bytes in 129 chars
    assert.equal(validateTopicName('a/b/c/d/e/f/g/h'), null); // 7 slashes
    assert.equal(validateTopicName('a/b/c/d/e/f/g/h/i'), 'too-many-levels');
  });
});

describe('validateTopicFilter', () => {
  it('accepts well-placed wildcards', () => {
    for (const f of ['#', '+', 'a/#', 'a/+/b', '+/+', '$aws/things/+/shadow/#', 'a//b']) {
      assert.equal(validateTopicFilter(f), null, f);
    }
  });

  it('rejects badly placed wildcards and AWS limit violations', () => {
    for (const f of ['a#', 'a/#/b', 'a+', 'a/b+/c', '#/a', '++']) {
      assert.equal(validateTopicFilter(f), 'bad-wildcard', f);
    }
    assert.equal(validateTopicFilter(''), 'empty');
    assert.equal(validateTopicFilter('a/b/c/d/e/f/g/h/#'), 'too-many-levels');
  });
});

describe('matchTopic', () => {
  it('matches exact, + and # filters', () => {
    assert.equal(matchTopic('a/b', 'a/b'), true);
    assert.equal(matchTopic('a/b', 'a/c'), false);
    assert.equal(matchTopic('a/+', 'a/b'), true);
    assert.equal(matchTopic('a/+', 'a/b/c'), false);
    assert.equal(matchTopic('a/#', 'a/b/c'), true);
    assert.equal(matchTopic('a/#', 'a'), true);
    assert.equal(matchTopic('+/+/c', 'a/b/c'), true);
    assert.equal(matchTopic('a/+/c', 'a//c'), true);
  });

  it('does not match $-topics with a leading wildcard', () => {
    assert.equal(matchTopic('#', '$aws/certificates/create/json/accepted'), false);
    assert.equal(matchTopic('+/certificates/create/json/accepted', '$aws/certificates/create/json/accepted'), false);
    assert.equal(matchTopic('$aws/certificates/create/json/+', '$aws/certificates/create/json/accepted'), true);
    assert.equal(matchTopic('$aws/#', '$aws/certificates/create/json/rejected'), true);
  });
});
