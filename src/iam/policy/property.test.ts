import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conditionOperators, parsePolicyValue } from '../../model/index.js';
import { ANONYMOUS, type AuthContext, type Principal } from '../contracts.js';
import { conditionKeys } from './context-keys.js';
import { compilePolicy, evaluatePolicy, explainPolicy } from './evaluate.js';
import { ACCT, alice, prng, session, stranger, SVC_ARN } from './test-support.js';

/**
 * Property tests and a bounded fuzz run of the evaluator, from fixed seeds (printed in every
 * failure message, so a failing case can be replayed): random policies over a small
 * vocabulary, so that statements do apply often enough for the invariants to bite.
 */

type Rng = ReturnType<typeof prng>;
type Json = Record<string, unknown>;

const PRINCIPALS: readonly unknown[] = ['*', { AWS: '*' }, { AWS: ACCT }, { AWS: `arn:aws:iam::${ACCT}:root` }, { AWS: alice.arn }, { AWS: `arn:aws:iam::${ACCT}:role/service/app-role` }, { AWS: stranger.arn }];
const ACTIONS = ['*', 'vpc-lattice-svcs:*', 'vpc-lattice-svcs:Invoke', 'vpc-lattice-svcs:Connect', 'VPC-LATTICE-SVCS:inv?ke', 'vpc-lattice:Get*'];
const RESOURCES = ['*', '*/public*', `${SVC_ARN}/*`, `${SVC_ARN}/public/*`, `${SVC_ARN}/admin`, '*/${aws:username}', `${SVC_ARN}/?dmin`];
const KEYS = ['vpc-lattice-svcs:SourceVpc', 'vpc-lattice-svcs:RequestMethod', 'vpc-lattice-svcs:Port', 'aws:SourceIp', 'aws:CurrentTime', 'aws:SecureTransport', 'aws:PrincipalArn', 'vpc-lattice-svcs:RequestQueryString/q', 'aws:username'];
const VALUES: Readonly<Record<string, readonly string[]>> = {
  String: ['vpc-1', 'vpc-2', 'GET', 'POST', 'g*', '${aws:username}', 'alice'],
  Numeric: ['80', '443', '1024'],
  Date: ['2026-01-01T00:00:00Z', '1767225600', '2027-01-01T00:00:00Z'],
  Bool: ['true', 'false'],
  Binary: ['QmluYXJ5'],
  IpAddress: ['10.0.0.0/8', '10.0.1.5', '2001:db8::/32'],
  Arn: ['arn:aws:iam::*:role/*', `arn:aws:iam::${ACCT}:role/service/app-role`, '*'],
  Null: ['true', 'false'],
};
const CTX_VALUES: Readonly<Record<string, readonly string[]>> = {
  'vpc-lattice-svcs:SourceVpc': ['vpc-1', 'vpc-2'], 'vpc-lattice-svcs:RequestMethod': ['GET', 'POST', 'get'],
  'vpc-lattice-svcs:Port': ['80', '443', 'x'], 'aws:SourceIp': ['10.0.1.5', '192.168.0.1', '2001:db8::1', 'nope'],
  'aws:CurrentTime': ['2026-06-01T00:00:00Z', '2025-06-01T00:00:00Z'], 'aws:SecureTransport': ['true', 'false'],
  'aws:PrincipalArn': [`arn:aws:iam::${ACCT}:role/service/app-role`, alice.arn], 'vpc-lattice-svcs:RequestQueryString/q': ['a', 'b', 'g1'],
  'aws:username': ['alice', 'bob'],
};
const OPERATORS = Object.keys(conditionOperators);

function randomStatement(r: Rng, effect?: 'Allow' | 'Deny'): Json {
  const s: Json = { Effect: effect ?? (r.chance(0.6) ? 'Allow' : 'Deny') };
  s[r.chance(0.85) ? 'Principal' : 'NotPrincipal'] = r.pick(PRINCIPALS);
  s[r.chance(0.85) ? 'Action' : 'NotAction'] = r.chance(0.7) ? r.pick(ACTIONS) : [r.pick(ACTIONS), r.pick(ACTIONS)];
  s[r.chance(0.85) ? 'Resource' : 'NotResource'] = r.chance(0.7) ? r.pick(RESOURCES) : [r.pick(RESOURCES), r.pick(RESOURCES)];
  if (r.chance(0.6)) {
    const condition: Json = {};
    for (let i = 1 + r.int(2); i > 0; i--) {
      const op = r.pick(OPERATORS);
      const family = conditionOperators[op as keyof typeof conditionOperators];
      let name = op;
      if (op !== 'Null') {
        if (r.chance(0.25)) name = `${name}IfExists`;
        if (r.chance(0.25)) name = `${r.pick(['ForAnyValue', 'ForAllValues'])}:${name}`;
      }
      const values = VALUES[family]!;
      condition[name] = { [r.pick(KEYS)]: r.chance(0.5) ? r.pick(values) : [r.pick(values), r.pick(values)] };
    }
    s.Condition = condition;
  }
  return s;
}

