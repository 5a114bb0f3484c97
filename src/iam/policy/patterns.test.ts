import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conditionKeys } from './context-keys.js';
import { compilePattern, globMatch, parsePattern, type Piece } from './patterns.js';
import { prng } from './test-support.js';

const none = conditionKeys([]);
const glob = (p: string, v: string, ignoreCase = false) => compilePattern(p, { wildcards: true, variables: true, ignoreCase })(v, none);

describe('IAM wildcard patterns', () => {
  const rows: readonly [string, string, boolean][] = [
    ['*', '', true], ['*', 'anything/at:all', true], ['a*', 'a', true], ['a*', 'ba', false],
    ['*/rates', 'arn:aws:vpc-lattice:us-west-2:1:service/svc-1/rates', true], // `*` crosses `:` and `/`
    ['a?c', 'abc', true], ['a?c', 'ac', false], ['a?c', 'abbc', false], ['a*c*e', 'abcde', true], ['a*c*e', 'abcdf', false],
    ['*a*a*a*', 'aaa', true], ['*a*a*a*', 'aa', false], ['a.b', 'axb', false], ['(x)+', '(x)+', true], ['', '', true], ['', 'x', false],
    ['line*', 'line1\nline2', true], // `.` in the compiled RegExp matches newlines
  ];
  for (const [p, v, expected] of rows) it(`${JSON.stringify(p)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(v)}`, () => assert.equal(glob(p, v), expected));

  it('ignores case only when asked (actions)', () => {
    assert.equal(glob('vpc-lattice:Get*', 'VPC-LATTICE:getService', true), true);
    assert.equal(glob('vpc-lattice:Get*', 'VPC-LATTICE:getService'), false);
    assert.equal(glob('vpc-lattice:GetService', 'vpc-lattice:getservice', true), true);
  });

  it('parses variables, defaults and escapes, and leaves unclosed ones literal', () => {
    assert.deepEqual(parsePattern("a${aws:username}b${aws:PrincipalTag/t, 'x y'}${*}${$", { wildcards: true, variables: true }), [
      { kind: 'text', text: 'a' }, { kind: 'var', key: 'aws:username' }, { kind: 'text', text: 'b' },
      { kind: 'var', key: 'aws:principaltag/t', fallback: 'x y' }, { kind: 'text', text: '*${$' },
    ]);
    assert.deepEqual(parsePattern('${not a key}', { wildcards: true, variables: true }), [{ kind: 'text', text: '${not a key}' }]);
  });

  it('resolves variables only from single-valued keys', () => {
    const m = compilePattern('/home/${aws:username}', { wildcards: true, variables: true });
    assert.equal(m('/home/alice', conditionKeys([['aws:username', ['alice']]])), true);
    assert.equal(m('/home/alice', conditionKeys([['aws:username', ['alice', 'bob']]])), false);
  });

  it('globMatch agrees with a RegExp oracle on random patterns (seeded)', () => {
    const seed = 20261126;
    const r = prng(seed);
    const alphabet = ['a', 'b', '/', ':'];
    for (let n = 0; n < 5000; n++) {
      const pieces: Piece[] = [];
      for (let i = r.int(6); i > 0; i--) {
        const k = r.int(4);
        pieces.push(k === 0 ? { kind: 'star' } : k === 1 ? { kind: 'one' } : { kind: 'text', text: Array.from({ length: 1 + r.int(2) }, () => r.pick(alphabet)).join('') });
      }
      const value = Array.from({ length: r.int(7) }, () => r.pick(alphabet)).join('');
      const re = new RegExp(`^${pieces.map((p) => (p.kind === 'star' ? '.*' : p.kind === 'one' ? '.' : (p as { text: string }).text.replace(/[/]/g, '\\/'))).join('')}$`, 's');
      assert.equal(globMatch(pieces, value, false), re.test(value), `seed ${seed} case ${n}: ${JSON.stringify(pieces)} vs ${value}`);
    }
  });
});
