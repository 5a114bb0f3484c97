import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { latticeArn, parseArn, parseIdentifier } from './arn.js';
import { newId } from './ids.js';
import { kindOfId } from './resource-kinds.js';
import { serviceDnsName } from './dns.js';

const scope = { partition: 'aws', region: 'us-east-1', account: '111122223333' };

describe('ids', () => {
  it('are the prefix plus 0 and 16 lowercase hex digits', () => {
    for (const p of ['sn', 'svc', 'listener', 'rule', 'tg', 'snra', 'rea', 'dv']) {
      assert.match(newId(p), new RegExp(`^${p}-0[0-9a-f]{16}$`));
    }
    assert.notEqual(newId('svc'), newId('svc'));
  });

  it('take their kind from the prefix', () => {
    assert.equal(kindOfId('svc-0123456789abcdef0'), 'service');
    assert.equal(kindOfId('listener-0123456789abcdef0'), 'listener');
    assert.equal(kindOfId('nope-1'), undefined);
    assert.equal(kindOfId('svc'), undefined);
  });
});

describe('ARNs', () => {
  it('are formed as AWS forms them, listeners and rules nested', () => {
    assert.equal(latticeArn(scope, 'service', 'svc-1'), 'arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-1');
    assert.equal(latticeArn(scope, 'rule', 'rule-3', ['svc-1', 'listener-2']), 'arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-1/listener/listener-2/rule/rule-3');
  });

  it('parse into six parts, the resource keeping its colons and slashes', () => {
    assert.deepEqual(parseArn('arn:aws:logs:us-east-1:111122223333:log-group:my/group:*'), {
      partition: 'aws', service: 'logs', region: 'us-east-1', account: '111122223333', resource: 'log-group:my/group:*',
    });
    assert.equal(parseArn('arn:aws:s3'), undefined);
    assert.equal(parseArn('svc-1'), undefined);
  });

  it('identifiers resolve from an id or an ARN, with parents', () => {
    assert.deepEqual(parseIdentifier('svc-0123456789abcdef0'), { kind: 'service', id: 'svc-0123456789abcdef0', parents: [] });
    const rule = parseIdentifier('arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-1/listener/listener-2/rule/rule-3');
    assert.equal(rule?.kind, 'rule');
    assert.equal(rule?.id, 'rule-3');
    assert.deepEqual(rule?.parents, ['svc-1', 'listener-2']);
    assert.equal(parseIdentifier('arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1'), undefined);
    assert.equal(parseIdentifier('arn:aws:vpc-lattice:us-east-1:111122223333:service/listener-1'), undefined);
    assert.equal(parseIdentifier('arn:aws:vpc-lattice:us-east-1:111122223333:service'), undefined);
  });
});

describe('DNS names', () => {
  it('follow AWS: name-id.7d67968.vpc-lattice-svcs.region.on.aws', () => {
    assert.equal(serviceDnsName(scope, 'test2', 'svc-0cfe1f49ff3266204'), 'test2-0cfe1f49ff3266204.7d67968.vpc-lattice-svcs.us-east-1.on.aws');
  });
});
