import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from '../contracts.js';
import { assertUnchanged, deleteQuietly, invoke, resourceToken, syncTags, untilActive } from './lattice-call.js';
import { handlerFailed, invalidProperty } from './provider-error.js';
import { PropReader, defined, sameJson, sameSet } from './props.js';

/*
 * AWS::VpcLattice::ResourceGateway, ::ResourceConfiguration and ::DomainVerification: the
 * resources of VPC resources (Lattice's "resource configurations"). Where the schema's names
 * differ from the API's (ResourceGatewayId → resourceGatewayIdentifier, ProtocolType →
 * protocol, AllowAssociationToSharableServiceNetwork → allowAssociationToShareable…), the
 * mapping is written out.
 */

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

// ---- ResourceGateway ----------------------------------------------------------------------

async function gatewayResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Resource gateway ${arn}`, () => invoke(ctx, 'GetResourceGateway', { resourceGatewayIdentifier: arn }));
  return { physicalId: g.arn!, attributes: defined({ Arn: g.arn, Id: g.id }) };
}

export const resourceGatewayProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ResourceGateway',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ResourceGateway'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'CreateResourceGateway', defined({
      name: p.str('Name'),
      vpcIdentifier: p.str('VpcIdentifier'),
      subnetIds: p.optStrings('SubnetIds'),
      securityGroupIds: p.optStrings('SecurityGroupIds'),
      ipAddressType: p.optStr('IpAddressType'),
      ipv4AddressesPerEni: p.optInt('Ipv4AddressesPerEni'),
      resourceConfigDnsResolution: p.optStr('ResourceConfigDnsResolution'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return gatewayResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    assertUnchanged(ctx, 'AWS::VpcLattice::ResourceGateway', 'Ipv4AddressesPerEni', props, previous);
    const groups = p.optStrings('SecurityGroupIds');
    if (!sameSet(groups, reader(ctx, previous).optStrings('SecurityGroupIds'))) {
      await invoke(ctx, 'UpdateResourceGateway', { resourceGatewayIdentifier: arn, securityGroupIds: groups ?? [] });
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return gatewayResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Resource gateway ${arn}`,
      () => invoke(ctx, 'GetResourceGateway', { resourceGatewayIdentifier: arn }),
      () => invoke(ctx, 'DeleteResourceGateway', { resourceGatewayIdentifier: arn }));
  },
};

// ---- ResourceConfiguration ----------------------------------------------------------------

/** The schema's one-of definition (`IpResource` / `ArnResource` strings, `DnsResource` object) → the API's union. */
function definitionOf(ctx: ProviderContext, p: PropReader): Record<string, unknown> | undefined {
  if (!p.has('ResourceConfigurationDefinition')) return undefined;
  const d = p.child('ResourceConfigurationDefinition');
  const set = ['IpResource', 'ArnResource', 'DnsResource'].filter((k) => d.has(k));
  if (set.length !== 1) {
    throw invalidProperty(ctx, '#/ResourceConfigurationDefinition', `#: only 1 subschema matches out of 3 is required (found ${set.length}: ${set.join(', ') || 'none'})`);
  }
  if (d.has('IpResource')) return { ipResource: { ipAddress: d.str('IpResource') } };
  if (d.has('ArnResource')) return { arnResource: { arn: d.str('ArnResource') } };
  const dns = d.child('DnsResource');
  return { dnsResource: { domainName: dns.str('DomainName'), ipAddressType: dns.str('IpAddressType') } };
}

async function configurationResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Resource configuration ${arn}`, async () => {
    const r = await invoke(ctx, 'GetResourceConfiguration', { resourceConfigurationIdentifier: arn });
    return { ...r, failureMessage: r.failureReason };
  });
  return { physicalId: g.arn!, attributes: defined({ Arn: g.arn, Id: g.id }) };
}

export const resourceConfigurationProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ResourceConfiguration',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ResourceConfiguration'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const auth = p.optStr('ResourceConfigurationAuthType');
    if (auth !== undefined && auth !== 'NONE') {
      // The API Trellis implements has no auth type for resource configurations: refusing
      // is better than creating one that would not enforce what the template asks.
      throw handlerFailed(ctx, `ResourceConfigurationAuthType ${auth} is not supported by Trellis (only NONE).`, 'InvalidRequest');
    }
    const out = await invoke(ctx, 'CreateResourceConfiguration', defined({
      name: p.str('Name'),
      type: p.str('ResourceConfigurationType'),
      portRanges: p.optStrings('PortRanges'),
      protocol: p.optStr('ProtocolType'),
      resourceGatewayIdentifier: p.optStr('ResourceGatewayId'),
      resourceConfigurationGroupIdentifier: p.optStr('ResourceConfigurationGroupId'),
      resourceConfigurationDefinition: definitionOf(ctx, p),
      allowAssociationToShareableServiceNetwork: p.optBool('AllowAssociationToSharableServiceNetwork'),
      customDomainName: p.optStr('CustomDomainName'),
      groupDomain: p.optStr('GroupDomain'),
      domainVerificationIdentifier: p.optStr('DomainVerificationId'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return configurationResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    for (const name of ['Name', 'ResourceConfigurationGroupId']) assertUnchanged(ctx, 'AWS::VpcLattice::ResourceConfiguration', name, props, previous);
    const changed = (name: string) => !sameJson(props[name], previous[name]);
    if (changed('ResourceConfigurationDefinition') || changed('AllowAssociationToSharableServiceNetwork') || changed('PortRanges')) {
      await invoke(ctx, 'UpdateResourceConfiguration', defined({
        resourceConfigurationIdentifier: arn,
        resourceConfigurationDefinition: changed('ResourceConfigurationDefinition') ? definitionOf(ctx, p) : undefined,
        allowAssociationToShareableServiceNetwork: changed('AllowAssociationToSharableServiceNetwork') ? p.optBool('AllowAssociationToSharableServiceNetwork') ?? false : undefined,
        portRanges: changed('PortRanges') ? p.optStrings('PortRanges') ?? [] : undefined,
      }));
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return configurationResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Resource configuration ${arn}`,
      () => invoke(ctx, 'GetResourceConfiguration', { resourceConfigurationIdentifier: arn }),
      () => invoke(ctx, 'DeleteResourceConfiguration', { resourceConfigurationIdentifier: arn }));
  },
};

// ---- DomainVerification -------------------------------------------------------------------

async function verificationResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await invoke(ctx, 'GetDomainVerification', { domainVerificationIdentifier: arn });
  const txt = g.txtMethodConfig;
  return {
    physicalId: g.arn,
    attributes: defined({
      Arn: g.arn, Id: g.id, Status: g.status,
      // The schema names the members in lower case: TxtMethodConfig.name / .value.
      TxtMethodConfig: txt ? { name: txt.name, value: txt.value } : undefined,
      'TxtMethodConfig.name': txt?.name, 'TxtMethodConfig.value': txt?.value,
    }),
  };
}

export const domainVerificationProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::DomainVerification',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::DomainVerification'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'StartDomainVerification', defined({ domainName: p.str('DomainName'), tags: p.tags(), clientToken: resourceToken(ctx) }));
    return verificationResource(ctx, out.arn);
  },
  async update(ctx, arn, props, previous) {
    await syncTags(ctx, arn, reader(ctx, previous).tags(), reader(ctx, props).tags());
    return verificationResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Domain verification ${arn}`,
      () => invoke(ctx, 'GetDomainVerification', { domainVerificationIdentifier: arn }),
      () => invoke(ctx, 'DeleteDomainVerification', { domainVerificationIdentifier: arn }));
  },
};
