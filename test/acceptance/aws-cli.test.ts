import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { aws, type CliResult } from '../support/aws-cli.js';

/**
 * The walkthrough's Lattice resources driven with the `aws vpc-lattice` CLI, the way a
 * user would try Trellis: create, list, update, delete, and the errors AWS gives.
 */
describe('the aws CLI against Trellis', () => {
  let t: TestTrellis;
  const lattice = (...args: string[]) => aws(t.url, ['vpc-lattice', ...args]);
  const ok = (r: CliResult) => { assert.equal(r.code, 0, r.stderr); return r.json; };

  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates, lists, updates and deletes the walkthrough resources', async () => {
    const sn = ok(await lattice('create-service-network', '--name', 'awesome-service-network', '--auth-type', 'NONE', '--tags', 'Owner=kuba,Project=blogpost'));
    const svc = ok(await lattice('create-service', '--name', 'awesome-service', '--auth-type', 'NONE'));
    assert.equal(svc.status, 'CREATE_IN_PROGRESS');
    assert.match(svc.dnsEntry.domainName, /^awesome-service-0[0-9a-f]{16}\.7d67968\.vpc-lattice-svcs\.us-east-1\.on\.aws$/);
    const ec2Tg = ok(await lattice('create-target-group', '--name', 'ec2-lattice-tg', '--type', 'INSTANCE', '--config',
      JSON.stringify({ port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-0ec2000000000000a', healthCheck: { enabled: true, path: '/', port: 80, protocol: 'HTTP', matcher: { httpCode: '200' } } })));
    const ecsTg = ok(await lattice('create-target-group', '--name', 'ecs-lattice-tg', '--type', 'ALB', '--config',
      JSON.stringify({ port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-0ec5000000000000b' })));
    // Like AWS, a target group takes targets once ACTIVE.
    for (const tg of [ec2Tg, ecsTg]) await eventually(async () => ok(await lattice('get-target-group', '--target-group-identifier', tg.id)).status === 'ACTIVE');
    ok(await lattice('register-targets', '--target-group-identifier', ec2Tg.id, '--targets', 'id=i-0123456789abcdef0,port=80'));
    ok(await lattice('register-targets', '--target-group-identifier', ecsTg.id, '--targets',
      'id=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/ecs-alb/0123456789abcdef,port=80'));
    const listener = ok(await lattice('create-listener', '--service-identifier', svc.id, '--name', 'ec2-80', '--protocol', 'HTTP', '--port', '80',
      '--default-action', JSON.stringify({ forward: { targetGroups: [{ targetGroupIdentifier: ec2Tg.id, weight: 10 }, { targetGroupIdentifier: ecsTg.id, weight: 10 }] } })));
    assert.equal(listener.port, 80);
    const snsa = ok(await lattice('create-service-network-service-association', '--service-network-identifier', sn.id, '--service-identifier', svc.arn));
    const ec2Assoc = ok(await lattice('create-service-network-vpc-association', '--service-network-identifier', sn.arn, '--vpc-identifier', 'vpc-0ec2000000000000a', '--security-group-ids', 'sg-0ec2000000000000a'));
    const ecsAssoc = ok(await lattice('create-service-network-vpc-association', '--service-network-identifier', sn.id, '--vpc-identifier', 'vpc-0ec5000000000000b', '--security-group-ids', 'sg-0ec5000000000000b'));

    await eventually(async () => ok(await lattice('get-service', '--service-identifier', svc.id)).status === 'ACTIVE');
    const net = ok(await lattice('get-service-network', '--service-network-identifier', sn.id));
    assert.equal(net.numberOfAssociatedServices, 1);
    assert.equal(net.numberOfAssociatedVPCs, 2);
    const tgs = ok(await lattice('list-target-groups'));
    assert.deepEqual(tgs.items.map((i: { name: string }) => i.name).sort(), ['ec2-lattice-tg', 'ecs-lattice-tg']);
    const rules = ok(await lattice('list-rules', '--service-identifier', svc.id, '--listener-identifier', listener.id));
    assert.equal(rules.items.length, 1);
    assert.equal(rules.items[0].isDefault, true);

    const updated = ok(await lattice('update-listener', '--service-identifier', svc.id, '--listener-identifier', listener.id,
      '--default-action', JSON.stringify({ forward: { targetGroups: [{ targetGroupIdentifier: ec2Tg.id, weight: 20 }, { targetGroupIdentifier: ecsTg.id, weight: 10 }] } })));
    assert.equal(updated.defaultAction.forward.targetGroups[0].weight, 20);
    ok(await lattice('update-service', '--service-identifier', svc.id, '--auth-type', 'AWS_IAM'));
    const tagged = ok(await lattice('list-tags-for-resource', '--resource-arn', sn.arn));
    assert.deepEqual(tagged.tags, { Owner: 'kuba', Project: 'blogpost' });

    // Deleting what others still use is a conflict, as on AWS.
    const busy = await lattice('delete-service-network', '--service-network-identifier', sn.id);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /ConflictException/);

    for (const a of [ec2Assoc, ecsAssoc]) ok(await lattice('delete-service-network-vpc-association', '--service-network-vpc-association-identifier', a.id));
    ok(await lattice('delete-service-network-service-association', '--service-network-service-association-identifier', snsa.id));
    const stillUsed = await lattice('delete-target-group', '--target-group-identifier', ec2Tg.id);
    assert.match(stillUsed.stderr, /ConflictException/);
    assert.equal((await lattice('delete-listener', '--service-identifier', svc.id, '--listener-identifier', listener.id)).code, 0);
    ok(await lattice('delete-service', '--service-identifier', svc.id));
    for (const tg of [ec2Tg, ecsTg]) ok(await lattice('delete-target-group', '--target-group-identifier', tg.id));
    assert.equal((await lattice('delete-service-network', '--service-network-identifier', sn.id)).code, 0);
    assert.deepEqual(ok(await lattice('list-services')).items, []);
    assert.deepEqual(ok(await lattice('list-service-networks')).items, []);
  });

  it('reports the errors AWS gives for invalid input', async () => {
    const badName = await lattice('create-service', '--name', 'Bad_Name');
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /ValidationException/);
    const missing = await lattice('get-service', '--service-identifier', 'svc-0000000000000000a');
    assert.match(missing.stderr, /ResourceNotFoundException/);
    const noConfig = await lattice('create-target-group', '--name', 'no-config', '--type', 'IP');
    assert.match(noConfig.stderr, /ValidationException/);
  });
});
