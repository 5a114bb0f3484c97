import type { KeyLookup } from './patterns.js';

/**
 * IAM matches condition key names case-insensitively. Compiled policies look keys up by their
 * lower-cased name, so a request's key map must be lower-cased once: `conditionKeys()` builds
 * one that already is (the Lattice context does), and any other map is copied lower-cased the
 * first time it is evaluated and the copy cached against it.
 */

/**
 * A brand for key maps whose names are all lower-case by construction (lattice-keys.ts):
 * checking a property is cheaper per request than registering each map in the WeakSet.
 */
export const LOWER_CASED: unique symbol = Symbol('lowerCased');

const normalized = new WeakSet<KeyLookup>();
const copies = new WeakMap<KeyLookup, KeyLookup>();

/**
 * A key map from entries, names lower-cased, marked so that evaluation uses it as is. Values
 * of a name given twice are concatenated (a multi-valued key spread over entries).
 */
export function conditionKeys(entries: Iterable<readonly [string, readonly string[]]>): ReadonlyMap<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const [name, values] of entries) {
    const key = name.toLowerCase();
    const had = map.get(key);
    map.set(key, had ? [...had, ...values] : values);
  }
  normalized.add(map);
  return map;
}

/** Marks a map the caller built with lower-case names only (checked), avoiding a copy. */
export function markNormalized(map: Map<string, readonly string[]>): ReadonlyMap<string, readonly string[]> {
  for (const k of map.keys()) if (k !== k.toLowerCase()) throw new Error(`condition key ${k} is not lower case`);
  normalized.add(map);
  return map;
}

/** The lower-cased view of a request's keys; see the file comment. */
export function normalizedKeys(keys: KeyLookup): KeyLookup {
  if ((keys as { readonly [LOWER_CASED]?: boolean })[LOWER_CASED] === true || normalized.has(keys)) return keys;
  let copy = copies.get(keys);
  if (!copy) {
    copy = conditionKeys(keys);
    copies.set(keys, copy);
  }
  return copy;
}
