import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError, type Parameter } from '../contracts.js';
import { parseTemplate } from './parse.js';
import { resolveParameters } from './parameters.js';

/** A template with one parameter declared by `decl` (YAML lines under the name). */
const withParameter = (decl: string) => parseTemplate(`Parameters:\n  P:\n${decl.split('\n').map((l) => `    ${l}`).join('\n')}\nResources:\n  R:\n    Type: AWS::VpcLattice::Service\n`);
const given = (value: string): Parameter[] => [{ ParameterKey: 'P', ParameterValue: value }];

function rejects(decl: string, value: string | undefined, message: RegExp): void {
  assert.throws(() => resolveParameters(withParameter(decl), value === undefined ? [] : given(value)), (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.match(e.message, message);
    return true;
  });
}

const accepts = (decl: string, value: string | undefined) => resolveParameters(withParameter(decl), value === undefined ? [] : given(value)).values['P'];

describe('resolveParameters: values and defaults', () => {
  it('takes the given value over the Default', () => {
    assert.equal(accepts('Type: String\nDefault: a', 'b'), 'b');
    assert.equal(accepts('Type: String\nDefault: a', undefined), 'a');
  });

  it('holds numbers as strings, as Ref returns them', () => {
    assert.equal(accepts('Type: Number\nDefault: 80', undefined), '80');
  });

  it('splits list types on commas and trims the members', () => {
    assert.deepEqual(accepts('Type: CommaDelimitedList', 'a, b ,c'), ['a', 'b', 'c']);
    assert.deepEqual(accepts('Type: List<Number>', '1,2'), ['1', '2']);
    assert.deepEqual(accepts('Type: List<AWS::EC2::Subnet::Id>', 'subnet-0a,subnet-0b'), ['subnet-0a', 'subnet-0b']);
    assert.deepEqual(accepts('Type: CommaDelimitedList\nDefault: ""', undefined), []);
  });

  it('accepts AWS-specific ids of the right format', () => {
    assert.equal(accepts('Type: AWS::EC2::VPC::Id', 'vpc-0123456789abcdef0'), 'vpc-0123456789abcdef0');
    assert.equal(accepts('Type: AWS::EC2::SecurityGroup::Id', 'sg-0abc'), 'sg-0abc');
    assert.equal(accepts('Type: AWS::EC2::KeyPair::KeyName', 'any name'), 'any name');
  });

  it('reuses the previous value on UsePreviousValue', () => {
    const t = withParameter('Type: String');
    assert.equal(resolveParameters(t, [{ ParameterKey: 'P', UsePreviousValue: true }], { P: 'old' }).values['P'], 'old');
    assert.throws(() => resolveParameters(t, [{ ParameterKey: 'P', UsePreviousValue: true }]), /Cannot specify usePreviousValue as true/);
  });

  it('masks NoEcho values in the description, not in the values', () => {
    const r = resolveParameters(withParameter('Type: String\nNoEcho: true'), given('s3cret'));
    assert.deepEqual(r.described, [{ ParameterKey: 'P', ParameterValue: '****' }]);
    assert.equal(r.values['P'], 's3cret');
    assert.equal(r.raw['P'], 's3cret');
  });
});

describe('resolveParameters: errors as CloudFormation words them', () => {
  const table: [string, string, string | undefined, RegExp][] = [
    ['a missing value', 'Type: String', undefined, /^Parameters: \[P\] must have values$/],
    ['a value outside AllowedValues', 'Type: String\nAllowedValues: [a, b]', 'c', /^Parameter 'P' must be one of AllowedValues$/],
    ['a list member outside AllowedValues', 'Type: CommaDelimitedList\nAllowedValues: [a, b]', 'a,c', /must be one of AllowedValues/],
    ['a value not matching AllowedPattern (anchored)', 'Type: String\nAllowedPattern: "[a-z]+"', 'abc1', /^Parameter 'P' must match pattern \[a-z\]\+$/],
    ['a ConstraintDescription replacing the message', 'Type: String\nAllowedPattern: "[a-z]+"\nConstraintDescription: lower case only', 'A', /^Parameter 'P' failed to satisfy constraint: lower case only$/],
    ['a value shorter than MinLength', 'Type: String\nMinLength: 3', 'ab', /must contain at least 3 characters/],
    ['a value longer than MaxLength', 'Type: String\nMaxLength: 3', 'abcd', /must contain at most 3 characters/],
    ['a number below MinValue', 'Type: Number\nMinValue: 1', '0', /must be a number not less than 1/],
    ['a number above MaxValue', 'Type: Number\nMaxValue: 10', '11', /must be a number not greater than 10/],
    ['a Number that is not one', 'Type: Number', 'eighty', /^Parameter 'P' must be a number$/],
    ['a List<Number> member that is not one', 'Type: List<Number>', '1,x', /must be a number list/],
    ['a VPC id of the wrong format', 'Type: AWS::EC2::VPC::Id', 'sg-123', /parameter value sg-123 for parameter name P does not exist/],
    ['a subnet list member of the wrong format', 'Type: List<AWS::EC2::Subnet::Id>', 'subnet-1,vpc-2', /parameter value vpc-2/],
    ['an SSM parameter type', 'Type: AWS::SSM::Parameter::Value<String>', 'x', /Parameter Store/],
  ];
  for (const [name, decl, value, message] of table) it(name, () => rejects(decl, value, message));

  it('names every unknown given parameter', () => {
    assert.throws(() => resolveParameters(withParameter('Type: String\nDefault: a'), [{ ParameterKey: 'Nope', ParameterValue: 'x' }, { ParameterKey: 'Other', ParameterValue: 'y' }]),
      /^TemplateError: Parameters: \[Nope, Other\] do not exist in the template$/);
  });

  it('names every missing parameter at once', () => {
    const t = parseTemplate('Parameters:\n  A:\n    Type: String\n  B:\n    Type: Number\nResources:\n  R:\n    Type: T\n');
    assert.throws(() => resolveParameters(t), /^TemplateError: Parameters: \[A, B\] must have values$/);
  });
});
