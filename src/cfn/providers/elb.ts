import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { environment } from '../../control/index.js';
import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from '../contracts.js';
import { placeByGroups } from './ec2.js';
import { generateName } from './names.js';
import { calling, handlerFailed } from './provider-error.js';
import { PropReader, defined } from './props.js';

/*
 * AWS::ElasticLoadBalancingV2::LoadBalancer: an application load balancer that a Lattice
 * target group of type ALB points at. Trellis does not balance for it; it records the address
 * traffic for the ALB's ARN goes to (the data plane sends it there, on the target's port):
 *   - the address is the tag `trellis:address`, an IP address (loopback for a local backend,
 *     e.g. 127.0.0.3); it is required, since an ALB without one could never receive traffic;
 *   - the VPC is the tag `trellis:vpc`, else the VPC of its SecurityGroups (optional).
 * Only `Type: application` exists here: Lattice's ALB targets are application load balancers.
 */

export const ADDRESS_TAG = 'trellis:address';

/** ALB hosted zones by Region, as Route 53 alias records name them (a stable stand-in elsewhere). */
const ALB_ZONES: Readonly<Record<string, string>> = {
  'us-east-1': 'Z35SXDOTRQ7X7K', 'us-east-2': 'Z3AADJGX6KTTL2', 'us-west-1': 'Z368ELLRRE2KJ0', 'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2', 'eu-central-1': 'Z215JYRZR1TBD5',
};

const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

/** `…:loadbalancer/app/NAME/HEX` → `app/NAME/HEX`, the LoadBalancerFullName. */
function fullNameOf(arn: string): string {
  return arn.slice(arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length);
}

function dnsNameOf(ctx: ProviderContext, arn: string, name: string, internal: boolean): string {
  // Derived from the ARN so that it stays the same across updates, as an ALB's does.
  const digits = BigInt('0x' + createHash('sha256').update(arn).digest('hex').slice(0, 12)).toString().padStart(10, '0').slice(0, 10);
  return `${internal ? 'internal-' : ''}${name}-${digits}.${ctx.call.scope.region}.elb.amazonaws.com`.toLowerCase();
}

async function putBalancer(ctx: ProviderContext, props: Properties, arn: string): Promise<ProvidedResource> {
  const p = reader(ctx, props);
  const tags = p.tags() ?? {};
  const address = tags[ADDRESS_TAG];
  if (!address) {
    throw handlerFailed(ctx, `Trellis needs the address of load balancer ${ctx.logicalId}: add the tag ${ADDRESS_TAG} with an IP address (a loopback address such as 127.0.0.1 for a local backend).`);
  }
  if (isIP(address) === 0) throw handlerFailed(ctx, `The tag ${ADDRESS_TAG} of ${ctx.logicalId} is ${address}, which is not an IP address.`);
  const groups = p.optStrings('SecurityGroups') ?? [];
  const vpcId = await placeByGroups(ctx, tags, groups);
  const fullName = fullNameOf(arn);
  const name = fullName.split('/')[1] ?? '';
  const internal = p.optStr('Scheme') === 'internal';
  const dnsName = dnsNameOf(ctx, arn, name, internal);
  const zone = ALB_ZONES[ctx.call.scope.region] ?? 'Z0TRELLISALB0000000';
  await calling(ctx, () => environment.putLoadBalancerRecord(ctx.cp, ctx.call, defined({
    arn, address, vpcId,
    extra: defined({ name, dnsName, scheme: internal ? 'internal' : 'internet-facing', type: 'application', securityGroups: groups, tags }),
  })), 'ElasticLoadBalancingV2');
  return {
    physicalId: arn,
    attributes: {
      LoadBalancerArn: arn, LoadBalancerName: name, LoadBalancerFullName: fullName, DNSName: dnsName,
      CanonicalHostedZoneID: zone, SecurityGroups: groups,
    },
  };
}

export const loadBalancerProvider: ResourceProvider = {
  type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  replacementPaths: createOnlyPaths('AWS::ElasticLoadBalancingV2::LoadBalancer'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const type = p.optStr('Type') ?? 'application';
    if (type !== 'application') {
      throw handlerFailed(ctx, `Load balancers of type ${type} are not supported by Trellis: VPC Lattice's ALB targets are application load balancers.`);
    }
    const name = p.optStr('Name') ?? generateName(ctx, { maxLength: 32, lattice: false }).replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+|-+$/g, '');
    if (!NAME.test(name) || name.toLowerCase().startsWith('internal-')) {
      throw handlerFailed(ctx, `The load balancer name '${name}' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen, nor with 'internal-'.`);
    }
    const { partition, region, account } = ctx.call.scope;
    const arn = `arn:${partition}:elasticloadbalancing:${region}:${account}:loadbalancer/app/${name}/${randomBytes(8).toString('hex')}`;
    return putBalancer(ctx, props, arn);
  },
  async update(ctx, arn, props) {
    return putBalancer(ctx, props, arn);
  },
  async delete(ctx, arn) {
    await calling(ctx, () => environment.deleteEnvironmentRecord(ctx.cp, ctx.call, 'loadbalancer', arn), 'ElasticLoadBalancingV2');
  },
};

