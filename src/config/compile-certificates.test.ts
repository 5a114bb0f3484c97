import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type NewRecord } from '../store/index.js';
import { checkSnapshot } from './check.js';
import { compile, SNAPSHOT_KINDS } from './compile.js';
import { incrementalRebuild, type RebuildInfo } from './incremental.js';
import { snapshotToJson } from './serialize.js';
import type { RoutingSnapshot } from './snapshot.js';
import { PLACE, RecordBuilder } from './testdata/records.js';

/**
 * `ServiceEntry.certificate`: the imported certificate a service's `certificateArn` names,
 * compiled from the `certificate` record; degraded in place (a `certificate` problem) when the
 * ARN names nothing usable; and kept current by the incremental rebuild when the record
 * appears, changes or goes, exactly as a full compile would have it.
 */

const UUID = '5c6b2a10-1111-4222-8333-444455556666';
const CERT_ARN = `arn:aws:acm:us-east-1:${PLACE.account}:certificate/${UUID}`;
const certDoc = (serial: string) => ({
  arn: CERT_ARN, certificate: `-----BEGIN CERTIFICATE-----\n${serial}\n-----END CERTIFICATE-----\n`,
  certificateChain: '-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n', privateKey: '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n',
});

function compiled(b: RecordBuilder): RoutingSnapshot {
  const s = compile(b.records, 1);
  assert.deepEqual(checkSnapshot(s), []);
  return s;
}

describe('compile: service certificates', () => {
  it('fills certificate (leaf + chain, key) for a custom domain; one object per certificate', () => {
    const b = new RecordBuilder();
    b.add('certificate', UUID, certDoc('one'));
    b.service('svc-0000000000000000a', 'a', { customDomainName: 'A.example.test', certificateArn: CERT_ARN });
    b.service('svc-0000000000000000b', 'b', { customDomainName: 'b.example.test', certificateArn: CERT_ARN });
    const s = compiled(b);
    const a = s.services.get('svc-0000000000000000a')!;
    assert.equal(a.certificate?.arn, CERT_ARN);
    assert.equal(a.certificate?.cert, certDoc('one').certificate + certDoc('one').certificateChain);
    assert.equal(a.certificate?.key, certDoc('one').privateKey);
    assert.equal(a.hostNames.at(-1), 'a.example.test', 'the custom domain is the last host name');
    assert.equal(s.services.get('svc-0000000000000000b')!.certificate, a.certificate);
    assert.deepEqual(s.problems, []);
  });

  it('leaves it out, without a problem, for a service without a custom domain or certificateArn', () => {
    const b = new RecordBuilder();
    b.add('certificate', UUID, certDoc('one'));
    b.service('svc-0000000000000000a', 'a', { certificateArn: CERT_ARN });
    b.service('svc-0000000000000000b', 'b', { customDomainName: 'b.example.test' });
    const s = compiled(b);
    assert.equal(s.services.get('svc-0000000000000000a')!.certificate, undefined);
    assert.equal(s.services.get('svc-0000000000000000b')!.certificate, undefined);
    assert.deepEqual(s.problems, []);
  });

  it('degrades in place with a `certificate` problem: unknown ARN, not an ACM ARN, malformed record', () => {
    const b = new RecordBuilder();
    const other = CERT_ARN.replace('6666', '7777');
    b.add('certificate', UUID, { arn: CERT_ARN, certificate: 42 });
    b.service('svc-0000000000000000a', 'a', { customDomainName: 'a.example.test', certificateArn: other });
    b.service('svc-0000000000000000b', 'b', { customDomainName: 'b.example.test', certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/made-up' });
    b.service('svc-0000000000000000c', 'c', { customDomainName: 'c.example.test', certificateArn: CERT_ARN });
    const s = compiled(b);
    for (const id of ['a', 'b', 'c']) {
      const svc = s.services.get(`svc-0000000000000000${id}`);
      assert.ok(svc, `service ${id} still routes`);
      assert.equal(svc.certificate, undefined);
    }
    const reasons = s.problems.filter((p) => p.kind === 'certificate').map((p) => `${p.id}: ${p.reason}`);
    assert.equal(reasons.length, 3, reasons.join('\n'));
    assert.ok(reasons.some((r) => r.startsWith(`${other}: service svc-0000000000000000a names it, but no certificate with this ARN is imported`)));
    assert.ok(reasons.some((r) => r.includes('svc-0000000000000000b names it, but it is not an ACM certificate ARN')));
    assert.ok(reasons.some((r) => r.includes('svc-0000000000000000c names it, but its record is a malformed record: certificate is not a string')));
  });
});

describe('incrementalRebuild: certificate records', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'trellis-certs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('recompiles the services naming a certificate when it appears, changes or goes — as compile() would', async () => {
    const store = new SqliteStore(join(dir, 'certs.db'));
    try {
      const b = new RecordBuilder();
      b.service('svc-0000000000000000a', 'a', { customDomainName: 'a.example.test', certificateArn: CERT_ARN });
      b.service('svc-0000000000000000b', 'b');
      for (const { seq: _, ...rec } of b.records) await store.transact((tx) => tx.put(rec));
      const modes: RebuildInfo['mode'][] = [];
      const rebuild = incrementalRebuild({ onRebuild: (i) => modes.push(i.mode) });
      let s = await rebuild(store, undefined);
      const step = async (write: () => Promise<unknown>, what: string) => {
        await write();
        const previous = s;
        s = await rebuild(store, previous);
        const expected = compile(await store.scan(SNAPSHOT_KINDS), await store.revision());
        assert.deepEqual(snapshotToJson(s), snapshotToJson(expected), what);
        assert.deepEqual(checkSnapshot(s, previous), [], what);
        return previous;
      };
      const cert: NewRecord = { kind: 'certificate', ...PLACE, id: UUID, parentId: '', name: 'a.example.test', refs: [], doc: certDoc('one') };
      assert.equal(s.problems[0]?.kind, 'certificate');
      await step(() => store.transact((tx) => tx.put(cert)), 'imported');
      assert.equal(s.services.get('svc-0000000000000000a')!.certificate?.cert.includes('one'), true);
      const before = await step(() => store.transact((tx) => tx.put({ ...cert, doc: certDoc('two') })), 're-imported');
      assert.equal(s.services.get('svc-0000000000000000a')!.certificate?.cert.includes('two'), true);
      assert.equal(s.services.get('svc-0000000000000000b'), before.services.get('svc-0000000000000000b'), 'a service naming no certificate is not recompiled');
      await step(() => store.transact((tx) => tx.delete('certificate', PLACE, UUID)), 'deleted');
      assert.equal(s.services.get('svc-0000000000000000a')!.certificate, undefined);
      assert.equal(s.problems.filter((p) => p.kind === 'certificate').length, 1);
      assert.deepEqual(modes, ['full', 'incremental', 'incremental', 'incremental']);
    } finally {
      await store.close();
    }
  });
});
