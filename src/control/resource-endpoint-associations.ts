import { parseIdentifier } from '../model/index.js';
import type * as T from '../model/index.js';
import type { ResourceRecord } from '../store/index.js';
import { compact, paginate, placeOf, resolve } from './common.js';
import type { CallContext, Handlers } from './context.js';

/**
 * Associations of a resource configuration with a VPC endpoint of type Resource. On AWS
 * they are made by EC2 (CreateVpcEndpoint with a resource configuration), an API Trellis
 * does not have; whatever registers such an endpoint writes records of this kind, with
 * refs [resourceConfigurationId]. Lattice itself only lists and deletes them, so without
 * that EC2 side the list is normally empty.
 */
export interface ResourceEndpointAssociationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly resourceConfigurationId: string;
  readonly resourceConfigurationArn: string;
  readonly resourceConfigurationName: string;
  readonly vpcEndpointId: string;
  readonly vpcEndpointOwner: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly payerResponsibility?: readonly T.PayerResponsibilityEntry[];
}

type Doc = ResourceEndpointAssociationDoc;
const KIND = 'resourceendpointassociation';

function summary(d: Doc): T.ResourceEndpointAssociationSummary {
  return compact({
    id: d.id, arn: d.arn, resourceConfigurationId: d.resourceConfigurationId, resourceConfigurationArn: d.resourceConfigurationArn,
    resourceConfigurationName: d.resourceConfigurationName, vpcEndpointId: d.vpcEndpointId, vpcEndpointOwner: d.vpcEndpointOwner,
    createdBy: d.createdBy, createdAt: d.createdAt, payerResponsibility: d.payerResponsibility,
  });
}

/** The id an identifier names in this account and region, or null (List declares no 404: empty). */
function idIn(call: CallContext, identifier: string, kind: 'resourceconfiguration' | 'resourceendpointassociation'): string | null {
  const ref = parseIdentifier(identifier);
  if (!ref || ref.kind !== kind) return null;
  if (ref.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region)) return null;
  return ref.id;
}

export const resourceEndpointAssociationHandlers: Handlers = {
  /** The model requires the resource configuration; the other members narrow the list. */
  async ListResourceEndpointAssociations(cp, call, input) {
    const rcfgId = idIn(call, input.resourceConfigurationIdentifier, 'resourceconfiguration');
    const reaId = input.resourceEndpointAssociationIdentifier === undefined ? undefined
      : idIn(call, input.resourceEndpointAssociationIdentifier, 'resourceendpointassociation');
    if (rcfgId === null || reaId === null) return { items: [] };
    const keep = (r: ResourceRecord<Doc>): boolean => r.doc.resourceConfigurationId === rcfgId
      && (reaId === undefined || r.id === reaId)
      && (input.vpcEndpointId === undefined || r.doc.vpcEndpointId === input.vpcEndpointId)
      && (input.vpcEndpointOwner === undefined || r.doc.vpcEndpointOwner === input.vpcEndpointOwner);
    const page = await paginate<Doc, T.ResourceEndpointAssociationSummary>(cp.store, placeOf(call), KIND, { ref: rcfgId }, input, (r) => summary(r.doc), keep);
    return compact(page);
  },

  async DeleteResourceEndpointAssociation(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.resourceEndpointAssociationIdentifier);
      await tx.delete(KIND, placeOf(call), rec.id);
      const d = rec.doc;
      return compact({
        id: d.id, arn: d.arn, resourceConfigurationId: d.resourceConfigurationId, resourceConfigurationArn: d.resourceConfigurationArn,
        vpcEndpointId: d.vpcEndpointId,
      });
    });
  },
};
