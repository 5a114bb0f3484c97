export type {
  Store, StoreReader, StoreTx, ResourceRecord, NewRecord, ListQuery, Change, IdempotencyEntry, Place,
} from './store.js';
export { SqliteStore } from './sqlite-store.js';
