import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { storeConformance } from './store-conformance.js';

/** A temp directory made on first use, so importing this file leaves nothing behind. */
function tempFile(): { path: () => string; remove: () => Promise<void> } {
  let dir: string | undefined;
  return {
    path: () => join(dir ??= mkdtempSync(join(tmpdir(), 'trellis-store-')), 'nested', 'trellis.db'),
    remove: async () => { if (dir) rmSync(dir, { recursive: true, force: true }); },
  };
}

const file = tempFile();
storeConformance('SqliteStore on a file', async () => new SqliteStore(file.path()), file.remove);

// ':memory:' reads through its one connection and keeps nothing once closed; the rest of the
// contract holds, and the tests that need the other two say they are skipped and why.
storeConformance('SqliteStore in memory', async () => new SqliteStore(':memory:'), undefined, { durable: false, isolatedReads: false });

describe('SqliteStore specifics', () => {
  it('keeps its file in WAL mode, so readers never block the writer', async () => {
    const f = tempFile();
    try {
      const store = new SqliteStore(f.path());
      await store.close();
      const db = new Database(f.path(), { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        db.close();
      }
    } finally {
      await f.remove();
    }
  });

  it('tells commit listeners the new revision after each commit that wrote, and only then', async () => {
    const store = new SqliteStore(':memory:');
    try {
      const seen: number[] = [];
      const off = store.onCommit((r) => seen.push(r));
      const place = { account: '111122223333', region: 'us-east-1' };
      const rec = { kind: 'service' as const, ...place, id: 'svc-1', parentId: '', name: 'a', refs: [], doc: {} };
      await store.transact((tx) => tx.put(rec));
      await store.transact((tx) => tx.get('service', place, 'svc-1'));
      await assert.rejects(store.transact(async (tx) => { await tx.put({ ...rec, id: 'svc-2' }); throw new Error('no'); }));
      await store.transact((tx) => tx.put({ ...rec, name: 'b' }));
      off();
      await store.transact((tx) => tx.put({ ...rec, name: 'c' }));
      assert.deepEqual(seen, [1, 2]);
    } finally {
      await store.close();
    }
  });
});
