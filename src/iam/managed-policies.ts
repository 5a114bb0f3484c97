import { parsePolicyValue, type PolicyDocument } from '../model/index.js';

/**
 * The AWS managed policies users attach for VPC Lattice (LATTICE.md §9), plus the broad
 * AdministratorAccess / ReadOnlyAccess. Written by us from what each is documented to grant —
 * not copies of AWS's text — so they grant the same actions in spirit: full access to the
 * Lattice API and the side permissions it uses (EC2 lookups, Lambda targets, log delivery,
 * metrics, its service-linked role), read-only Get/List, and invoking services.
 * Every document is parsed at load through the same parser as customer policies, so a typo
 * here fails at start-up (and in the test beside this file), not at evaluation.
 */
export interface ManagedPolicy {
  readonly name: string;
  /** `arn:aws:iam::aws:policy/<name>`: account `aws`, as AWS-managed policies have. */
  readonly arn: string;
  readonly description: string;
  readonly path: '/';
  /** The JSON text (GetPolicyVersion returns it, URL-encoded). */
  readonly text: string;
  readonly document: PolicyDocument;
}

const LATTICE_LOG_DELIVERY = [
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy',
  's3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:ListAllMyBuckets',
  'firehose:TagDeliveryStream', 'firehose:ListDeliveryStreams', 'iam:ListRoles',
];

const SOURCES: readonly { readonly name: string; readonly description: string; readonly document: unknown }[] = [
  {
    name: 'VPCLatticeFullAccess',
    description: 'Full access to Amazon VPC Lattice, and the permissions of other services it needs to configure targets, logs and metrics.',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'LatticeFullAccess', Effect: 'Allow', Action: 'vpc-lattice:*', Resource: '*' },
        {
          Sid: 'TargetAndNetworkLookups', Effect: 'Allow', Resource: '*',
          Action: [
            'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstances',
            'ec2:DescribeVpcEndpoints', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeManagedPrefixLists',
            'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeListeners',
            'lambda:ListFunctions', 'lambda:GetFunction', 'lambda:AddPermission', 'lambda:RemovePermission',
            'ram:ListResources', 'ram:GetResourceShares', 'acm:ListCertificates', 'acm:DescribeCertificate',
            'route53:ListHostedZones', 'tag:GetResources',
          ],
        },
        { Sid: 'AccessLogDelivery', Effect: 'Allow', Action: LATTICE_LOG_DELIVERY, Resource: '*' },
        { Sid: 'Metrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' },
        {
          Sid: 'ServiceLinkedRole', Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole',
          Resource: 'arn:aws:iam::*:role/aws-service-role/vpc-lattice.amazonaws.com/AWSServiceRoleForVpcLattice',
          Condition: { StringLike: { 'iam:AWSServiceName': 'vpc-lattice.amazonaws.com' } },
        },
      ],
    },
  },
  {
    name: 'VPCLatticeReadOnlyAccess',
    description: 'Read-only access to Amazon VPC Lattice, and the lookups its console pages make.',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'LatticeReadOnly', Effect: 'Allow', Action: ['vpc-lattice:Get*', 'vpc-lattice:List*'], Resource: '*' },
        {
          Sid: 'Lookups', Effect: 'Allow', Resource: '*',
          Action: [
            'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstances',
            'elasticloadbalancing:DescribeLoadBalancers', 'lambda:ListFunctions', 'lambda:GetFunction',
            'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'cloudwatch:GetMetricData', 'cloudwatch:ListMetrics',
          ],
        },
      ],
    },
  },
  {
    name: 'VPCLatticeServicesInvokeAccess',
    description: 'Lets the principal call VPC Lattice services: Invoke for HTTP, HTTPS and gRPC, Connect for TCP.',
    document: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'InvokeServices', Effect: 'Allow', Action: ['vpc-lattice-svcs:Invoke', 'vpc-lattice-svcs:Connect'], Resource: '*' }],
    },
  },
  {
    name: 'AdministratorAccess',
    description: 'Every action on every resource.',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
  {
    name: 'ReadOnlyAccess',
    description: 'Reading, not changing, for the services Trellis implements (a minimal stand-in for the AWS policy of that name).',
    document: {
      Version: '2012-10-17',
      Statement: [{
        Sid: 'ReadOnly', Effect: 'Allow', Resource: '*',
        Action: [
          'vpc-lattice:Get*', 'vpc-lattice:List*',
          'cloudformation:Describe*', 'cloudformation:Get*', 'cloudformation:List*', 'cloudformation:ValidateTemplate',
          'iam:Get*', 'iam:List*', 'sts:GetCallerIdentity', 'ec2:Describe*',
        ],
      }],
    },
  },
];

function build(source: (typeof SOURCES)[number]): ManagedPolicy {
  const parsed = parsePolicyValue(source.document, { kind: 'identity' });
  if (!parsed.ok) throw new Error(`managed policy ${source.name}: ${parsed.message}`);
  return {
    name: source.name,
    arn: `arn:aws:iam::aws:policy/${source.name}`,
    description: source.description,
    path: '/',
    text: JSON.stringify(source.document),
    document: parsed.document,
  };
}

/** The managed policies by ARN. */
export const MANAGED_POLICIES: ReadonlyMap<string, ManagedPolicy> = new Map(SOURCES.map((s) => {
  const p = build(s);
  return [p.arn, p];
}));

/** A managed policy by its ARN (`arn:aws:iam::aws:policy/VPCLatticeFullAccess`), or undefined. */
export function managedPolicy(arn: string): ManagedPolicy | undefined {
  return MANAGED_POLICIES.get(arn);
}
