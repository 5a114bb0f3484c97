/**
 * CloudFormation's parameter types. AWS-specific types (`AWS::EC2::VPC::Id`, …) are checked
 * against the id format only: AWS also checks that the resource exists, which an emulator
 * that registers VPCs on first sight (control/vpcs.ts) cannot do without rejecting every id
 * it has not seen yet.
 */

/** Id formats of the AWS-specific types; `undefined` = any non-empty string (names). */
const AWS_TYPES: Readonly<Record<string, RegExp | undefined>> = {
  'AWS::EC2::AvailabilityZone::Name': /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
  'AWS::EC2::Image::Id': /^ami-[0-9a-zA-Z]+$/,
  'AWS::EC2::Instance::Id': /^i-[0-9a-zA-Z]+$/,
  'AWS::EC2::KeyPair::KeyName': undefined,
  'AWS::EC2::SecurityGroup::GroupName': undefined,
  'AWS::EC2::SecurityGroup::Id': /^sg-[0-9a-zA-Z]+$/,
  'AWS::EC2::Subnet::Id': /^subnet-[0-9a-zA-Z]+$/,
  'AWS::EC2::Volume::Id': /^vol-[0-9a-zA-Z]+$/,
  'AWS::EC2::VPC::Id': /^vpc-[0-9a-zA-Z]+$/,
  'AWS::Route53::HostedZone::Id': /^[A-Z0-9]+$/,
  'AWS::SSM::Parameter::Name': undefined,
};

export type ParameterKind =
  | { readonly list: false; readonly element: 'String' | 'Number' | string }
  | { readonly list: true; readonly element: 'String' | 'Number' | string };

/** What a declared type means: a list or not, and of what. Undefined for unknown types. */
export function parameterKind(type: string): ParameterKind | undefined {
  if (type === 'String' || type === 'Number') return { list: false, element: type };
  if (type === 'CommaDelimitedList') return { list: true, element: 'String' };
  if (type in AWS_TYPES) return { list: false, element: type };
  const m = /^List<(.+)>$/.exec(type);
  if (m) {
    const inner = m[1]!;
    if (inner === 'Number' || inner === 'String') return { list: true, element: inner };
    if (inner in AWS_TYPES && inner !== 'AWS::SSM::Parameter::Name') return { list: true, element: inner };
  }
  return undefined;
}

/** SSM-backed types name a value Trellis cannot look up; they are rejected, never guessed. */
export function isSsmValueType(type: string): boolean {
  return type.startsWith('AWS::SSM::Parameter::Value<');
}

export function isKnownParameterType(type: string): boolean {
  return parameterKind(type) !== undefined || isSsmValueType(type);
}

export const PARAMETER_TYPES_HINT = 'Known types: String, Number, List<Number>, CommaDelimitedList, the AWS-specific types (AWS::EC2::VPC::Id, …) and List<…> of them.';

/** Why `value` is not a valid element of `element`, or undefined. */
export function elementProblem(element: string, value: string): 'number' | 'format' | undefined {
  if (element === 'String') return undefined;
  if (element === 'Number') return isNumeric(value) ? undefined : 'number';
  const format = AWS_TYPES[element];
  if (value === '') return 'format';
  return format && !format.test(value) ? 'format' : undefined;
}

export function isNumeric(s: string): boolean {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s);
}
