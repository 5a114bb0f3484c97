import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResourceKind } from '../model/index.js';
import { Mutex } from './mutex.js';
import type {
  Change, IdempotencyEntry, ListQuery, NewRecord, Place, ResourceRecord, Store, StoreReader, StoreTx,
} from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
  parent_id TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
  refs TEXT NOT NULL,
  PRIMARY KEY (kind, account, region, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resources_by_seq ON resources (kind, account, region, seq);
CREATE INDEX IF NOT EXISTS resources_by_name ON resources (kind, account, region, parent_id, name);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (kind, account, region, parent_id, seq);
CREATE TABLE IF NOT EXISTS refs (
  ref TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
  PRIMARY KEY (ref, account, region, kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_by_owner ON refs (kind, account, region, id);
CREATE TABLE IF NOT EXISTS counts (
  kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (kind, account, region)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0), ('seq', 0);
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER NOT NULL, kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
  id TEXT NOT NULL, op TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_revision ON changes (revision);
CREATE TABLE IF NOT EXISTS idempotency (
  account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
  input_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (account, region, operation, token)
) WITHOUT ROWID;
`;

interface Row {
  kind: string; account: string; region: string; id: string; parent_id: string; name: string; seq: number; doc: string;
  /** JSON array; the refs table holds the same ids for reverse look-ups. */
  refs: string;
}

type Stmt = Database.Statement<unknown[], unknown>;

/** Prepared statements of one connection. */
class Statements {
  readonly get: Stmt; readonly getByName: Stmt; readonly listAll: Stmt; readonly listParent: Stmt;
  readonly listRef: Stmt; readonly countAll: Stmt; readonly countParent: Stmt; readonly countRef: Stmt;
  readonly referrers: Stmt; readonly getIdem: Stmt;
  readonly insert: Stmt; readonly update: Stmt; readonly del: Stmt; readonly delRefs: Stmt; readonly addRef: Stmt;
  readonly putIdem: Stmt; readonly bump: Stmt; readonly revision: Stmt; readonly addChange: Stmt;
  readonly changes: Stmt; readonly nextSeq: Stmt; readonly bumpCount: Stmt;

  constructor(db: Database.Database) {
    const cols = 'kind, account, region, id, parent_id, name, seq, doc, refs';
    const place = 'kind = ? AND account = ? AND region = ?';
    this.get = db.prepare(`SELECT ${cols} FROM resources WHERE ${place} AND id = ?`);
    // Without ANALYZE statistics SQLite prefers the primary-key prefix and reads every record
    // of the kind; the name index answers in one seek.
    this.getByName = db.prepare(`SELECT ${cols} FROM resources INDEXED BY resources_by_name WHERE ${place} AND parent_id = ? AND name = ?`);
    this.listAll = db.prepare(`SELECT ${cols} FROM resources WHERE ${place} AND seq > ? ORDER BY seq LIMIT ?`);
    this.listParent = db.prepare(`SELECT ${cols} FROM resources WHERE ${place} AND parent_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    this.listRef = db.prepare(`SELECT r.kind, r.account, r.region, r.id, r.parent_id, r.name, r.seq, r.doc, r.refs FROM refs f
      JOIN resources r ON r.kind = f.kind AND r.account = f.account AND r.region = f.region AND r.id = f.id
      WHERE f.ref = ? AND f.kind = ? AND f.account = ? AND f.region = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`);
    // Quota checks count every create: a counter kept in the same transaction, not a scan.
    this.countAll = db.prepare('SELECT coalesce((SELECT n FROM counts WHERE kind = ? AND account = ? AND region = ?), 0) AS n');
    this.bumpCount = db.prepare('INSERT INTO counts (kind, account, region, n) VALUES (?, ?, ?, ?) ON CONFLICT (kind, account, region) DO UPDATE SET n = n + excluded.n');
    this.countParent = db.prepare(`SELECT count(*) AS n FROM resources WHERE ${place} AND parent_id = ?`);
    this.countRef = db.prepare('SELECT count(*) AS n FROM refs WHERE ref = ? AND kind = ? AND account = ? AND region = ?');
    this.referrers = db.prepare(`SELECT r.kind, r.account, r.region, r.id, r.parent_id, r.name, r.seq, r.doc, r.refs FROM refs f
      JOIN resources r ON r.kind = f.kind AND r.account = f.account AND r.region = f.region AND r.id = f.id
      WHERE f.ref = ? AND f.account = ? AND f.region = ? ORDER BY r.seq`);
    this.getIdem = db.prepare('SELECT input_hash, response, created_at FROM idempotency WHERE account = ? AND region = ? AND operation = ? AND token = ?');
    this.insert = db.prepare(`INSERT INTO resources (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.update = db.prepare(`UPDATE resources SET parent_id = ?, name = ?, doc = ?, refs = ? WHERE ${place} AND id = ?`);
    this.del = db.prepare(`DELETE FROM resources WHERE ${place} AND id = ?`);
    this.delRefs = db.prepare('DELETE FROM refs WHERE kind = ? AND account = ? AND region = ? AND id = ?');
    this.addRef = db.prepare('INSERT OR IGNORE INTO refs (ref, account, region, kind, id) VALUES (?, ?, ?, ?, ?)');
    this.putIdem = db.prepare('INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.bump = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value");
    this.revision = db.prepare("SELECT value FROM meta WHERE key = 'revision'");
    this.addChange = db.prepare('INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?)');
    this.changes = db.prepare('SELECT revision, kind, account, region, id, op FROM changes WHERE revision > ? ORDER BY revision, rowid LIMIT ?');
    this.nextSeq = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value");
  }
}

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit is in the OS before it is acknowledged, so it survives
  // kill -9 of this process; only a power loss could take the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Checkpoint less often: hot pages (counters, index roots) rewritten by many commits are
  // copied back once per checkpoint instead of once per thousand pages. The WAL stays
  // bounded at about 40 MB.
  db.pragma('wal_autocheckpoint = 10000');
  return db;
}

/** Reads over one connection; shared by the store (read connection) and transactions. */
class SqliteReader implements StoreReader {
  constructor(protected readonly s: Statements) {}

  async get<D>(kind: ResourceKind, p: Place, id: string): Promise<ResourceRecord<D> | undefined> {
    return this.row<D>(this.s.get.get(kind, p.account, p.region, id) as Row | undefined);
  }

  async getByName<D>(kind: ResourceKind, p: Place, parentId: string, name: string): Promise<ResourceRecord<D> | undefined> {
    return this.row<D>(this.s.getByName.get(kind, p.account, p.region, parentId, name) as Row | undefined);
  }

  async list<D>(kind: ResourceKind, p: Place, q: ListQuery = {}): Promise<ResourceRecord<D>[]> {
    const after = q.afterSeq ?? 0;
    const limit = q.limit ?? -1;
    const rows = (q.ref !== undefined
      ? this.s.listRef.all(q.ref, kind, p.account, p.region, after, limit)
      : q.parentId !== undefined
        ? this.s.listParent.all(kind, p.account, p.region, q.parentId, after, limit)
        : this.s.listAll.all(kind, p.account, p.region, after, limit)) as Row[];
    const out = rows.map((r) => this.row<D>(r)!);
    return q.ref !== undefined && q.parentId !== undefined ? out.filter((r) => r.parentId === q.parentId) : out;
  }

  async count(kind: ResourceKind, p: Place, q: Omit<ListQuery, 'afterSeq' | 'limit'> = {}): Promise<number> {
    if (q.ref !== undefined && q.parentId !== undefined) return (await this.list(kind, p, q)).length;
    const row = (q.ref !== undefined ? this.s.countRef.get(q.ref, kind, p.account, p.region)
      : q.parentId !== undefined ? this.s.countParent.get(kind, p.account, p.region, q.parentId)
        : this.s.countAll.get(kind, p.account, p.region)) as { n: number };
    return row.n;
  }

  async referrers(p: Place, id: string, kinds?: readonly ResourceKind[]): Promise<ResourceRecord[]> {
    const rows = (this.s.referrers.all(id, p.account, p.region) as Row[]).map((r) => this.row<Record<string, unknown>>(r)!);
    return kinds ? rows.filter((r) => kinds.includes(r.kind)) : rows;
  }

  async getIdempotency(p: Place, operation: string, token: string): Promise<IdempotencyEntry | undefined> {
    const row = this.s.getIdem.get(p.account, p.region, operation, token) as { input_hash: string; response: string; created_at: number } | undefined;
    return row && { inputHash: row.input_hash, response: JSON.parse(row.response) as unknown, createdAt: row.created_at };
  }

  protected row<D>(r: Row | undefined): ResourceRecord<D> | undefined {
    if (!r) return undefined;
    return {
      kind: r.kind as ResourceKind, account: r.account, region: r.region, id: r.id, parentId: r.parent_id,
      name: r.name, seq: r.seq, doc: JSON.parse(r.doc) as D, refs: JSON.parse(r.refs) as string[],
    };
  }
}

class SqliteTx extends SqliteReader implements StoreTx {
  readonly changes: Omit<Change, 'revision'>[] = [];

  async put<D>(rec: NewRecord<D>): Promise<ResourceRecord<D>> {
    const s = this.s;
    const doc = JSON.stringify(rec.doc);
    const refs = [...new Set(rec.refs)];
    const refsJson = JSON.stringify(refs);
    const existing = s.get.get(rec.kind, rec.account, rec.region, rec.id) as Row | undefined;
    let seq: number;
    if (existing) {
      seq = existing.seq;
      s.update.run(rec.parentId, rec.name, doc, refsJson, rec.kind, rec.account, rec.region, rec.id);
      s.delRefs.run(rec.kind, rec.account, rec.region, rec.id);
    } else {
      seq = (s.nextSeq.get() as { value: number }).value;
      s.insert.run(rec.kind, rec.account, rec.region, rec.id, rec.parentId, rec.name, seq, doc, refsJson);
      s.bumpCount.run(rec.kind, rec.account, rec.region, 1);
    }
    for (const ref of refs) s.addRef.run(ref, rec.account, rec.region, rec.kind, rec.id);
    this.changes.push({ kind: rec.kind, account: rec.account, region: rec.region, id: rec.id, op: 'put' });
    return { ...rec, refs, seq };
  }

  async delete(kind: ResourceKind, p: Place, id: string): Promise<boolean> {
    const n = this.s.del.run(kind, p.account, p.region, id).changes;
    if (n === 0) return false;
    this.s.bumpCount.run(kind, p.account, p.region, -1);
    this.s.delRefs.run(kind, p.account, p.region, id);
    this.changes.push({ kind, account: p.account, region: p.region, id, op: 'delete' });
    return true;
  }

  async putIdempotency(p: Place, operation: string, token: string, e: IdempotencyEntry): Promise<void> {
    this.s.putIdem.run(p.account, p.region, operation, token, e.inputHash, JSON.stringify(e.response), e.createdAt);
  }
}

/**
 * The embedded store: one SQLite file in WAL mode. Writes go through one connection,
 * serialised by a mutex because transaction callbacks may await; reads outside
 * transactions use a second connection and so see only committed state.
 */
export class SqliteStore extends SqliteReader implements Store {
  private readonly mutex = new Mutex();
  private readonly writeDb: Database.Database;
  private readonly readDb: Database.Database;
  private readonly w: Statements;
  private readonly listeners = new Set<(revision: number) => void>();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const writeDb = open(path);
    writeDb.exec(SCHEMA);
    // A file from before the counters existed: count once.
    if ((writeDb.prepare('SELECT count(*) AS n FROM counts').get() as { n: number }).n === 0) {
      writeDb.exec('INSERT INTO counts SELECT kind, account, region, count(*) FROM resources GROUP BY kind, account, region');
    }
    // An in-memory database is private to its connection, so it reads through the writer.
    const readDb = path === ':memory:' ? writeDb : open(path);
    super(new Statements(readDb));
    this.writeDb = writeDb;
    this.readDb = readDb;
    this.w = new Statements(writeDb);
  }

  transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const tx = new SqliteTx(this.w);
      this.writeDb.exec('BEGIN IMMEDIATE');
      let revision = 0;
      try {
        const result = await fn(tx);
        if (tx.changes.length > 0) {
          revision = (this.w.bump.get() as { value: number }).value;
          for (const c of tx.changes) this.w.addChange.run(revision, c.kind, c.account, c.region, c.id, c.op);
        }
        this.writeDb.exec('COMMIT');
        if (revision) for (const l of this.listeners) l(revision);
        return result;
      } catch (err) {
        if (this.writeDb.inTransaction) this.writeDb.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async revision(): Promise<number> {
    return (this.s.revision.get() as { value: number }).value;
  }

  async changesSince(after: number, limit = 10_000): Promise<Change[]> {
    return (this.s.changes.all(after, limit) as (Change & { kind: string })[]).map((c) => ({ ...c }));
  }

  async scan(kinds: readonly ResourceKind[]): Promise<ResourceRecord[]> {
    const stmt = this.readDb.prepare(`SELECT kind, account, region, id, parent_id, name, seq, doc, refs FROM resources WHERE kind IN (${kinds.map(() => '?').join(',')}) ORDER BY seq`);
    return (stmt.all(...kinds) as Row[]).map((r) => this.row<Record<string, unknown>>(r)!);
  }

  /** Called after each commit that wrote something, with the new revision (same process). */
  onCommit(listener: (revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.readDb !== this.writeDb) this.readDb.close();
      this.writeDb.close();
    });
  }
}
