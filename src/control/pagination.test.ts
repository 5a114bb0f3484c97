import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToken, encodeToken } from './common.js';
import { AwsError } from '../model/index.js';

describe('nextToken', () => {
  it('round-trips the position of its listing', () => {
    assert.equal(decodeToken('service', encodeToken('service', 42)), 42);
    assert.equal(decodeToken('service', undefined), 0);
  });

  it('is refused by another listing, and when garbled', () => {
    const token = encodeToken('service', 7);
    for (const bad of [encodeToken('targetgroup', 7), 'garbage', '', Buffer.from('{"v":1,"after":-1,"k":"service"}').toString('base64url')]) {
      assert.throws(() => decodeToken('service', bad), (e: unknown) => e instanceof AwsError && e.type === 'ValidationException', bad);
    }
    assert.doesNotThrow(() => decodeToken('service', token));
  });
});
