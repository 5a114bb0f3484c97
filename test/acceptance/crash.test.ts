import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CreateServiceNetworkCommand, GetServiceNetworkCommand, ListServiceNetworksCommand, VPCLatticeClient,
} from '@aws-sdk/client-vpc-lattice';
import { TEST_CREDENTIALS } from '../support/trellis.js';
import { spawnTrellis, type ChildTrellis } from '../support/child-trellis.js';

/**
 * The quota of 50 service networks is per region and the region is the one a client signs
 * for, so spreading the burst over regions gives room for a few hundred creates without
 * changing any quota. 45 per region stays under 50.
 */
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1'];
const PER_REGION = 45;
const CONCURRENCY = 40;
/** The kill comes after this many acknowledgements: well inside the burst of 360. */
const KILL_AFTER = 120;

interface Ack { readonly region: string; readonly name: string; readonly id: string }

function clients(url: string): Map<string, VPCLatticeClient> {
  // maxAttempts 1: a retry after the kill would blur which call was acknowledged.
  return new Map(REGIONS.map((region) => [region, new VPCLatticeClient({ endpoint: url, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 })]));
}

function destroy(cs: Map<string, VPCLatticeClient>): void {
  for (const c of cs.values()) c.destroy();
}

/** An error the server answered (it has an HTTP status), as opposed to a dropped connection. */
function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

describe('crash safety', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-crash-'));
  const running: ChildTrellis[] = [];
  after(async () => {
    for (const p of running) await p.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged create through kill -9 mid-burst, and the store stays consistent', { timeout: 50_000 }, async (t) => {
    // ---- first life: a burst of concurrent creates, killed from inside the burst --------
    const first = await spawnTrellis(dataDir);
    running.push(first);
    const work = REGIONS.flatMap((region) => Array.from({ length: PER_REGION }, (_, i) => ({ region, name: `crash-${region}-${i}` })));
    const attempted = new Set<string>();
    const acked: Ack[] = [];
    const answeredErrors: string[] = [];
    let dropped = 0;
    let killed: Promise<unknown> | undefined;
    const cs = clients(first.url);
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const job = work[next++]!;
        attempted.add(`${job.region}/${job.name}`);
        try {
          const out = await cs.get(job.region)!.send(new CreateServiceNetworkCommand({ name: job.name }));
          acked.push({ region: job.region, name: job.name, id: out.id! });
          if (acked.length === KILL_AFTER) killed = first.kill();
        } catch (err) {
          const status = httpStatusOf(err);
          if (status !== undefined) answeredErrors.push(`${job.region}/${job.name}: ${status} ${(err as Error).name}`);
          else dropped++;
          // After the kill every call fails; before it, none may.
          if (killed) return;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    destroy(cs);
    assert.deepEqual(answeredErrors, [], 'no create was refused before the kill');
    assert.ok(killed, `the burst ended before the kill (${acked.length} acknowledged):\n${first.output()}`);
    assert.equal(await killed, 'SIGKILL');
    assert.ok(dropped > 0, 'the kill dropped calls in flight');
    assert.ok(acked.length >= KILL_AFTER && acked.length < work.length, `acknowledged ${acked.length} of ${work.length}`);
    t.diagnostic(`${acked.length} creates acknowledged, ${dropped} dropped by the kill, of ${attempted.size} sent`);

    // ---- second life: the same data directory ----------------------------------------------
    const second = await spawnTrellis(dataDir);
    running.push(second);
    const cs2 = clients(second.url);
    try {
      for (const a of acked) {
        const got = await cs2.get(a.region)!.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: a.id }));
        assert.equal(got.name, a.name, `${a.region}/${a.id}`);
      }
      let listed = 0;
      for (const region of REGIONS) {
        const names: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await cs2.get(region)!.send(new ListServiceNetworksCommand({ maxResults: 7, nextToken: token }));
          assert.ok(page.items!.length <= 7);
          names.push(...page.items!.map((i) => i.name!));
          token = page.nextToken;
        } while (token && ++pages < 100);
        assert.equal(token, undefined, `${region}: paging ends`);
        assert.equal(new Set(names).size, names.length, `${region}: names are unique`);
        for (const n of names) assert.ok(attempted.has(`${region}/${n}`), `${region}/${n} was never asked for`);
        // Calls cut off by the kill may or may not have committed; acknowledged ones must have.
        for (const a of acked.filter((x) => x.region === region)) assert.ok(names.includes(a.name), `${region}/${a.name} is listed`);
        listed += names.length;
      }
      const health = await (await fetch(`${second.url}/_trellis/health`)).json() as { revision: number };
      assert.ok(health.revision >= acked.length, `revision ${health.revision} ≥ ${acked.length} acknowledged creates`);
      assert.ok(listed >= acked.length);
      t.diagnostic(`after restart: ${listed} listed, revision ${health.revision}`);

      // A write after recovery works and moves the revision on.
      await cs2.get('us-east-1')!.send(new CreateServiceNetworkCommand({ name: 'after-the-crash' }));
      const health2 = await (await fetch(`${second.url}/_trellis/health`)).json() as { revision: number };
      assert.equal(health2.revision, health.revision + 1);
    } finally {
      destroy(cs2);
    }
    assert.equal(await second.stop(), 0, second.output());

    // ---- the file itself, once nobody has it open ------------------------------------------
    const file = join(dataDir, 'trellis.db');
    assert.ok(existsSync(file));
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const rows = db.prepare("SELECT account, region, name FROM resources WHERE kind = 'servicenetwork'").all() as { region: string; name: string }[];
      assert.equal(new Set(rows.map((r) => `${r.region}/${r.name}`)).size, rows.length, 'names unique in the file');
      const revision = (db.prepare("SELECT value FROM meta WHERE key = 'revision'").get() as { value: number }).value;
      const maxChange = (db.prepare('SELECT max(revision) AS r FROM changes').get() as { r: number }).r;
      assert.equal(maxChange, revision, 'the change feed ends at the revision');
      const puts = (db.prepare("SELECT count(*) AS n FROM changes WHERE kind = 'servicenetwork' AND op = 'put'").get() as { n: number }).n;
      assert.equal(puts, rows.length, 'one change per create');
    } finally {
      db.close();
    }
  });
});
