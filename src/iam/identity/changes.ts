import type { Store } from '../../store/index.js';

/*
 * Who wants to know that identities changed. Writes through this module announce themselves
 * at once, so a key created a moment ago signs the next request; writes by anyone else
 * (CloudFormation's roles, another node on a shared store) are seen by the store revision,
 * which the credential cache also polls.
 */

const listeners = new WeakMap<Store, Set<() => Promise<void>>>();

/** Registers `fn` to run after every identity write to `store`; returns the unsubscribe. */
export function onIdentityChange(store: Store, fn: () => Promise<void>): () => void {
  let set = listeners.get(store);
  if (!set) { set = new Set(); listeners.set(store, set); }
  set.add(fn);
  return () => { set.delete(fn); };
}

/**
 * Called after an identity write has committed; resolves once every cache has caught up, so
 * the API answers CreateAccessKey only when the new key already authenticates (read your writes).
 */
export async function announceIdentityChange(store: Store): Promise<void> {
  await Promise.all([...listeners.get(store) ?? []].map((fn) => fn()));
}