function randomDoc(r: Rng): Json {
  return { Version: r.chance(0.9) ? '2012-10-17' : '2008-10-17', Statement: Array.from({ length: 1 + r.int(4) }, () => randomStatement(r)) };
}

const CALLERS: readonly Principal[] = [ANONYMOUS, alice, session, stranger];

function randomContext(r: Rng): AuthContext {
  const entries: [string, string[]][] = [];
  for (const [k, vs] of Object.entries(CTX_VALUES)) {
    if (!r.chance(0.6)) continue;
    entries.push([r.chance(0.2) ? k.toUpperCase() : k, r.chance(0.8) ? [r.pick(vs)] : [r.pick(vs), r.pick(vs)]]);
  }
  const keys = r.chance(0.5) ? conditionKeys(entries) : new Map<string, readonly string[]>(entries);
  return {
    principal: r.pick(CALLERS),
    action: r.pick(['vpc-lattice-svcs:Invoke', 'vpc-lattice-svcs:Connect', 'vpc-lattice:GetService']),
    resource: r.pick([`${SVC_ARN}/public/index.html`, `${SVC_ARN}/admin`, `${SVC_ARN}/alice`, `${SVC_ARN}/`, SVC_ARN]),
    keys,
  };
}

function compile(doc: Json, at: string) {
  const parsed = parsePolicyValue(doc);
  if (!parsed.ok) throw new Error(`${at}: generated policy refused: ${parsed.message}\n${JSON.stringify(doc)}`);
  return compilePolicy('service', 'p', parsed.document);
}

const SEED = 5150;
const RUNS = 1500;

describe('evaluator properties (seeded)', () => {
  it('never throws, and explanations agree with the verdict', () => {
    const r = prng(SEED);
    for (let n = 0; n < RUNS; n++) {
      const at = `seed ${SEED} run ${n}`;
      const doc = randomDoc(r);
      const p = compile(doc, at);
      for (let c = 0; c < 4; c++) {
        const ctx = randomContext(r);
        const v = evaluatePolicy(p, ctx);
        const e = explainPolicy(p, ctx);
        assert.equal(e.verdict, v, at);
        const applying = e.statements.filter((s) => s.applies);
        const denies = applying.filter((s) => s.effect === 'Deny');
        const allows = applying.filter((s) => s.effect === 'Allow');
        if (denies.length > 0) {
          assert.equal(v.effect, 'ExplicitDeny', at);
          assert.equal(v.statement?.index, denies[0]!.index, at);
        } else if (allows.length > 0) {
          assert.equal(v.effect, 'Allow', at);
          assert.equal(v.statement?.index, allows[0]!.index, at);
        } else {
          assert.equal(v.effect, 'ImplicitDeny', at);
          assert.equal(v.statement, undefined, at);
        }
      }
    }
  });

  it('deny wins: adding a Deny statement never turns a deny into an allow, and a matching one always denies', () => {
    const r = prng(SEED + 1);
    for (let n = 0; n < RUNS; n++) {
      const at = `seed ${SEED + 1} run ${n}`;
      const doc = randomDoc(r);
      const ctx = randomContext(r);
      const before = evaluatePolicy(compile(doc, at), ctx).effect;
      const deny = randomStatement(r, 'Deny');
      const withDeny = { ...doc, Statement: [...(doc.Statement as Json[]), deny] };
      const after = evaluatePolicy(compile(withDeny, at), ctx);
      if (before !== 'Allow') assert.notEqual(after.effect, 'Allow', at);
      if (before === 'ExplicitDeny') assert.equal(after.effect, 'ExplicitDeny', at);
      const denyApplies = explainPolicy(compile({ ...doc, Statement: [deny] }, at), ctx).statements[0]!.applies;
      if (denyApplies) assert.equal(after.effect, 'ExplicitDeny', at);
      const everything = { ...doc, Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }, ...(doc.Statement as Json[])] };
      assert.equal(evaluatePolicy(compile(everything, at), ctx).effect, 'ExplicitDeny', at);
    }
  });

  it('an allow never arises without a matching Allow statement, and order does not change the effect', () => {
    const r = prng(SEED + 2);
    for (let n = 0; n < RUNS; n++) {
      const at = `seed ${SEED + 2} run ${n}`;
      const doc = randomDoc(r);
      const statements = doc.Statement as Json[];
      const ctx = randomContext(r);
      const v = evaluatePolicy(compile(doc, at), ctx);
      const denyOnly = statements.filter((s) => s.Effect === 'Deny');
      if (denyOnly.length > 0) assert.notEqual(evaluatePolicy(compile({ ...doc, Statement: denyOnly }, at), ctx).effect, 'Allow', at);
      if (v.effect === 'Allow') {
        // The deciding statement alone also allows.
        const alone = statements[v.statement!.index]!;
        assert.equal(alone.Effect, 'Allow', at);
        assert.equal(evaluatePolicy(compile({ ...doc, Statement: [alone] }, at), ctx).effect, 'Allow', at);
      }
      const shuffled = [...statements].reverse();
      assert.equal(evaluatePolicy(compile({ ...doc, Statement: shuffled }, at), ctx).effect, v.effect, at);
    }
  });
});

