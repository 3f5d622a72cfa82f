/** colorEnabled(): flag, then FORCE_COLOR, then NO_COLOR, then the terminal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorEnabled } from '../../../src/cli/output.js';

test('colorEnabled follows --color, FORCE_COLOR, NO_COLOR and the terminal, in that order', () => {
  const cases: [boolean | undefined, NodeJS.ProcessEnv, boolean, boolean][] = [
    [undefined, {}, true, true],
    [undefined, {}, false, false],
    [undefined, { TERM: 'dumb' }, true, false],
    [undefined, { NO_COLOR: '1' }, true, false],
    [undefined, { NO_COLOR: '' }, true, true],
    [undefined, { FORCE_COLOR: '1' }, false, true],
    [undefined, { FORCE_COLOR: '' }, false, true],
    [undefined, { FORCE_COLOR: '0' }, true, false],
    [undefined, { FORCE_COLOR: 'false' }, true, false],
    [undefined, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    [true, { NO_COLOR: '1' }, false, true],
    [false, { FORCE_COLOR: '3' }, true, false],
  ];
  for (const [flag, env, tty, want] of cases) assert.equal(colorEnabled(flag, env, tty), want, JSON.stringify({ flag, env, tty }));
});
