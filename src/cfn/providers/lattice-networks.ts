import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from '../contracts.js';
import { assertUnchanged, deleteQuietly, invoke, resourceToken, syncTags, untilActive } from './lattice-call.js';
import { generateName, latticeNameRule } from './names.js';
import { PropReader, defined, sameJson, sameSet } from './props.js';

/*
 * AWS::VpcLattice::ServiceNetwork, ::Service and the three service-network associations.
 * Each maps its PascalCase properties to the API's camelCase input (LATTICE.md §8), creates
 * through the control plane's handlers, waits for ACTIVE where the API creates
 * asynchronously, and answers Ref = Arn and the schema's readOnlyProperties as attributes.
 */

const snName = latticeNameRule('ServiceNetworkName');
const svcName = latticeNameRule('ServiceName');

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

// ---- ServiceNetwork -----------------------------------------------------------------------

async function serviceNetworkResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await invoke(ctx, 'GetServiceNetwork', { serviceNetworkIdentifier: arn });
  return { physicalId: g.arn!, attributes: { Arn: g.arn, Id: g.id, CreatedAt: g.createdAt, LastUpdatedAt: g.lastUpdatedAt } };
}

export const serviceNetworkProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ServiceNetwork',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ServiceNetwork'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const sharing = p.child('SharingConfig');
    const out = await invoke(ctx, 'CreateServiceNetwork', defined({
      name: p.optStr('Name') ?? generateName(ctx, snName),
      authType: p.optStr('AuthType'),
      sharingConfig: sharing.has('enabled') ? { enabled: sharing.optBool('enabled') } : undefined,
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return serviceNetworkResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    assertUnchanged(ctx, 'AWS::VpcLattice::ServiceNetwork', 'SharingConfig', props, previous);
    if (!sameJson(props.AuthType ?? 'NONE', previous.AuthType ?? 'NONE')) {
      await invoke(ctx, 'UpdateServiceNetwork', { serviceNetworkIdentifier: arn, authType: p.optStr('AuthType') ?? 'NONE' });
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return serviceNetworkResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Service network ${arn}`,
      () => invoke(ctx, 'GetServiceNetwork', { serviceNetworkIdentifier: arn }),
      () => invoke(ctx, 'DeleteServiceNetwork', { serviceNetworkIdentifier: arn }));
  },
};

// ---- Service ------------------------------------------------------------------------------

async function serviceResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Service ${arn}`, () => invoke(ctx, 'GetService', { serviceIdentifier: arn }));
  return {
    physicalId: g.arn!,
    attributes: defined({
      Arn: g.arn, Id: g.id, Status: g.status, CreatedAt: g.createdAt, LastUpdatedAt: g.lastUpdatedAt,
      'DnsEntry.DomainName': g.dnsEntry?.domainName, 'DnsEntry.HostedZoneId': g.dnsEntry?.hostedZoneId,
    }),
  };
}

export const serviceProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::Service',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::Service'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'CreateService', defined({
      name: p.optStr('Name') ?? generateName(ctx, svcName),
      authType: p.optStr('AuthType'),
      certificateArn: p.optStr('CertificateArn'),
      customDomainName: p.optStr('CustomDomainName'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return serviceResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    const authChanged = !sameJson(props.AuthType ?? 'NONE', previous.AuthType ?? 'NONE');
    const certChanged = !sameJson(props.CertificateArn, previous.CertificateArn);
    if (authChanged || certChanged) {
      await invoke(ctx, 'UpdateService', defined({
        serviceIdentifier: arn, authType: authChanged ? p.optStr('AuthType') ?? 'NONE' : undefined,
        certificateArn: certChanged ? p.optStr('CertificateArn') : undefined,
      }));
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return serviceResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Service ${arn}`,
      () => invoke(ctx, 'GetService', { serviceIdentifier: arn }),
      () => invoke(ctx, 'DeleteService', { serviceIdentifier: arn }));
  },
};

// ---- ServiceNetworkServiceAssociation -----------------------------------------------------

async function snsaResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Service network service association ${arn}`,
    () => invoke(ctx, 'GetServiceNetworkServiceAssociation', { serviceNetworkServiceAssociationIdentifier: arn }));
  return {
    physicalId: g.arn!,
    attributes: defined({
      Arn: g.arn, Id: g.id, Status: g.status, CreatedAt: g.createdAt,
      ServiceArn: g.serviceArn, ServiceId: g.serviceId, ServiceName: g.serviceName,
      ServiceNetworkArn: g.serviceNetworkArn, ServiceNetworkId: g.serviceNetworkId, ServiceNetworkName: g.serviceNetworkName,
      'DnsEntry.DomainName': g.dnsEntry?.domainName, 'DnsEntry.HostedZoneId': g.dnsEntry?.hostedZoneId,
    }),
  };
}

export const serviceNetworkServiceAssociationProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ServiceNetworkServiceAssociation',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ServiceNetworkServiceAssociation'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'CreateServiceNetworkServiceAssociation', defined({
      serviceIdentifier: p.str('ServiceIdentifier'),
      serviceNetworkIdentifier: p.str('ServiceNetworkIdentifier'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return snsaResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    await syncTags(ctx, arn, reader(ctx, previous).tags(), reader(ctx, props).tags());
    return snsaResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Service network service association ${arn}`,
      () => invoke(ctx, 'GetServiceNetworkServiceAssociation', { serviceNetworkServiceAssociationIdentifier: arn }),
      () => invoke(ctx, 'DeleteServiceNetworkServiceAssociation', { serviceNetworkServiceAssociationIdentifier: arn }));
  },
};

// ---- ServiceNetworkVpcAssociation ---------------------------------------------------------

async function snvaResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Service network VPC association ${arn}`,
    () => invoke(ctx, 'GetServiceNetworkVpcAssociation', { serviceNetworkVpcAssociationIdentifier: arn }));
  return {
    physicalId: g.arn!,
    attributes: defined({
      Arn: g.arn, Id: g.id, Status: g.status, CreatedAt: g.createdAt, VpcId: g.vpcId,
      ServiceNetworkArn: g.serviceNetworkArn, ServiceNetworkId: g.serviceNetworkId, ServiceNetworkName: g.serviceNetworkName,
    }),
  };
}

export const serviceNetworkVpcAssociationProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ServiceNetworkVpcAssociation',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ServiceNetworkVpcAssociation'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const dns = p.child('DnsOptions');
    const out = await invoke(ctx, 'CreateServiceNetworkVpcAssociation', defined({
      serviceNetworkIdentifier: p.str('ServiceNetworkIdentifier'),
      vpcIdentifier: p.str('VpcIdentifier'),
      securityGroupIds: p.optStrings('SecurityGroupIds'),
      privateDnsEnabled: p.optBool('PrivateDnsEnabled'),
      dnsOptions: p.has('DnsOptions')
        ? defined({ privateDnsPreference: dns.optStr('PrivateDnsPreference'), privateDnsSpecifiedDomains: dns.optStrings('PrivateDnsSpecifiedDomains') })
        : undefined,
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return snvaResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    const groups = p.optStrings('SecurityGroupIds');
    if (!sameSet(groups, reader(ctx, previous).optStrings('SecurityGroupIds'))) {
      await invoke(ctx, 'UpdateServiceNetworkVpcAssociation', { serviceNetworkVpcAssociationIdentifier: arn, securityGroupIds: groups ?? [] });
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return snvaResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Service network VPC association ${arn}`,
      () => invoke(ctx, 'GetServiceNetworkVpcAssociation', { serviceNetworkVpcAssociationIdentifier: arn }),
      () => invoke(ctx, 'DeleteServiceNetworkVpcAssociation', { serviceNetworkVpcAssociationIdentifier: arn }));
  },
};

// ---- ServiceNetworkResourceAssociation ----------------------------------------------------

async function snraResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await untilActive(ctx, `Service network resource association ${arn}`,
    async () => {
      const r = await invoke(ctx, 'GetServiceNetworkResourceAssociation', { serviceNetworkResourceAssociationIdentifier: arn });
      return { ...r, failureMessage: r.failureReason };
    });
  return { physicalId: g.arn!, attributes: defined({ Arn: g.arn, Id: g.id }) };
}

export const serviceNetworkResourceAssociationProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ServiceNetworkResourceAssociation',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ServiceNetworkResourceAssociation'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'CreateServiceNetworkResourceAssociation', defined({
      resourceConfigurationIdentifier: p.str('ResourceConfigurationId'),
      serviceNetworkIdentifier: p.str('ServiceNetworkId'),
      privateDnsEnabled: p.optBool('PrivateDnsEnabled'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return snraResource(ctx, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    await syncTags(ctx, arn, reader(ctx, previous).tags(), reader(ctx, props).tags());
    return snraResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Service network resource association ${arn}`,
      () => invoke(ctx, 'GetServiceNetworkResourceAssociation', { serviceNetworkResourceAssociationIdentifier: arn }),
      () => invoke(ctx, 'DeleteServiceNetworkResourceAssociation', { serviceNetworkResourceAssociationIdentifier: arn }));
  },
};
