import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate } from './parse.js';
import { formatPath } from './paths.js';
import { resourceSchema, supportedResourceTypes } from './schema.js';
import { conformProperties } from './schema-conform.js';
import { compiled } from './schema-check.js';
import type { SchemaNode } from './schema-types.js';
import { testdata } from './testdata/golden.js';
import { formatFinding, lintTemplate, validateTemplate, type Finding } from './validate.js';

/** Findings of a template with one resource of `type` and these Properties lines. */
function findings(type: string, props: string, extra = ''): Finding[] {
  const other = '  O:\n    Type: AWS::VpcLattice::Service\n';
  return lintTemplate(`${extra}Resources:\n  R:\n    Type: ${type}\n    Properties:\n${props.split('\n').map((l) => `      ${l}`).join('\n')}\n${other}`);
}

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.rule} ${formatPath(f.path)}`);

describe('resource schemas', () => {
  it('covers every type of the spec folder', () => {
    assert.equal(supportedResourceTypes().length, 22);
    assert.ok(supportedResourceTypes().includes('AWS::VpcLattice::TargetGroup'));
    assert.equal(resourceSchema('AWS::S3::Bucket'), undefined);
  });

  it('reads every pattern of every schema (\\p{L} needs Unicode mode, \\- outside a class the plain one)', () => {
    const unreadable: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) { v.forEach(walk); return; }
      if (v === null || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v as SchemaNode)) {
        if (k === 'pattern' && typeof x === 'string') { if (!compiled(x)) unreadable.push(x); } else walk(x);
      }
    };
    for (const type of supportedResourceTypes()) walk(resourceSchema(type)!.schema);
    assert.deepEqual(unreadable, []);
    assert.ok(compiled('^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$')!.test('Env'));
  });

  it('gives what the engine and providers read', () => {
    const tg = resourceSchema('AWS::VpcLattice::TargetGroup')!;
    assert.deepEqual(tg.primaryIdentifier, ['/properties/Arn']);
    assert.ok(tg.createOnlyProperties.includes('/properties/Config/Port'));
    assert.deepEqual(tg.required, ['Type']);
    assert.ok(tg.properties.includes('Targets') && !tg.properties.includes('Arn'));
    const svc = resourceSchema('AWS::VpcLattice::Service')!;
    assert.deepEqual(svc.attributes, ['Arn', 'CreatedAt', 'DnsEntry.DomainName', 'DnsEntry.HostedZoneId', 'Id', 'LastUpdatedAt', 'Status']);
    // DnsEntry is settable although its members are read-only.
    assert.ok(svc.properties.includes('DnsEntry'));
    assert.deepEqual(resourceSchema('AWS::VpcLattice::AuthPolicy')!.primaryIdentifier, ['/properties/ResourceIdentifier']);
  });
});

describe('conformProperties', () => {
  it('gives handlers the schema\'s JSON types, as CloudFormation does', () => {
    const props = { Name: 123, Type: 'IP', Config: { Port: '80', HealthCheck: { Enabled: 'True', Matcher: { HttpCode: 200 } } }, Targets: [{ Id: '10.0.0.1', Port: '8080' }], Tags: [{ Key: 'k', Value: 'v' }] };
    assert.deepEqual(conformProperties('AWS::VpcLattice::TargetGroup', props), {
      Name: '123', Type: 'IP', Config: { Port: 80, HealthCheck: { Enabled: true, Matcher: { HttpCode: '200' } } }, Targets: [{ Id: '10.0.0.1', Port: 8080 }], Tags: [{ Key: 'k', Value: 'v' }],
    });
  });

  it('leaves what it cannot convert, object-or-string values and unknown types alone', () => {
    assert.deepEqual(conformProperties('AWS::VpcLattice::Listener', { Port: 'eighty' }), { Port: 'eighty' });
    assert.deepEqual(conformProperties('AWS::VpcLattice::AuthPolicy', { Policy: { Version: '2012-10-17' } }), { Policy: { Version: '2012-10-17' } });
    assert.deepEqual(conformProperties('AWS::S3::Bucket', { X: '1' }), { X: '1' });
  });
});

describe('validateTemplate: clean templates', () => {
  for (const name of ['lattice-formation.yaml', 'short-forms.yaml', 'lint/clean-intrinsics.yaml']) {
    it(name, () => assert.deepEqual(lintTemplate(testdata(name)).map((f) => formatFinding(f, name)), []));
  }

  it('accepts what CloudFormation converts: numbers as text, "true", numeric text', () => {
    assert.deepEqual(findings('AWS::VpcLattice::Listener', 'Name: 123\nPort: "80"\nProtocol: HTTP\nDefaultAction: {FixedResponse: {StatusCode: "404"}}'), []);
    assert.deepEqual(findings('AWS::VpcLattice::ServiceNetwork', 'SharingConfig: {enabled: "True"}'), []);
  });
});

describe('validateTemplate: findings', () => {
  const table: [string, string, string, string, string[]][] = [
    ['an unknown property, with a hint', 'AWS::VpcLattice::Service', 'Nmae: x', '', ['error unknown-property Resources.R.Properties.Nmae']],
    ['a missing required property', 'AWS::VpcLattice::TargetGroup', 'Name: abc', '', ['error required Resources.R.Properties']],
    ['a required property removed by AWS::NoValue', 'AWS::VpcLattice::Listener', 'Protocol: HTTP\nDefaultAction: {FixedResponse: {StatusCode: !Ref AWS::NoValue}}', '', ['error required Resources.R.Properties.DefaultAction.FixedResponse']],
    ['a bad enum value', 'AWS::VpcLattice::Service', 'AuthType: OPEN', '', ['error enum Resources.R.Properties.AuthType']],
    ['a bad pattern', 'AWS::VpcLattice::Service', 'Name: svc-reserved', '', ['error pattern Resources.R.Properties.Name']],
    ['a string too long', 'AWS::VpcLattice::Service', `Name: ${'a'.repeat(41)}`, '', ['error length Resources.R.Properties.Name']],
    ['a number out of range', 'AWS::VpcLattice::Listener', 'Port: 0\nProtocol: HTTP\nDefaultAction: {FixedResponse: {StatusCode: 404}}', '', ['error range Resources.R.Properties.Port']],
    ['a list too long', 'AWS::VpcLattice::Listener', `Protocol: HTTP\nDefaultAction: {Forward: {TargetGroups: [${Array(11).fill('{TargetGroupIdentifier: tg-0123456789abcdef0}').join(', ')}]}}`, '', ['error items Resources.R.Properties.DefaultAction.Forward.TargetGroups']],
    ['a scalar where an object goes', 'AWS::VpcLattice::Listener', 'Protocol: HTTP\nDefaultAction: forward', '', ['error type Resources.R.Properties.DefaultAction']],
    ['text that is no integer', 'AWS::VpcLattice::Listener', 'Port: eighty\nProtocol: HTTP\nDefaultAction: {FixedResponse: {StatusCode: 404}}', '', ['error type Resources.R.Properties.Port']],
    ['an Fn::Sub where a list goes', 'AWS::VpcLattice::Service', 'Tags: !Sub x', '', ['error type Resources.R.Properties.Tags']],
    ['both Fn::If branches checked', 'AWS::VpcLattice::Service', 'AuthType: !If [C, NONE, OPEN]', 'Conditions:\n  C: !Equals [a, a]\n', ['error enum Resources.R.Properties.AuthType.Fn::If[2]']],
    ['exactly one of requiredXor', 'AWS::EC2::SecurityGroup', 'GroupDescription: x\nSecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 80, ToPort: 80}', '', ['error exclusive Resources.R.Properties.SecurityGroupIngress[0]']],
    ['a TCP rule without ports', 'AWS::EC2::SecurityGroup', 'GroupDescription: x\nSecurityGroupIngress:\n  - {IpProtocol: tcp, CidrIp: 10.0.0.0/8}\n  - {IpProtocol: "-1", CidrIp: 10.0.0.0/8}', '', ['error required Resources.R.Properties.SecurityGroupIngress[0]']],
    ['a dependent property missing', 'AWS::EC2::SecurityGroup', 'GroupDescription: x\nSecurityGroupEgress:\n  - {IpProtocol: "-1", CidrIp: 0.0.0.0/0}', '', ['error required Resources.R.Properties']],
    ['a Ref to nothing', 'AWS::VpcLattice::Service', 'Name: !Ref Nope', '', ['error bad-ref Resources.R.Properties.Name.Ref']],
    ['a misspelt pseudo parameter', 'AWS::VpcLattice::Service', 'Name: !Ref AWS::Regin', '', ['error bad-ref Resources.R.Properties.Name.Ref']],
    ['a Sub variable naming nothing', 'AWS::VpcLattice::Service', 'Name: !Sub "${Nope}-x"', '', ['error bad-ref Resources.R.Properties.Name.Fn::Sub']],
    ['a GetAtt of a missing attribute', 'AWS::VpcLattice::Service', 'Name: !GetAtt O.DnsName', '', ['error bad-getatt Resources.R.Properties.Name.Fn::GetAtt[1]']],
    ['a Sub attribute that does not exist', 'AWS::VpcLattice::Service', 'Name: !Sub "${O.Nope}"', '', ['error bad-getatt Resources.R.Properties.Name.Fn::Sub']],
    ['an Fn::If of an undeclared condition', 'AWS::VpcLattice::Service', 'Name: !If [Nope, abc, def]', '', ['error bad-condition Resources.R.Properties.Name.Fn::If[0]']],
    ['a FindInMap of an undeclared mapping and key', 'AWS::VpcLattice::Service', 'Name: !FindInMap [M, a, b]\nAuthType: !FindInMap [N, x, z]', 'Mappings:\n  N:\n    x: {y: NONE}\n', ['error bad-mapping Resources.R.Properties.Name.Fn::FindInMap[0]', 'error bad-mapping Resources.R.Properties.AuthType.Fn::FindInMap[2]']],
    ['a badly shaped intrinsic', 'AWS::VpcLattice::Service', 'Name: !Select [0]', '', ['error intrinsic Resources.R.Properties.Name.Fn::Select']],
    ['an unsupported function', 'AWS::VpcLattice::Service', 'Name: {"Fn::Length": [1]}', '', ['error intrinsic Resources.R.Properties.Name.Fn::Length']],
    ['a read-only property set', 'AWS::VpcLattice::Service', 'Arn: arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0123456789abcdef0', '', ['warning read-only Resources.R.Properties.Arn']],
    ['an unsupported type', 'AWS::S3::Bucket', 'BucketName: x', '', ['error unsupported-type Resources.R.Type']],
    ['a Default outside AllowedValues', 'AWS::VpcLattice::Service', 'Name: !Ref P', 'Parameters:\n  P: {Type: String, Default: c, AllowedValues: [a, b]}\n', ['error parameter Parameters.P.Default']],
  ];
  for (const [name, type, props, extra, expected] of table) {
    it(name, () => assert.deepEqual(summary(findings(type, props, extra)), expected));
  }

  it('words findings for people, with the line and a hint', () => {
    const [f] = findings('AWS::VpcLattice::Service', 'AuthType: NONE\nNmae: x');
    assert.equal(formatFinding(f!, 'svc.yaml'), "svc.yaml:6: error [unknown-property] Resources.R.Properties.Nmae: Unknown property 'Nmae' in AWS::VpcLattice::Service (did you mean 'Name'?)");
    const [t] = findings('AWS::VpcLattice::Servic', 'Name: x');
    assert.match(t!.message, /^Trellis does not support resource type AWS::VpcLattice::Servic \(did you mean AWS::VpcLattice::Service\?\)$/);
    assert.equal(t!.logicalId, 'R');
  });

  it('reports conditions that read resources, DependsOn to nothing and cycles', () => {
    const fs = lintTemplate('Conditions:\n  C: !Equals [!Ref A, x]\nResources:\n  A:\n    Type: AWS::VpcLattice::Service\n    DependsOn: [B, Nope]\n  B:\n    Type: AWS::VpcLattice::Service\n    Properties:\n      Name: !Sub "${A}"\n');
    assert.deepEqual(summary(fs), [
      'error bad-ref Conditions.C.Fn::Equals[0].Ref',
      'error circular Resources.A',
      'error bad-ref Resources.A.DependsOn[1]',
      'error circular Resources.B',
    ]);
  });

  it('turns a parse error into one finding with its line', () => {
    assert.deepEqual(lintTemplate('Resources:\n  A:\n    Type: T\n    Typo: x\n'), [{ severity: 'error', rule: 'format', path: ['Resources', 'A', 'Typo'], message: "Template format error: Invalid template resource property 'Typo'", line: 4, logicalId: 'A' }]);
  });

  it('validates a template given as data (no lines)', () => {
    const t = parseTemplate(JSON.stringify(parseTemplate(testdata('lint/typo-property.yaml'))));
    const fs = validateTemplate({ ...t });
    assert.deepEqual(summary(fs), ['error unknown-property Resources.Service.Properties.Nmae']);
    assert.equal(fs[0]!.line, undefined);
  });
});
