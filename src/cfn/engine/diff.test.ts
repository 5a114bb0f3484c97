import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changedPaths, jsonEqual, needsReplacement } from './diff.js';

describe('property diffs', () => {
  it('compares JSON values whatever the member order', () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!jsonEqual([1, 2], [2, 1]));
  });

  it('names what changed as pointers under /properties', () => {
    assert.deepEqual(changedPaths({ Name: 'a', Config: { Port: 80, Protocol: 'HTTP' } }, { Name: 'a', Config: { Port: 81, Protocol: 'HTTP' }, Tags: [] }).sort(),
      ['/properties/Config/Port', '/properties/Tags']);
    assert.deepEqual(changedPaths({ L: [1, 2] }, { L: [1, 3] }), ['/properties/L']);
  });

  it('asks for a replacement when a create-only property, or an object holding one, changes', () => {
    const createOnly = ['/properties/Name', '/properties/Config/Port', '/properties/Targets/*/Id'];
    assert.ok(needsReplacement(['/properties/Config/Port'], createOnly));
    assert.ok(needsReplacement(['/properties/Config'], createOnly));
    assert.ok(needsReplacement(['/properties/Targets'], createOnly));
    assert.ok(!needsReplacement(['/properties/Config/HealthCheck'], createOnly));
    assert.ok(!needsReplacement(['/properties/Tags'], createOnly));
    assert.ok(!needsReplacement(['/properties/NameSuffix'], createOnly));
  });
});
