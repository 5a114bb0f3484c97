import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from '../contracts.js';
import { dependencies } from './dependencies.js';
import { parseTemplate } from './parse.js';
import { testdata } from './testdata/golden.js';

const template = (resources: string, extra = '') => parseTemplate(`${extra}Resources:\n${resources}`);

describe('dependencies', () => {
  it('levels the walkthrough: everything without references first, then what refers to it', () => {
    const g = dependencies(parseTemplate(testdata('lattice-formation.yaml')), {});
    assert.deepEqual(g.levels, [
      ['EC2TargetGroup', 'ECSTargetGroup', 'ECSGeneralSecurityGroup', 'EC2GeneralSecurityGroup', 'LatticeServiceNetwork', 'Service'],
      ['GeneralListener', 'ECSVpcAssocination', 'EC2VpcAssocination', 'ServiceNetworkAssocination'],
    ]);
    assert.deepEqual(g.dependsOn['GeneralListener'], ['Service', 'EC2TargetGroup', 'ECSTargetGroup']);
    assert.deepEqual(g.dependsOn['ECSVpcAssocination'], ['ECSGeneralSecurityGroup', 'LatticeServiceNetwork']);
    assert.equal(g.order.length, 10);
  });

  it('follows Ref, GetAtt, Sub (both forms) and DependsOn, but not parameters or pseudo parameters', () => {
    const g = dependencies(template(`  A:\n    Type: T\n  B:\n    Type: T\n    Properties:\n      X: !GetAtt A.Arn\n  C:\n    Type: T\n    Properties:\n      X: !Sub "\${B}-\${AWS::Region}-\${P}"\n  D:\n    Type: T\n    DependsOn: [C]\n    Properties:\n      X: !Sub ["\${V}", {V: !Ref A}]\n`, 'Parameters:\n  P: {Type: String}\n'), {});
    assert.deepEqual(g.levels, [['A'], ['B'], ['C'], ['D']]);
    assert.deepEqual(g.dependsOn['D'], ['A', 'C']);
  });

  it('leaves out resources whose condition is false, and follows only the Fn::If branch taken', () => {
    const t = template(`  A:\n    Type: T\n    Condition: On\n  B:\n    Type: T\n    Condition: Off\n  C:\n    Type: T\n    Properties:\n      X: !If [Off, !Ref B, !Ref A]\n`, 'Conditions:\n  On: !Equals [a, a]\n  Off: !Equals [a, b]\n');
    const g = dependencies(t, { On: true, Off: false });
    assert.deepEqual(g.resources, ['A', 'C']);
    assert.deepEqual(g.levels, [['A'], ['C']]);
    // Without conditions (validation), every resource and both branches count.
    assert.deepEqual(dependencies(t).dependsOn['C'], ['B', 'A']);
  });

  it('rejects a reference to a resource that is not there, or whose condition is false', () => {
    assert.throws(() => dependencies(template('  A:\n    Type: T\n    Properties:\n      X: !Ref Nope\n'), {}),
      (e: unknown) => e instanceof TemplateError && e.message === 'Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template' && e.line === 5 && e.logicalId === 'A');
    const t = template('  A:\n    Type: T\n    Condition: Off\n  B:\n    Type: T\n    DependsOn: A\n', 'Conditions:\n  Off: !Equals [a, b]\n');
    assert.throws(() => dependencies(t, { Off: false }), /Unresolved resource dependencies \[A\] in the Resources block/);
    assert.throws(() => dependencies(parseTemplate('Resources:\n  A:\n    Type: T\nOutputs:\n  O:\n    Value: !GetAtt B.Arn\n'), {}),
      /Unresolved resource dependencies \[B\] in the Outputs block/);
  });

  it('rejects cycles, naming the resources in them and not those merely waiting', () => {
    const t = template('  A:\n    Type: T\n    Properties:\n      X: !Ref B\n  B:\n    Type: T\n    DependsOn: A\n  C:\n    Type: T\n    DependsOn: B\n  D:\n    Type: T\n    DependsOn: D\n');
    assert.throws(() => dependencies(t, {}), (e: unknown) => e instanceof TemplateError && e.message === 'Circular dependency between resources: [A, B, D]' && e.logicalId === 'A');
  });
});
