import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootTrellis, type TestTrellis } from '../support/trellis.js';

describe('the wire protocol', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('answers health with version and revision', async () => {
    const res = await t.wire('GET', '/_trellis/health');
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'ok');
    assert.equal(typeof res.json.revision, 'number');
    assert.match(res.json.version, /^\d+\.\d+\.\d+/);
  });

  it('answers malformed JSON with ValidationException cannotParse', async () => {
    const res = await t.wire('POST', '/servicenetworks', '{"name": ');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(res.json.reason, 'cannotParse');
  });

  it('answers a JSON body that is not an object with cannotParse', async () => {
    const res = await t.wire('POST', '/servicenetworks', '[1,2]');
    assert.equal(res.status, 400);
    assert.equal(res.json.reason, 'cannotParse');
  });

  it('answers an unknown route and a wrong method with unknownOperation, never HTML', async () => {
    for (const [method, path] of [['GET', '/nothing/here'], ['PUT', '/servicenetworks'], ['POST', '/']] as const) {
      const res = await t.wire(method, path);
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.equal(res.json.reason, 'unknownOperation');
      assert.match(res.headers.get('content-type')!, /application\/json/);
    }
  });

  it('answers a wrong member type with a field error naming it', async () => {
    const res = await t.wire('POST', '/servicenetworks', { name: 42 });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.fieldList, [{ name: 'name', message: 'Member must be a string' }]);
  });

  it('keeps serving after bad input', async () => {
    const res = await t.wire('GET', '/servicenetworks');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json.items));
  });
});
