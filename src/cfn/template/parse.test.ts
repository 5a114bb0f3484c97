import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from '../contracts.js';
import { parseTemplate } from './parse.js';
import { lineOf, formatPath } from './paths.js';
import { assertGolden, testdata } from './testdata/golden.js';

/** The TemplateError a text gives (fails the test when it parses). */
function parseError(text: string): TemplateError {
  try {
    parseTemplate(text);
  } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    return e;
  }
  assert.fail('parsed without error');
}

const minimal = (resources: string) => `Resources:\n${resources}`;

describe('parseTemplate: golden long forms (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const name of ['short-forms.yaml', 'lattice-formation.yaml', 'lint/clean-intrinsics.yaml']) {
    it(name, () => {
      assertGolden(`${name.replace('lint/', '').replace('.yaml', '')}.parsed.json`, parseTemplate(testdata(name), name));
    });
  }
});

describe('parseTemplate: short forms', () => {
  const value = (yaml: string) => parseTemplate(minimal(`  R:\n    Type: AWS::VpcLattice::Service\n    Properties:\n      V: ${yaml}\n`)).Resources['R']!.Properties!['V'];
  const table: [string, unknown][] = [
    ['!Ref Env', { Ref: 'Env' }],
    ['!GetAtt Service.Arn', { 'Fn::GetAtt': ['Service', 'Arn'] }],
    ['!GetAtt Service.DnsEntry.DomainName', { 'Fn::GetAtt': ['Service', 'DnsEntry.DomainName'] }],
    ['!GetAtt [Service, Arn]', { 'Fn::GetAtt': ['Service', 'Arn'] }],
    ['!Sub "${A}-x"', { 'Fn::Sub': '${A}-x' }],
    ['!Sub ["${A}", {A: b}]', { 'Fn::Sub': ['${A}', { A: 'b' }] }],
    ['!Join [",", [a, b]]', { 'Fn::Join': [',', ['a', 'b']] }],
    ['!Select [0, !GetAZs ""]', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ['!Split [",", "a,b"]', { 'Fn::Split': [',', 'a,b'] }],
    ['!ImportValue ec2-vpc', { 'Fn::ImportValue': 'ec2-vpc' }],
    ['!If [C, a, !Ref AWS::NoValue]', { 'Fn::If': ['C', 'a', { Ref: 'AWS::NoValue' }] }],
    ['!Equals [a, b]', { 'Fn::Equals': ['a', 'b'] }],
    ['!And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or [!Condition A, !Not [!Condition B]]', { 'Fn::Or': [{ Condition: 'A' }, { 'Fn::Not': [{ Condition: 'B' }] }] }],
    ['!FindInMap [M, k, v]', { 'Fn::FindInMap': ['M', 'k', 'v'] }],
    ['!Base64 hello', { 'Fn::Base64': 'hello' }],
    ['!Cidr [10.0.0.0/16, 4, 8]', { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }],
  ];
  for (const [yaml, long] of table) it(yaml, () => assert.deepEqual(value(yaml), long));

  it('reads the long form in JSON exactly as the short form in YAML', () => {
    const yaml = parseTemplate(testdata('short-forms.yaml'));
    const json = parseTemplate(JSON.stringify(yaml));
    assert.deepEqual(json, yaml);
  });

  it('rejects an unknown tag and a GetAtt without an attribute, with the line', () => {
    const unknown = parseError(minimal('  R:\n    Type: AWS::VpcLattice::Service\n    Properties:\n      Name: !Reff X\n'));
    assert.match(unknown.message, /unknown tag !Reff/);
    assert.equal(unknown.line, 5);
    assert.match(parseError(minimal('  R:\n    Type: T\n    Properties:\n      Name: !GetAtt Service\n')).message, /LogicalId\.Attribute/);
  });
});

describe('parseTemplate: values as CloudFormation reads them', () => {
  it('keeps an unquoted date and version-like scalars as strings', () => {
    const t = parseTemplate('AWSTemplateFormatVersion: 2010-09-09\nResources:\n  R:\n    Type: T\n    Properties:\n      Version: 2012-10-17\n      Yes: yes\n      Port: 80\n');
    assert.equal(t.AWSTemplateFormatVersion, '2010-09-09');
    assert.deepEqual(t.Resources['R']!.Properties, { Version: '2012-10-17', Yes: 'yes', Port: 80 });
  });

  it('defaults the optional sections and lists DependsOn', () => {
    const t = parseTemplate(minimal('  A:\n    Type: T\n  B:\n    Type: T\n    DependsOn: A\n'));
    assert.deepEqual([t.Parameters, t.Mappings, t.Conditions, t.Outputs], [{}, {}, {}, {}]);
    assert.deepEqual(t.Resources['B']!.DependsOn, ['A']);
  });

  it('remembers the line of every key and list item (YAML and JSON)', () => {
    const t = parseTemplate(testdata('lattice-formation.yaml'));
    assert.equal(lineOf(t, ['Resources', 'GeneralListener', 'Properties', 'DefaultAction', 'Forward', 'TargetGroups', 1]), 73);
    assert.equal(lineOf(t, ['Resources', 'Service', 'Type']), 149);
    // A path below a known one falls back to the nearest line that is known.
    assert.equal(lineOf(t, ['Resources', 'Service', 'Properties', 'Name', 'Ref']), 152);
    const json = parseTemplate('{\n  "Resources": {\n    "A": {\n      "Type": "T",\n      "Properties": { "Name": "x" }\n    }\n  }\n}\n');
    assert.equal(lineOf(json, ['Resources', 'A', 'Properties', 'Name']), 5);
  });

  it('formats paths as errors print them', () => {
    assert.equal(formatPath(['Resources', 'Listener', 'Properties', 'DefaultAction', 'Forward', 'TargetGroups', 0]), 'Resources.Listener.Properties.DefaultAction.Forward.TargetGroups[0]');
  });
});

describe('parseTemplate: structural errors', () => {
  const table: [string, string, RegExp, number | undefined, string | undefined][] = [
    ['no Resources', 'Description: x\n', /At least one Resources member must be defined/, undefined, undefined],
    ['empty Resources', 'Resources: {}\n', /At least one Resources member must be defined/, 1, undefined],
    ['a resource without Type', minimal('  A:\n    Properties: {}\n'), /\[\/Resources\/A\] Every Resources object must contain a Type member/, 2, 'A'],
    ['a non-string Type', minimal('  A:\n    Type: [x]\n'), /must contain a Type member/, 3, 'A'],
    ['an unknown top-level section', 'Resource:\n  A:\n    Type: T\n', /Invalid template property or properties \[Resource\]/, 1, undefined],
    ['an unknown resource attribute', minimal('  A:\n    Type: T\n    Propertes: {}\n'), /Invalid template resource property 'Propertes'/, 4, 'A'],
    ['a non-alphanumeric logical id', minimal('  my-res:\n    Type: T\n'), /Resource name my-res is non alphanumeric/, 2, 'my-res'],
    ['DependsOn that is not a string or list', minimal('  A:\n    Type: T\n    DependsOn: {B: 1}\n'), /DependsOn must be a string or a list of strings/, 4, 'A'],
    ['an unknown DeletionPolicy', minimal('  A:\n    Type: T\n    DeletionPolicy: Keep\n'), /Unrecognized DeletionPolicy "Keep"/, 4, 'A'],
    ['a Condition not declared', minimal('  A:\n    Type: T\n    Condition: Nope\n'), /Unresolved dependencies \[Nope\]/, 4, 'A'],
    ['Properties that are not a map', minimal('  A:\n    Type: T\n    Properties: [1]\n'), /Properties must be a map/, 4, 'A'],
    ['a Transform', 'Transform: AWS::Serverless-2016-10-31\n' + minimal('  A:\n    Type: T\n'), /does not support transforms/, 1, undefined],
    ['another template version', 'AWSTemplateFormatVersion: "2011-01-01"\n' + minimal('  A:\n    Type: T\n'), /not a supported value for AWSTemplateFormatVersion/, 1, undefined],
    ['a parameter without Type', 'Parameters:\n  P:\n    Default: x\n' + minimal('  A:\n    Type: T\n'), /Every Parameters object must contain a Type member/, 2, undefined],
    ['an unknown parameter type', 'Parameters:\n  P:\n    Type: Strin\n' + minimal('  A:\n    Type: T\n'), /Unrecognized parameter type: Strin/, 3, undefined],
    ['an output without Value', minimal('  A:\n    Type: T\n') + 'Outputs:\n  O:\n    Description: x\n', /Every Outputs member must contain a Value object/, 5, undefined],
    ['an Export without Name', minimal('  A:\n    Type: T\n') + 'Outputs:\n  O:\n    Value: x\n    Export: {}\n', /Every Export member must contain a Name object/, 7, undefined],
    ['a mapping that is not a map of maps', 'Mappings:\n  M:\n    k: v\n' + minimal('  A:\n    Type: T\n'), /Every Mappings attribute must be a map/, 3, undefined],
    ['a duplicate key', minimal('  A:\n    Type: T\n  A:\n    Type: T\n'), /YAML not well-formed\. \(line 4/, 4, undefined],
    ['a top level that is not a map', '- a\n- b\n', /must be a JSON object or a YAML mapping/, undefined, undefined],
    ['broken JSON', '{"Resources": {', /JSON not well-formed/, undefined, undefined],
  ];
  for (const [name, text, message, line, logicalId] of table) {
    it(name, () => {
      const e = parseError(text);
      assert.match(e.message, message);
      assert.equal(e.line, line, `line of: ${e.message}`);
      assert.equal(e.logicalId, logicalId);
    });
  }
});