describe('evaluator fuzz (bounded, seeded)', () => {
  /** Random JSON, biased towards policy-shaped objects so that some parse. */
  function randomJson(r: Rng, depth: number): unknown {
    const k = r.int(depth > 3 ? 4 : 7);
    switch (k) {
      case 0: return r.pick(['', '*', 'Allow', 'Deny', '2012-10-17', 'arn:aws:iam::111122223333:root', '${aws:username}', '${', '10.0.0.0/99', '\u0000', 'a:b']);
      case 1: return r.pick([0, -1, 1.5, 80, 1e308, NaN]);
      case 2: return r.pick([true, false, null]);
      case 3: return undefined;
      case 4: return Array.from({ length: r.int(3) }, () => randomJson(r, depth + 1));
      default: {
        const o: Json = {};
        const names = ['Version', 'Statement', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Sid', 'AWS', 'StringLike', 'ForAllValues:IpAddress', 'NullIfExists', 'aws:SourceIp', 'x'];
        for (let i = r.int(4); i > 0; i--) o[r.pick(names)] = randomJson(r, depth + 1);
        return o;
      }
    }
  }

  /** A valid policy with one part replaced: a member, or a condition's values (often still valid). */
  function mutated(r: Rng): unknown {
    const doc = randomDoc(r);
    const s = (doc.Statement as Json[])[0]!;
    const condition = s.Condition as Record<string, Json> | undefined;
    if (condition && r.chance(0.6)) {
      const block = condition[r.pick(Object.keys(condition))]!;
      const key = r.pick(Object.keys(block));
      block[r.chance(0.2) ? `x:${String(randomJson(r, 4))}` : key] = r.chance(0.5) ? randomJson(r, 4) : [randomJson(r, 4), randomJson(r, 4)];
      return doc;
    }
    const target = r.chance(0.5) ? s : doc;
    target[r.pick(Object.keys(target))] = randomJson(r, 1);
    return doc;
  }

  it('random and mutated JSON through parse, compile and evaluate never crashes', () => {
    const seed = SEED + 3;
    const r = prng(seed);
    let compiled = 0;
    for (let n = 0; n < 4000; n++) {
      const value = r.chance(0.5) ? mutated(r) : randomJson(r, 0);
      for (const kind of ['resource', 'identity'] as const) {
        const parsed = parsePolicyValue(value, { kind });
        if (!parsed.ok) continue;
        compiled++;
        const p = compilePolicy(kind === 'identity' ? 'identity' : 'service', 'fuzz', parsed.document);
        for (let c = 0; c < 3; c++) {
          const ctx = randomContext(r);
          assert.doesNotThrow(() => { evaluatePolicy(p, ctx); explainPolicy(p, ctx); }, `seed ${seed} run ${n}: ${JSON.stringify(value)}`);
        }
      }
    }
    assert.ok(compiled > 150, `only ${compiled} fuzz inputs parsed: the generator no longer reaches the evaluator`);
  });
});
