import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError, type Template, type TemplateValue } from '../contracts.js';
import { cidrSubnets } from './cidr.js';
import { evaluateConditions } from './conditions.js';
import { evaluate, type EvaluationEnv } from './evaluate.js';
import { parseTemplate } from './parse.js';
import { parseSub } from './sub.js';
import { assertGolden, evaluateStack, LOOKUP, PSEUDO, testdata } from './testdata/golden.js';

const TEMPLATE = parseTemplate(`
Parameters:
  Env: {Type: String, Default: prod}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  M:
    prod: {Size: 3, Names: [x, y]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Never: !Equals [a, b]
Resources:
  Service:
    Type: AWS::VpcLattice::Service
  Maybe:
    Type: AWS::VpcLattice::Service
    Condition: Never
  Listener:
    Type: AWS::VpcLattice::Listener
    Properties:
      DefaultAction:
        Forward:
          TargetGroups:
            - TargetGroupIdentifier: !ImportValue missing-tg
`);

const ENV: EvaluationEnv = {
  template: TEMPLATE,
  parameters: { Env: 'prod', Zones: ['a', 'b'] },
  pseudo: PSEUDO,
  conditions: { IsProd: true, Never: false },
  resources: LOOKUP,
};

const ev = (v: TemplateValue) => evaluate(v, ENV);

function fails(v: TemplateValue, message: RegExp, env: EvaluationEnv = ENV): TemplateError {
  try {
    evaluate(v, env, { logicalId: 'Here', path: ['Resources', 'Here', 'Properties', 'P'] });
  } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    assert.match(e.message, message);
    return e;
  }
  assert.fail('evaluated without error');
}

