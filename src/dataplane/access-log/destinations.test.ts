import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessLogDestination } from '../../config/index.js';
import { DestinationResolver, destinationPrefix, parseDestination, sanitise } from './destinations.js';
import { recordFor } from './record.js';

const SVC = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0123456789abcdef0';
const SN = 'arn:aws:vpc-lattice:eu-west-1:444455556666:servicenetwork/sn-0123456789abcdef0';

function dest(destinationArn: string, resourceId = 'svc-0123456789abcdef0'): AccessLogDestination {
  return { subscriptionId: 'als-0123456789abcdef0', destinationArn, resourceId };
}

describe('access-log destinations', () => {
  const cases: [string, string][] = [
    ['arn:aws:logs:us-west-2:111122223333:log-group:lattice-logs', 'cloudwatch/lattice-logs.log'],
    ['arn:aws:logs:us-west-2:111122223333:log-group:lattice-logs:*', 'cloudwatch/lattice-logs.log'],
    ['arn:aws:logs:us-west-2:111122223333:log-group:/aws/vpclattice/app#1:*', 'cloudwatch/aws_vpclattice_app_1.log'],
    ['arn:aws:firehose:us-west-2:111122223333:deliverystream/lattice-stream', 'firehose/lattice-stream.log'],
    ['arn:aws:s3:::my-bucket', 's3/my-bucket/'],
    ['arn:aws:s3:::my-bucket/some/prefix/', 's3/my-bucket/some/prefix/'],
    ['arn:aws:s3:::my-bucket/../../etc', 's3/my-bucket/etc/'],
    ['arn:aws:sqs:us-west-2:111122223333:queue', 'other/arn_aws_sqs_us-west-2_111122223333_queue.log'],
  ];
  for (const [arn, want] of cases) {
    it(`maps ${arn} → ${want}`, () => assert.equal(destinationPrefix(arn), want));
  }

  it('keeps every name inside its folder', () => {
    assert.equal(sanitise('..'), '__');
    assert.equal(sanitise(''), '_');
    assert.equal(sanitise('/a/b'), 'a_b');
    assert.equal(parseDestination('arn:aws:logs:r:a:log-group:..').kind, 'cloudwatch');
    assert.equal(destinationPrefix('arn:aws:logs:r:a:log-group:..'), 'cloudwatch/__.log');
  });

  it("lays S3 objects out as AWS does, per hour, with the subscribed resource's account and region", () => {
    const r = new DestinationResolver();
    const rec = recordFor({ startTime: '2024-08-04T11:28:40Z', serviceArn: SVC, serviceNetworkArn: SN });
    assert.equal(r.pathFor(dest('arn:aws:s3:::bkt/pre'), rec),
      's3/bkt/pre/AWSLogs/111122223333/VpcLattice/AccessLogs/us-west-2/2024/08/04/svc-0123456789abcdef0/'
      + '111122223333_VpcLatticeAccessLogs_us-west-2_svc-0123456789abcdef0_20240804T1100Z.log');
    const onNetwork = dest('arn:aws:s3:::bkt', 'sn-0123456789abcdef0');
    assert.equal(r.pathFor(onNetwork, rec),
      's3/bkt/AWSLogs/444455556666/VpcLattice/AccessLogs/eu-west-1/2024/08/04/sn-0123456789abcdef0/'
      + '444455556666_VpcLatticeAccessLogs_eu-west-1_sn-0123456789abcdef0_20240804T1100Z.log');
    const nextHour = r.pathFor(onNetwork, { ...rec, startTime: '2024-08-04T12:00:00Z' });
    assert.match(nextHour, /_20240804T1200Z\.log$/, 'a new hour, a new file');
  });

  it('resolves fixed destinations once per destination object', () => {
    const r = new DestinationResolver();
    const d = dest('arn:aws:firehose:us-west-2:111122223333:deliverystream/s');
    const rec = recordFor({});
    assert.equal(r.pathFor(d, rec), 'firehose/s.log');
    assert.strictEqual(r.pathFor(d, rec), r.pathFor(d, rec));
  });
});
