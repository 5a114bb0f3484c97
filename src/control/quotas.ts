/**
 * AWS's default quotas for VPC Lattice (LATTICE.md §7), with their Service Quotas codes
 * where known. Every one can be overridden in the configuration.
 */
export interface Quotas {
  readonly serviceNetworksPerRegion: number;
  readonly servicesPerRegion: number;
  readonly targetGroupsPerRegion: number;
  readonly listenersPerService: number;
  readonly rulesPerListener: number;
  readonly targetGroupsPerService: number;
  readonly targetsPerTargetGroup: number;
  readonly serviceAssociationsPerServiceNetwork: number;
  readonly vpcAssociationsPerServiceNetwork: number;
  readonly resourceConfigurationsPerServiceNetwork: number;
  readonly resourceConfigurationsPerRegion: number;
  readonly childResourceConfigurationsPerGroup: number;
  readonly resourceGatewaysPerVpc: number;
  readonly domainVerificationsPerRegion: number;
  readonly tagsPerResource: number;
  readonly authPolicyBytes: number;
}

export const defaultQuotas: Quotas = {
  serviceNetworksPerRegion: 50,
  servicesPerRegion: 2000,
  targetGroupsPerRegion: 500,
  listenersPerService: 2,
  rulesPerListener: 10,
  targetGroupsPerService: 10,
  targetsPerTargetGroup: 1000,
  serviceAssociationsPerServiceNetwork: 500,
  vpcAssociationsPerServiceNetwork: 500,
  resourceConfigurationsPerServiceNetwork: 500,
  resourceConfigurationsPerRegion: 2000,
  childResourceConfigurationsPerGroup: 60,
  resourceGatewaysPerVpc: 500,
  domainVerificationsPerRegion: 5,
  tagsPerResource: 50,
  authPolicyBytes: 10 * 1024,
};

/**
 * Service Quotas codes: AWS's where the user guide names them (LATTICE.md §7); the others
 * are not published, so Trellis uses stable codes of its own rather than invent AWS ones.
 */
export const quotaCodes: Readonly<Record<keyof Quotas, string>> = {
  serviceNetworksPerRegion: 'TRELLIS-SERVICE-NETWORKS-PER-REGION',
  servicesPerRegion: 'TRELLIS-SERVICES-PER-REGION',
  targetGroupsPerRegion: 'TRELLIS-TARGET-GROUPS-PER-REGION',
  listenersPerService: 'L-D64E952E',
  rulesPerListener: 'TRELLIS-RULES-PER-LISTENER',
  targetGroupsPerService: 'TRELLIS-TARGET-GROUPS-PER-SERVICE',
  targetsPerTargetGroup: 'TRELLIS-TARGETS-PER-TARGET-GROUP',
  serviceAssociationsPerServiceNetwork: 'TRELLIS-SERVICE-ASSOCIATIONS-PER-SERVICE-NETWORK',
  vpcAssociationsPerServiceNetwork: 'TRELLIS-VPC-ASSOCIATIONS-PER-SERVICE-NETWORK',
  resourceConfigurationsPerServiceNetwork: 'TRELLIS-RESOURCE-CONFIGURATIONS-PER-SERVICE-NETWORK',
  resourceConfigurationsPerRegion: 'TRELLIS-RESOURCE-CONFIGURATIONS-PER-REGION',
  childResourceConfigurationsPerGroup: 'L-9BC96FEF',
  resourceGatewaysPerVpc: 'TRELLIS-RESOURCE-GATEWAYS-PER-VPC',
  domainVerificationsPerRegion: 'L-73D0F278',
  tagsPerResource: 'TRELLIS-TAGS-PER-RESOURCE',
  authPolicyBytes: 'TRELLIS-AUTH-POLICY-BYTES',
};