describe('evaluate: each intrinsic', () => {
  const table: [string, TemplateValue, TemplateValue | undefined][] = [
    ['Ref of a parameter', { Ref: 'Env' }, 'prod'],
    ['Ref of a list parameter', { Ref: 'Zones' }, ['a', 'b']],
    ['Ref of AWS::Region', { Ref: 'AWS::Region' }, 'us-east-1'],
    ['Ref of AWS::AccountId', { Ref: 'AWS::AccountId' }, '123456789012'],
    ['Ref of AWS::Partition', { Ref: 'AWS::Partition' }, 'aws'],
    ['Ref of AWS::URLSuffix', { Ref: 'AWS::URLSuffix' }, 'amazonaws.com'],
    ['Ref of AWS::StackName', { Ref: 'AWS::StackName' }, 'golden'],
    ['Ref of AWS::StackId', { Ref: 'AWS::StackId' }, PSEUDO.stackId],
    ['Ref of AWS::NotificationARNs', { Ref: 'AWS::NotificationARNs' }, []],
    ['Ref of AWS::NoValue alone', { Ref: 'AWS::NoValue' }, undefined],
    ['Ref of a resource', { Ref: 'Service' }, 'physical-Service'],
    ['Fn::GetAtt', { 'Fn::GetAtt': ['Service', 'DnsEntry.DomainName'] }, 'Service.DnsEntry.DomainName'],
    ['Fn::GetAtt with a computed attribute', { 'Fn::GetAtt': ['Service', { 'Fn::Join': ['', ['A', 'rn']] }] }, 'Service.Arn'],
    ['Fn::Sub with parameters, pseudo parameters, resources and attributes', { 'Fn::Sub': '${Env}/${AWS::Region}/${Service}/${Service.Arn}' }, 'prod/us-east-1/physical-Service/Service.Arn'],
    ['Fn::Sub with a variable map', { 'Fn::Sub': ['${A}-${Env}', { A: { Ref: 'AWS::AccountId' } }] }, '123456789012-prod'],
    ['Fn::Sub with a literal ${!…}', { 'Fn::Sub': '${!Env} is ${Env}' }, '${Env} is prod'],
    ['Fn::Join', { 'Fn::Join': ['-', ['a', 1, true, { Ref: 'Env' }]] }, 'a-1-true-prod'],
    ['Fn::Join of a list parameter', { 'Fn::Join': [',', { Ref: 'Zones' }] }, 'a,b'],
    ['Fn::Select', { 'Fn::Select': ['1', ['a', 'b', 'c']] }, 'b'],
    ['Fn::Split', { 'Fn::Split': [',', 'a,,b'] }, ['a', '', 'b']],
    ['Fn::ImportValue', { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-vpc' } }, 'imported:prod-vpc'],
    ['Fn::If true', { 'Fn::If': ['IsProd', 'yes', 'no'] }, 'yes'],
    ['Fn::If false', { 'Fn::If': ['Never', 'yes', 'no'] }, 'no'],
    ['Fn::If removing a property', { A: 1, B: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 2] } }, { A: 1 }],
    ['Fn::If removing a list item', ['a', { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 'b'] }, 'c'], ['a', 'c']],
    ['Fn::Equals of a number and its text', { 'Fn::Equals': [80, '80'] }, true],
    ['Fn::And / Fn::Or / Fn::Not', [{ 'Fn::And': [{ 'Fn::Equals': [1, 1] }, { 'Fn::Not': [{ 'Fn::Equals': [1, 2] }] }] }, { 'Fn::Or': [{ 'Fn::Equals': [1, 2] }, { 'Fn::Equals': [2, 3] }] }], [true, false]],
    ['Fn::FindInMap', { 'Fn::FindInMap': ['M', { Ref: 'Env' }, 'Size'] }, 3],
    ['Fn::FindInMap of a list', { 'Fn::FindInMap': ['M', 'prod', 'Names'] }, ['x', 'y']],
    ['Fn::Base64', { 'Fn::Base64': { 'Fn::Sub': 'hi ${Env}' } }, 'aGkgcHJvZA=='],
    ['Fn::GetAZs of the stack region', { 'Fn::GetAZs': '' }, ['us-east-1a', 'us-east-1b', 'us-east-1c']],
    ['Fn::GetAZs of a named region', { 'Fn::GetAZs': 'eu-west-1' }, ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']],
    ['Fn::Cidr', { 'Fn::Cidr': ['10.0.0.0/16', 3, 8] }, ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']],
    ['Fn::Cidr with string arguments', { 'Fn::Cidr': ['10.0.0.0/16', '2', '12'] }, ['10.0.0.0/20', '10.0.16.0/20']],
    ['a plain object, untouched', { Condition: { StringEquals: { a: 'b' } } }, { Condition: { StringEquals: { a: 'b' } } }],
  ];
  for (const [name, input, expected] of table) it(name, () => assert.deepEqual(ev(input), expected));
});

describe('evaluate: errors name the logical id, the path and the line', () => {
  it('a failing ImportValue inside the walkthrough-like listener', () => {
    const e = fails(TEMPLATE.Resources['Listener']!.Properties!, /No export named missing-tg found/);
    assert.equal(e.logicalId, 'Here');
    assert.deepEqual(e.path, ['Resources', 'Here', 'Properties', 'P', 'DefaultAction', 'Forward', 'TargetGroups', 0, 'TargetGroupIdentifier', 'Fn::ImportValue']);
    const real = (() => {
      try { evaluate(TEMPLATE.Resources['Listener']!.Properties!, ENV, { logicalId: 'Listener', path: ['Resources', 'Listener', 'Properties'] }); } catch (err) { return err; }
      return undefined;
    })();
    assert.ok(real instanceof TemplateError);
    assert.equal(real.message, 'No export named missing-tg found (at Resources.Listener.Properties.DefaultAction.Forward.TargetGroups[0].TargetGroupIdentifier.Fn::ImportValue, line 23)');
    assert.equal(real.line, 23);
    assert.equal(real.logicalId, 'Listener');
  });

  const table: [string, TemplateValue, RegExp][] = [
    ['Ref of nothing', { Ref: 'Nope' }, /Unresolved resource dependencies \[Nope\] in the Resources block/],
    ['Ref of a resource whose condition is false', { Ref: 'Maybe' }, /Unresolved resource dependencies \[Maybe\]/],
    ['GetAtt of nothing', { 'Fn::GetAtt': ['Nope', 'Arn'] }, /Unresolved resource dependencies \[Nope\]/],
    ['Sub of nothing', { 'Fn::Sub': '${Nope}' }, /Unresolved resource dependencies \[Nope\]/],
    ['If of an undeclared condition', { 'Fn::If': ['Nope', 1, 2] }, /Unresolved condition dependency Nope in Fn::If/],
    ['Select out of range', { 'Fn::Select': [5, ['a']] }, /Fn::Select cannot select nonexistent value at index 5/],
    ['Join of a string', { 'Fn::Join': [',', { Ref: 'Env' }] }, /Fn::Join requires a list here/],
    ['Join with the wrong arity', { 'Fn::Join': [','] }, /every Fn::Join object requires two parameters/],
    ['FindInMap of a missing key', { 'Fn::FindInMap': ['M', 'dev', 'Size'] }, /Unable to get mapping for M::dev::Size/],
    ['Cidr that does not fit', { 'Fn::Cidr': ['10.0.0.0/24', 2, 9] }, /does not fit/],
    ['Sub of a list parameter', { 'Fn::Sub': '${Zones}' }, /requires a string, got a list/],
    ['an unsupported function', { 'Fn::Length': [1, 2] }, /Encountered unsupported function: Fn::Length/],
    ['Ref with a list', { Ref: ['a'] }, /every Ref object must have a single String value/],
  ];
  for (const [name, input, message] of table) it(name, () => { fails(input, message); });

  it('conditions cannot read resources', () => {
    const { resources: _r, ...noResources } = ENV;
    fails({ Ref: 'Service' }, /Cannot reference resources in the Conditions block/, noResources);
  });
});

describe('evaluateConditions', () => {
  const conditions = (text: string, params: Record<string, string> = {}) => evaluateConditions(parseTemplate(`${text}\nResources:\n  R:\n    Type: T\n`), params, PSEUDO);

  it('evaluates conditions that name each other, in any order', () => {
    assert.deepEqual(conditions('Conditions:\n  B: !Not [!Condition A]\n  A: !Equals [!Ref P, x]\n  C: !Or [!Condition A, !Condition B]', { P: 'x' }), { A: true, B: false, C: true });
  });

  it('reads pseudo parameters and mappings', () => {
    assert.deepEqual(conditions('Mappings:\n  M:\n    us-east-1: {On: "true"}\nConditions:\n  East: !Equals [!FindInMap [M, !Ref "AWS::Region", On], "true"]'), { East: true });
  });

  it('rejects a cycle, a resource reference and a non-condition', () => {
    assert.throws(() => conditions('Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]'), /Circular condition dependency between conditions: \[A, B\]/);
    assert.throws(() => conditions('Conditions:\n  A: !Equals [!Ref R, x]'), /Cannot reference resources in the Conditions block/);
    assert.throws(() => conditions('Conditions:\n  A: !Ref P', { P: 'x' }), /Conditions can only be boolean operations/);
  });
});

describe('Fn::Cidr and Fn::Sub parsing', () => {
  it('computes IPv6 subnets in RFC 5952 text', () => {
    assert.deepEqual(cidrSubnets('2001:db8::/56', 3, 64), ['2001:db8::/64', '2001:db8:0:1::/64', '2001:db8:0:2::/64']);
  });

  it('masks the block to its network address and checks the count', () => {
    assert.deepEqual(cidrSubnets('10.0.5.7/16', 1, 8), ['10.0.0.0/24']);
    assert.match(String(cidrSubnets('10.0.0.0/24', 3, 7)), /holds fewer than 3 subnets/);
    assert.match(String(cidrSubnets('10.0.0.0', 1, 8)), /not a CIDR block/);
  });

  it('splits Sub text into literals and trimmed variables', () => {
    assert.deepEqual(parseSub('a${ B }c${!D}${E.F}${'), [{ literal: 'a' }, { variable: 'B' }, { literal: 'c${D}' }, { variable: 'E.F' }, { literal: '${' }]);
  });
});

describe('evaluate: golden stacks (UPDATE_GOLDEN=1 rewrites them)', () => {
  const stacks: [string, string, Parameters<typeof evaluateStack>[1]][] = [
    ['short-forms.evaluated.json', 'short-forms.yaml', []],
    ['clean-intrinsics.evaluated.json', 'lint/clean-intrinsics.yaml', [{ ParameterKey: 'VpcId', ParameterValue: 'vpc-0123456789abcdef0' }]],
    ['clean-intrinsics.dev.evaluated.json', 'lint/clean-intrinsics.yaml', [{ ParameterKey: 'VpcId', ParameterValue: 'vpc-0123456789abcdef0' }, { ParameterKey: 'Env', ParameterValue: 'dev' }]],
    ['lattice-formation.evaluated.json', 'lattice-formation.yaml', []],
  ];
  for (const [golden, file, given] of stacks) {
    it(file + (golden.includes('.dev.') ? ' (Env=dev)' : ''), () => {
      const template: Template = parseTemplate(testdata(file), file);
      assertGolden(golden, evaluateStack(template, given));
    });
  }
});
