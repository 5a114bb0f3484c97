import { validation } from './service.js';

/** One page of a list and the token of the next, when there is one. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

interface Cursor { readonly l: string; readonly k: string; readonly o: number }

/**
 * Pages a list the service computed in full. The token names the first item of the next
 * page by its key (an EventId, a StackId), not by position, so events that arrive between
 * two calls do not shift a page; the position is kept as a fallback for a key that is gone.
 * `list` ties a token to the list it was made for (action and stack), as AWS rejects a
 * token replayed against another request.
 */
export function paginate<T>(all: readonly T[], keyOf: (item: T) => string, token: string | undefined, pageSize: number, list: string): Page<T> {
  let start = 0;
  if (token !== undefined) {
    const cursor = readToken(token);
    if (!cursor || cursor.l !== list) throw validation('Invalid NextToken');
    const at = all.findIndex((item) => keyOf(item) === cursor.k);
    start = at >= 0 ? at : Math.min(cursor.o, all.length);
  }
  const items = all.slice(start, start + pageSize);
  const next = all[start + pageSize];
  if (next === undefined) return { items };
  const cursor: Cursor = { l: list, k: keyOf(next), o: start + pageSize };
  return { items, nextToken: Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url') };
}

function readToken(token: string): Cursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { l, k, o } = parsed as Record<string, unknown>;
    if (typeof l !== 'string' || typeof k !== 'string' || typeof o !== 'number' || !Number.isInteger(o) || o < 0) return undefined;
    return { l, k, o };
  } catch {
    return undefined;
  }
}
