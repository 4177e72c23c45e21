import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { lastWords } from '../../src-core/runner/spawn.ts';

describe('a crashed process\'s last words', () => {
  it('is the last line naming an error, not Node\'s banner, at most 300 characters', () => {
    assert.equal(lastWords('loading\nTypeError: boom\n    at x (y.js:1)\n\nNode.js v20.20.2\n'), 'TypeError: boom');
    assert.equal(lastWords('one\ntwo\n'), 'two');
    assert.equal(lastWords(''), '');
    const long = lastWords(`RuntimeError: ${'x'.repeat(1000)}`);
    assert.equal(long.length, 301);
    assert.ok(long.endsWith('…'));
  });
});
