/**
 * Pseudo parameters: what `Ref: AWS::Region` and friends return. The stack engine knows the
 * account, region and stack; everything else follows from them.
 */
export interface PseudoParameters {
  readonly accountId: string;
  readonly region: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly notificationArns?: readonly string[];
}

/** `Ref: AWS::NoValue`: removes the property (or list item) it stands for. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type NoValue = typeof NO_VALUE;

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId', 'AWS::NoValue', 'AWS::NotificationARNs', 'AWS::Partition', 'AWS::Region',
  'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
] as const;

const KNOWN = new Set<string>(PSEUDO_PARAMETERS);

export function isPseudoParameter(name: string): boolean {
  return KNOWN.has(name);
}

/** The partition a region belongs to, as ARNs spell it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export function urlSuffixOf(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The value of a pseudo parameter, or undefined when `name` is not one. */
export function pseudoValue(name: string, p: PseudoParameters): string | readonly string[] | NoValue | undefined {
  switch (name) {
    case 'AWS::AccountId': return p.accountId;
    case 'AWS::Region': return p.region;
    case 'AWS::Partition': return partitionOf(p.region);
    case 'AWS::URLSuffix': return urlSuffixOf(p.region);
    case 'AWS::StackName': return p.stackName;
    case 'AWS::StackId': return p.stackId;
    case 'AWS::NotificationARNs': return p.notificationArns ?? [];
    case 'AWS::NoValue': return NO_VALUE;
    default: return undefined;
  }
}

/** Availability zones for `Fn::GetAZs`: Trellis's regions have three, `a` to `c`. */
export function availabilityZones(region: string): string[] {
  return ['a', 'b', 'c'].map((z) => `${region}${z}`);
}
