import type { Capability, Template, TemplateSummary } from '../contracts.js';
import { insufficientCapabilities } from './errors.js';

/** The name property of IAM types whose custom names need CAPABILITY_NAMED_IAM. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
};

export interface CapabilityNeed {
  readonly capability?: Capability;
  /** The resource types that need it, for GetTemplateSummary's CapabilitiesReason. */
  readonly types: readonly string[];
}

/**
 * What a template needs acknowledged, as CloudFormation decides: any AWS::IAM::* resource
 * needs CAPABILITY_IAM, and one with a custom name (RoleName…) CAPABILITY_NAMED_IAM.
 */
export function capabilityNeed(template: Template): CapabilityNeed {
  let named = false;
  const types = new Set<string>();
  for (const r of Object.values(template.Resources)) {
    if (!r.Type.startsWith('AWS::IAM::')) continue;
    types.add(r.Type);
    const nameProp = NAME_PROPERTY[r.Type];
    if (nameProp !== undefined && r.Properties?.[nameProp] !== undefined) named = true;
  }
  if (types.size === 0) return { types: [] };
  return { capability: named ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM', types: [...types] };
}

/** Throws InsufficientCapabilitiesException unless `given` acknowledges what the template needs. */
export function checkCapabilities(template: Template, given: readonly string[] | undefined): void {
  const need = capabilityNeed(template).capability;
  if (!need) return;
  const has = new Set(given ?? []);
  // NAMED_IAM acknowledges everything IAM does.
  if (has.has('CAPABILITY_NAMED_IAM') || (need === 'CAPABILITY_IAM' && has.has('CAPABILITY_IAM'))) return;
  throw insufficientCapabilities([need]);
}

export function summaryOf(template: Template): TemplateSummary {
  const need = capabilityNeed(template);
  return {
    Parameters: Object.entries(template.Parameters).map(([key, p]) => ({
      ParameterKey: key, ParameterType: p.Type, NoEcho: p.NoEcho === true,
      ...(p.Default !== undefined ? { DefaultValue: Array.isArray(p.Default) ? p.Default.join(',') : String(p.Default) } : {}),
      ...(p.Description !== undefined ? { Description: p.Description } : {}),
    })),
    ...(template.Description !== undefined ? { Description: template.Description } : {}),
    Capabilities: need.capability ? [need.capability] : [],
    ...(need.capability ? { CapabilitiesReason: `The following resource(s) require capabilities: [${need.types.join(', ')}]` } : {}),
    ResourceTypes: [...new Set(Object.values(template.Resources).map((r) => r.Type))],
    DeclaredTransforms: [],
  };
}
