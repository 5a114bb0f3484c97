import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bool, decode, int, list, oneOf, str, struct, violationMessage } from './shapes.js';
import { errorDocument, escapeXml, responseDocument } from './xml.js';
import { paginate } from './paginate.js';

const params = (o: Record<string, string>) => new Map(Object.entries(o));

describe('Query shapes', () => {
  const shape = struct({
    StackName: str({ max: 8, pattern: /[a-zA-Z][-a-zA-Z0-9]*/ }),
    Flag: bool(),
    Count: int({ min: 1, max: 5 }),
    Mode: oneOf(['A', 'B']),
    Caps: list(oneOf(['X', 'Y'])),
    Tags: list(struct({ Key: str(), Value: str() }, ['Key', 'Value']), 2),
  }, ['StackName']);

  it('folds member lists back into structures, in index order', () => {
    const r = decode(shape, params({
      StackName: 'web', Flag: 'true', Count: '3', Mode: 'B',
      'Caps.member.2': 'Y', 'Caps.member.1': 'X',
      'Tags.member.10.Key': 'k10', 'Tags.member.10.Value': 'v10', 'Tags.member.2.Key': 'k2', 'Tags.member.2.Value': 'v2',
    }));
    assert.ok(r.ok);
    assert.deepEqual(r.value, { StackName: 'web', Flag: true, Count: 3, Mode: 'B', Caps: ['X', 'Y'], Tags: [{ Key: 'k2', Value: 'v2' }, { Key: 'k10', Value: 'v10' }] });
  });

  it('reads `Name=` as an empty list, as botocore sends one', () => {
    const r = decode(shape, params({ StackName: 'web', Tags: '', Caps: '' }));
    assert.ok(r.ok);
    assert.deepEqual(r.value, { StackName: 'web', Tags: [], Caps: [] });
  });

  it('names every violation as AWS does', () => {
    const r = decode(shape, params({ Flag: 'yes', Count: '9', Mode: 'C', 'Caps.member.1': 'Z', 'Tags.member.1.Key': 'k' }));
    assert.ok(!r.ok);
    assert.deepEqual(r.violations.map((v) => v.path), ['stackName', 'flag', 'count', 'mode', 'caps', 'tags.1.member.value']);
    const msg = violationMessage(r.violations);
    assert.match(msg, /^6 validation errors detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null; /);
    assert.match(msg, /Value '\[Z\]' at 'caps' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[X, Y\]\]/);
    assert.match(msg, /Value 'C' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: \[A, B\]/);
  });

  it('matches patterns against the whole value, every alternative', () => {
    const s = struct({ Id: str({ pattern: /[a-z]+|arn:[a-z:/]*/ }) });
    assert.ok(decode(s, params({ Id: 'arn:aws:x/y' })).ok);
    assert.ok(!decode(s, params({ Id: 'abc1' })).ok);
  });

  it('checks lengths and list bounds', () => {
    const r = decode(shape, params({ StackName: 'much-too-long', 'Tags.member.1.Key': 'a', 'Tags.member.1.Value': 'a', 'Tags.member.2.Key': 'b', 'Tags.member.2.Value': 'b', 'Tags.member.3.Key': 'c', 'Tags.member.3.Value': 'c' }));
    assert.ok(!r.ok);
    assert.deepEqual(r.violations.map((v) => v.constraint), ['Member must have length less than or equal to 8', 'Member must have length less than or equal to 2']);
  });
});

describe('Query XML', () => {
  it('escapes markup, keeps CR, and drops what XML cannot carry', () => {
    assert.equal(escapeXml(`a<b>&"c'\r\n\u0001`), 'a&lt;b&gt;&amp;&quot;c&apos;&#13;\n\uFFFD');
  });

  it('writes a response with its Result, lists as members, empty lists as empty elements', () => {
    const xml = responseDocument('ListThings', 'urn:ns', 'rid-1', { Things: [{ Name: 'a' }, { Name: 'b' }], None: [], Skip: undefined, Ok: true });
    assert.equal(xml, '<ListThingsResponse xmlns="urn:ns"><ListThingsResult><Things><member><Name>a</Name></member><member><Name>b</Name></member></Things>'
      + '<None/><Ok>true</Ok></ListThingsResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></ListThingsResponse>');
  });

  it('leaves the Result out for actions without output', () => {
    assert.equal(responseDocument('DeleteStack', 'urn:ns', 'r', undefined), '<DeleteStackResponse xmlns="urn:ns"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteStackResponse>');
  });

  it('writes the ErrorResponse', () => {
    assert.equal(errorDocument('urn:ns', 'r', 'Sender', 'ValidationError', 'a & b'),
      '<ErrorResponse xmlns="urn:ns"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>a &amp; b</Message></Error><RequestId>r</RequestId></ErrorResponse>');
  });
});

describe('Query pagination', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const key = (s: string) => s;

  it('pages by key, so items added in front do not shift the next page', () => {
    const p1 = paginate(items, key, undefined, 2, 'L');
    assert.deepEqual(p1.items, ['a', 'b']);
    const p2 = paginate(['new', ...items], key, p1.nextToken, 2, 'L');
    assert.deepEqual(p2.items, ['c', 'd']);
    const p3 = paginate(items, key, p2.nextToken, 2, 'L');
    assert.deepEqual(p3.items, ['e']);
    assert.equal(p3.nextToken, undefined);
  });

  it('rejects a token of another list, or garbage', () => {
    const p1 = paginate(items, key, undefined, 2, 'L');
    assert.throws(() => paginate(items, key, p1.nextToken, 2, 'M'), /Invalid NextToken/);
    assert.throws(() => paginate(items, key, 'garbage', 2, 'L'), /Invalid NextToken/);
  });
});
