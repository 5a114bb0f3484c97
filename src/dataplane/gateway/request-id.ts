import { randomUUID } from 'node:crypto';

/**
 * Request ids (`x-amzn-requestid`, the access log's `requestId`) for requests that came
 * without one. Why not `randomUUID()` per request: with its random-pool refills it cost
 * ~1% of a proxied request's CPU, for an id that only has to be unique, not secret.
 *
 * An id is a UUID v4 drawn once (its 122 random bits keep ids of different processes and
 * runs apart) whose last 6 hex digits are replaced by a counter; the UUID is drawn again
 * every 2^24 ids, so no id repeats within a process. The form stays a UUID's (8-4-4-4-12
 * lower-case hex), as Lattice's request ids are.
 */
const COUNTER_SPAN = 0x1000000;
let prefix = '';
let counter = COUNTER_SPAN;

export function newRequestId(): string {
  if (counter === COUNTER_SPAN) {
    prefix = randomUUID().slice(0, 30);
    counter = 0;
  }
  const n = counter++;
  // Six hex digits without padStart's temporary: the leading 1 is cut off.
  return prefix + (n + COUNTER_SPAN).toString(16).slice(1);
}
