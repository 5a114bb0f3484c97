import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand, CreateTargetGroupCommand, ListTagsForResourceCommand,
  TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';

const ACCOUNT = '111122223333';
const enc = encodeURIComponent;

function manyTags(n: number, prefix = 'k'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));
}

describe('tags', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  const list = async (resourceArn: string) => (await t.lattice.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  it('lists, adds, overwrites and removes the tags of a service network', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'tagged-net', tags: { Owner: 'kuba', Project: 'blogpost' } }));
    assert.deepEqual(await list(sn.arn!), { Owner: 'kuba', Project: 'blogpost' });

    const tagged = await t.wire('POST', `/tags/${enc(sn.arn!)}`, { tags: { Project: 'trellis', Env: 'dev' } });
    assert.equal(tagged.status, 200);
    assert.deepEqual(await list(sn.arn!), { Owner: 'kuba', Project: 'trellis', Env: 'dev' });

    const untagged = await t.wire('DELETE', `/tags/${enc(sn.arn!)}?tagKeys=Owner&tagKeys=Missing`);
    assert.equal(untagged.status, 200);
    assert.deepEqual(await list(sn.arn!), { Project: 'trellis', Env: 'dev' });
    await t.lattice.send(new UntagResourceCommand({ resourceArn: sn.arn, tagKeys: ['Project', 'Env'] }));
    const empty = await t.wire('GET', `/tags/${enc(sn.arn!)}`);
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json, { tags: {} });
  });

  it('allows at most 50 tags per resource after the merge', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'full-net', tags: manyTags(45) }));
    const over = await t.wire('POST', `/tags/${enc(sn.arn!)}`, { tags: manyTags(6, 'x') });
    assert.equal(over.status, 400);
    assert.equal(over.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(over.json.fieldList[0].name, 'tags');
    assert.equal(Object.keys((await list(sn.arn!))!).length, 45);
    // Overwriting existing keys does not count twice.
    await t.lattice.send(new TagResourceCommand({ resourceArn: sn.arn, tags: { ...manyTags(5, 'x'), k0: 'changed' } }));
    const tags = (await list(sn.arn!))!;
    assert.equal(Object.keys(tags).length, 50);
    assert.equal(tags.k0, 'changed');
    const one = await t.wire('POST', `/tags/${enc(sn.arn!)}`, { tags: { last: 'straw' } });
    assert.equal(one.status, 400);
  });

  it('reserves the aws: prefix', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'reserved-net' }));
    const res = await t.wire('POST', `/tags/${enc(sn.arn!)}`, { tags: { 'aws:cloudformation:stack-name': 'x' } });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(res.json.fieldList[0].message, /aws:/);
    const untag = await t.wire('DELETE', `/tags/${enc(sn.arn!)}?tagKeys=AWS:x`);
    assert.equal(untag.status, 400);
    assert.equal(untag.json.fieldList[0].name, 'tagKeys');
    assert.deepEqual(await list(sn.arn!), {});
  });

  it('answers 404 for a Lattice resource that is not here, and 400 for what is not a Lattice resource ARN', async () => {
    const missing = `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetwork/sn-0123456789abcdef0`;
    for (const [method, path, body] of [
      ['GET', `/tags/${enc(missing)}`, undefined],
      ['POST', `/tags/${enc(missing)}`, { tags: { a: 'b' } }],
      ['DELETE', `/tags/${enc(missing)}?tagKeys=a`, undefined],
    ] as const) {
      const res = await t.wire(method, path, body);
      assert.equal(res.status, 404, method);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
      assert.equal(res.json.resourceId, 'sn-0123456789abcdef0');
    }
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'foreign-net' }));
    for (const foreign of [sn.arn!.replace(ACCOUNT, '999988887777'), sn.arn!.replace('us-east-1', 'eu-west-1')]) {
      const res = await t.wire('GET', `/tags/${enc(foreign)}`);
      assert.equal(res.status, 404, foreign);
    }
    const missingTg = await t.wire('GET', `/tags/${enc(`arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:targetgroup/tg-0123456789abcdef0`)}`);
    assert.equal(missingTg.status, 404);
    assert.equal(missingTg.json.resourceType, 'TARGET_GROUP');

    for (const notLattice of [
      `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:bogus/thing-0123456789abcdef0`,
      `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetwork`,
      `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-0123456789abcdef0`,
    ]) {
      const res = await t.wire('GET', `/tags/${enc(notLattice)}`);
      assert.equal(res.status, 400, notLattice);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.equal(res.json.fieldList[0].name, 'resourceArn');
    }
    const e = await rejects(t.lattice.send(new ListTagsForResourceCommand({ resourceArn: 'sn-0123456789abcdef0' })));
    assert.equal(e.name, 'ValidationException');
  });

  it('tags services, listeners and target groups through their ARNs', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'tagged-svc', tags: { team: 'a' } }));
    const tg = await t.lattice.send(new CreateTargetGroupCommand({ name: 'tagged-tg', type: 'LAMBDA', tags: { team: 'b' } }));
    const listener = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'tagged-listener', protocol: 'HTTP', defaultAction: { fixedResponse: { statusCode: 404 } },
    }));
    for (const [arn, initial] of [[svc.arn!, { team: 'a' }], [tg.arn!, { team: 'b' }], [listener.arn!, {}]] as const) {
      assert.deepEqual(await list(arn), initial, arn);
      await t.lattice.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
      assert.deepEqual(await list(arn), { ...initial, env: 'prod' }, arn);
      await t.lattice.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
      assert.deepEqual(await list(arn), initial, arn);
    }
    // A listener ARN must name the listener's own service.
    const otherSvc = await t.lattice.send(new CreateServiceCommand({ name: 'tagged-svc-2' }));
    const wrongParent = listener.arn!.replace(svc.id!, otherSvc.id!);
    const res = await t.wire('GET', `/tags/${enc(wrongParent)}`);
    assert.equal(res.status, 404);
    assert.equal(res.json.resourceType, 'LISTENER');
  });
});
