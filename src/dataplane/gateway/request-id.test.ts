import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId } from './request-id.js';

describe('request ids', () => {
  it('are UUID-shaped and distinct over 100,000 draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newRequestId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
  });
});
