/**
 * mulberry32: a small seeded PRNG for the property and fuzz tests of every layer, so a
 * failing case can be replayed from its seed. It lives in model/ (and is exported from its
 * index) because model/ is the one folder every other folder may import
 * (test/architecture.test.ts): tests under src/ cannot reach test/support, so the config/,
 * iam/ and dataplane/ tests share this one instead of keeping copies.
 * Not for anything that needs unpredictability (ids, tokens use node:crypto).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
