// Types of setup.mjs, for the acceptance tests that import it (the example itself is plain
// JavaScript, runnable with node alone).
import type {
  CreateAccessLogSubscriptionCommandOutput, CreateListenerCommandOutput, CreateServiceCommandOutput,
  CreateServiceNetworkCommandOutput, CreateServiceNetworkServiceAssociationCommandOutput,
  CreateServiceNetworkVpcAssociationCommandOutput, CreateTargetGroupCommandOutput, HealthCheckConfig,
  TargetGroupSummary, VPCLatticeClient,
} from '@aws-sdk/client-vpc-lattice';
import type { Address } from './backends.mjs';

export const DEFAULT_ENDPOINT: string;

interface WalkthroughVpc {
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly securityGroupId: string;
}

export const WALKTHROUGH: {
  readonly serviceNetwork: string;
  readonly service: string;
  readonly htmlTargetGroup: string;
  readonly jsonTargetGroup: string;
  readonly listener: string;
  readonly ec2Vpc: WalkthroughVpc;
  readonly ecsVpc: WalkthroughVpc;
  readonly instanceId: string;
  readonly loadBalancerName: string;
  readonly tags: Readonly<Record<string, string>>;
};

export const FAST_HEALTH_CHECK: HealthCheckConfig;

export function latticeClient(endpoint?: string, region?: string): VPCLatticeClient;

export interface Walkthrough {
  /** False when the Trellis runs without a data plane. */
  readonly dataPlane: boolean;
  readonly account: string;
  readonly region: string;
  readonly albArn: string;
  /** The service's generated DNS name. */
  readonly dnsName: string;
  /** The CloudWatch log group of the network's access-log subscription. */
  readonly destinationArn: string;
  readonly serviceNetwork: CreateServiceNetworkCommandOutput;
  readonly service: CreateServiceCommandOutput;
  readonly listener: CreateListenerCommandOutput;
  readonly htmlTargetGroup: CreateTargetGroupCommandOutput;
  readonly jsonTargetGroup: CreateTargetGroupCommandOutput;
  readonly serviceAssociation: CreateServiceNetworkServiceAssociationCommandOutput;
  readonly vpcAssociations: readonly CreateServiceNetworkVpcAssociationCommandOutput[];
  readonly accessLogSubscription: CreateAccessLogSubscriptionCommandOutput;
  /** `host:port` of the proxy gateway. */
  readonly proxy: string | undefined;
  /** VPC id → `host:port` of its own gateway address. */
  readonly vpcEndpoints: Readonly<Record<string, string>>;
  readonly curl: string | undefined;
}

export function setupWalkthrough(opts?: {
  readonly endpoint?: string;
  readonly html?: Address;
  readonly json?: Address;
  readonly healthCheck?: HealthCheckConfig;
  readonly client?: VPCLatticeClient;
  readonly log?: (line: string) => void;
}): Promise<Walkthrough>;

export function addHtmlBackend(opts: {
  readonly endpoint?: string;
  readonly client?: VPCLatticeClient;
  readonly instanceId?: string;
  readonly host: string;
  readonly port: number;
}): Promise<{ readonly targetGroupId: string; readonly instanceId: string; readonly host: string; readonly port: number }>;

export function findTargetGroup(client: VPCLatticeClient, name: string): Promise<TargetGroupSummary | undefined>;

export function targetHealth(opts?: { readonly endpoint?: string; readonly client?: VPCLatticeClient }): Promise<{
  readonly targetGroup: string; readonly id: string; readonly port: number; readonly status: string; readonly reasonCode?: string;
}[]>;
