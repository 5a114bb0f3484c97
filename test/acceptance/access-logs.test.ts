import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessLogSubscriptionCommand, CreateServiceCommand, CreateServiceNetworkCommand, DeleteAccessLogSubscriptionCommand,
  GetAccessLogSubscriptionCommand, ListAccessLogSubscriptionsCommand, ListTagsForResourceCommand, UpdateAccessLogSubscriptionCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';

const ACCOUNT = '111122223333';
const LOGS = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;
const FIREHOSE = (name: string) => `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/${name}`;
const S3 = (name: string) => `arn:aws:s3:::${name}`;

describe('access-log subscriptions', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  const network = async (name: string) => t.lattice.send(new CreateServiceNetworkCommand({ name }));

  it('creates, reads, updates and deletes a subscription on a service network', async () => {
    const sn = await network('logged-net');
    const created = await t.lattice.send(new CreateAccessLogSubscriptionCommand({
      resourceIdentifier: sn.arn, destinationArn: LOGS('/lattice/logged-net'), tags: { team: 'obs' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^als-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:accesslogsubscription/${created.id}`);
    assert.equal(created.resourceId, sn.id);
    assert.equal(created.resourceArn, sn.arn);
    assert.equal(created.destinationArn, LOGS('/lattice/logged-net'));
    assert.equal(created.serviceNetworkLogType, 'SERVICE');

    const got = await t.lattice.send(new GetAccessLogSubscriptionCommand({ accessLogSubscriptionIdentifier: created.arn }));
    assert.equal(got.id, created.id);
    assert.equal(got.resourceId, sn.id);
    assert.equal(got.serviceNetworkLogType, 'SERVICE');
    assert.ok(got.createdAt instanceof Date);
    assert.ok(got.lastUpdatedAt instanceof Date);
    const tags = await t.lattice.send(new ListTagsForResourceCommand({ resourceArn: created.arn }));
    assert.deepEqual(tags.tags, { team: 'obs' });

    // Update swaps the destination within its type (here: another log group, with the console's ":*").
    const updated = await t.lattice.send(new UpdateAccessLogSubscriptionCommand({
      accessLogSubscriptionIdentifier: created.id, destinationArn: `${LOGS('other')}:*`,
    }));
    assert.equal(updated.destinationArn, `${LOGS('other')}:*`);
    assert.equal(updated.resourceArn, sn.arn);
    const after2 = await t.lattice.send(new GetAccessLogSubscriptionCommand({ accessLogSubscriptionIdentifier: created.id }));
    assert.equal(after2.destinationArn, `${LOGS('other')}:*`);
    assert.equal(after2.createdAt!.getTime(), got.createdAt!.getTime());

    const del = await t.lattice.send(new DeleteAccessLogSubscriptionCommand({ accessLogSubscriptionIdentifier: created.id }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await t.wire('GET', `/accesslogsubscriptions/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(gone.json.resourceType, 'ACCESS_LOG_SUBSCRIPTION');
    assert.equal(gone.json.resourceId, created.id);
    assert.equal((await t.wire('DELETE', `/accesslogsubscriptions/${created.id}`)).status, 404);
  });

  it('accepts log groups, delivery streams and buckets, and refuses any other destination', async () => {
    const sn = await network('dest-net');
    for (const destinationArn of [LOGS('a'), FIREHOSE('stream-1'), S3('my.log-bucket')]) {
      const r = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: sn.id, destinationArn });
      assert.equal(r.status, 201, destinationArn);
    }
    const bad = [
      `arn:aws:sns:us-east-1:${ACCOUNT}:topic`,
      `arn:aws:logs:us-east-1:${ACCOUNT}:destination:x`,
      `arn:aws:firehose:us-east-1:${ACCOUNT}:stream/x`,
      `arn:aws:s3:us-east-1:${ACCOUNT}:bucket`,
      'arn:aws:s3:::Bad_Bucket',
      'arn:aws:s3:::bucket/prefix',
    ];
    const other = await network('dest-net-2');
    for (const destinationArn of bad) {
      const r = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: other.id, destinationArn });
      assert.equal(r.status, 400, destinationArn);
      assert.equal(r.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.deepEqual(r.json.fieldList.map((f: { name: string }) => f.name), ['destinationArn']);
    }
    const list = await t.lattice.send(new ListAccessLogSubscriptionsCommand({ resourceIdentifier: other.id }));
    assert.deepEqual(list.items, []);
  });

  it('allows one subscription per resource and destination type (and log type on a network)', async () => {
    const sn = await network('twin-net');
    const first = await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn: LOGS('one') }));
    const twin = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: sn.id, destinationArn: LOGS('two') });
    assert.equal(twin.status, 409);
    assert.equal(twin.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(twin.json.resourceType, 'ACCESS_LOG_SUBSCRIPTION');
    assert.equal(twin.json.resourceId, first.id);
    // The same kind of destination for the network's RESOURCE logs is a separate stream.
    const resourceLogs = await t.lattice.send(new CreateAccessLogSubscriptionCommand({
      resourceIdentifier: sn.id, destinationArn: LOGS('two'), serviceNetworkLogType: 'RESOURCE',
    }));
    assert.equal(resourceLogs.serviceNetworkLogType, 'RESOURCE');
    const s3 = await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn: S3('twin-bucket') }));
    // Moving the S3 subscription onto a log group would make a second log-group one.
    const clash = await t.wire('PATCH', `/accesslogsubscriptions/${s3.id}`, { destinationArn: LOGS('three') });
    assert.equal(clash.status, 409);
    assert.equal(clash.json.resourceId, first.id);
    const moved = await t.wire('PATCH', `/accesslogsubscriptions/${s3.id}`, { destinationArn: FIREHOSE('s') });
    assert.equal(moved.status, 200);
    assert.equal(moved.json.destinationArn, FIREHOSE('s'));
    const badUpdate = await t.wire('PATCH', `/accesslogsubscriptions/${s3.id}`, { destinationArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q` });
    assert.equal(badUpdate.status, 400);
    assert.equal(badUpdate.json.fieldList[0].name, 'destinationArn');
  });

  it('takes serviceNetworkLogType only for service networks', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'logged-svc' }));
    const bad = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: svc.id, destinationArn: LOGS('svc'), serviceNetworkLogType: 'SERVICE' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.fieldList.map((f: { name: string }) => f.name), ['serviceNetworkLogType']);
    const ok = await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: svc.arn, destinationArn: LOGS('svc') }));
    assert.equal(ok.resourceId, svc.id);
    assert.equal(ok.resourceArn, svc.arn);
    assert.equal(ok.serviceNetworkLogType, undefined);
    const got = await t.wire('GET', `/accesslogsubscriptions/${ok.id}`);
    assert.equal('serviceNetworkLogType' in got.json, false);
  });

  it('answers 404 for a resource that does not exist', async () => {
    const res = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: 'sn-0123456789abcdef0', destinationArn: LOGS('x') });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
    assert.equal(res.json.resourceId, 'sn-0123456789abcdef0');
    const svc = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: 'svc-0123456789abcdef0', destinationArn: LOGS('x') });
    assert.equal(svc.status, 404);
    assert.equal(svc.json.resourceType, 'SERVICE');
    const upd = await t.wire('PATCH', '/accesslogsubscriptions/als-0123456789abcdef0', { destinationArn: LOGS('x') });
    assert.equal(upd.status, 404);
    assert.equal(upd.json.resourceType, 'ACCESS_LOG_SUBSCRIPTION');
  });

  it('answers the same subscription for a repeated clientToken, and 409 when the input differs', async () => {
    const sn = await network('idem-logs');
    const a = await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn: S3('idem-bucket'), clientToken: 'als-tok' }));
    const b = await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn: S3('idem-bucket'), clientToken: 'als-tok' }));
    assert.equal(a.id, b.id);
    const c = await t.wire('POST', '/accesslogsubscriptions', { resourceIdentifier: sn.id, destinationArn: FIREHOSE('f'), clientToken: 'als-tok' });
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('x-amzn-errortype'), 'ConflictException');
    const list = await t.lattice.send(new ListAccessLogSubscriptionsCommand({ resourceIdentifier: sn.id }));
    assert.equal(list.items!.length, 1);
  });

  it('lists the subscriptions of one resource, in pages', async () => {
    const sn = await network('list-logs');
    const other = await network('list-logs-other');
    await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: other.id, destinationArn: LOGS('other') }));
    const ids: string[] = [];
    for (const [destinationArn, serviceNetworkLogType] of [[LOGS('l'), 'SERVICE'], [S3('list-bucket'), 'SERVICE'], [FIREHOSE('l'), 'SERVICE'], [LOGS('r'), 'RESOURCE']] as const) {
      ids.push((await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn, serviceNetworkLogType }))).id!);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListAccessLogSubscriptionsCommand({ resourceIdentifier: sn.arn, maxResults: 3, nextToken: token }));
      assert.ok(page.items!.length <= 3);
      for (const item of page.items!) {
        assert.equal(item.resourceId, sn.id);
        assert.ok(item.createdAt instanceof Date);
        seen.push(item.id!);
      }
      token = page.nextToken;
      pages++;
    } while (token && pages < 10);
    assert.equal(pages, 2);
    assert.deepEqual(seen, ids);

    const missing = await t.lattice.send(new ListAccessLogSubscriptionsCommand({ resourceIdentifier: 'sn-0123456789abcdef0' }));
    assert.deepEqual(missing.items, []);
    const noFilter = await t.wire('GET', '/accesslogsubscriptions');
    assert.equal(noFilter.status, 400);
    assert.deepEqual(noFilter.json.fieldList.map((f: { name: string }) => f.name), ['resourceIdentifier']);
    const e = await rejects(t.lattice.send(new ListAccessLogSubscriptionsCommand({ resourceIdentifier: sn.id, nextToken: 'garbage' })));
    assert.equal(e.name, 'ValidationException');
  });
});
