import type { Principal } from '../contracts.js';
import { LOWER_CASED } from './context-keys.js';
import type { LatticeInvokeInput } from './lattice-context.js';

/**
 * The condition keys of a Lattice request as a lazy, read-only map over the request itself.
 * Building a Map of every header, query parameter and global key costs microseconds per
 * request (fresh key strings to hash); a policy asks for a handful. `get()` answers from the
 * input directly; iteration (explanations, logs) builds the full map once, on demand.
 * Names are lower-case, as compiled policies ask for them (LOWER_CASED).
 */

const SVCS = 'vpc-lattice-svcs:';
const HEADER = `${SVCS}requestheader/`;
const QUERY = `${SVCS}requestquerystring/`;
const PRINCIPAL_TAG = 'aws:principaltag/';
const RESOURCE_TAG = 'aws:resourcetag/';

/** The names get() answers without a suffix, in the order iteration lists them. */
const FIXED = [
  `${SVCS}requestmethod`, `${SVCS}requestpath`, `${SVCS}servicearn`, `${SVCS}servicenetworkarn`, `${SVCS}sourcevpc`,
  `${SVCS}sourcevpcowneraccount`, `${SVCS}port`, 'aws:principaltype', 'aws:principalarn', 'aws:principalaccount',
  'aws:principalisawsservice', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:username', 'aws:userid',
  'aws:sourceip', 'aws:securetransport', 'aws:currenttime', 'aws:epochtime',
] as const;

/** AWS's `aws:PrincipalType` values: the root user is `Account`. */
const PRINCIPAL_TYPE: Readonly<Record<Principal['type'], string>> = {
  Anonymous: 'Anonymous', Root: 'Account', User: 'User', AssumedRole: 'AssumedRole', FederatedUser: 'FederatedUser',
};

const one = (v: string | undefined): readonly string[] | undefined => (v === undefined ? undefined : [v]);

export class LatticeKeys implements ReadonlyMap<string, readonly string[]> {
  readonly [LOWER_CASED] = true;
  #queries?: Map<string, string[]>;
  #headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  #all?: Map<string, readonly string[]>;

  /** `path` without the query; `query` empty for gRPC and TCP (they have no query keys). */
  constructor(private readonly input: LatticeInvokeInput, private readonly path: string, private readonly query: string) {}

  get(key: string): readonly string[] | undefined {
    if (key.startsWith(SVCS)) return this.lattice(key);
    if (key.startsWith('aws:')) return this.global(key);
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  private lattice(key: string): readonly string[] | undefined {
    const i = this.input;
    if (key.startsWith(HEADER)) return i.tcp ? undefined : this.header(key.slice(HEADER.length));
    if (key.startsWith(QUERY)) return this.queries().get(key.slice(QUERY.length));
    switch (key) {
      case `${SVCS}requestmethod`: return i.tcp ? undefined : [i.method];
      case `${SVCS}requestpath`: return i.tcp ? undefined : [this.path];
      case `${SVCS}servicearn`: return [i.serviceArn];
      case `${SVCS}servicenetworkarn`: return one(i.serviceNetworkArn);
      case `${SVCS}sourcevpc`: return one(i.sourceVpc);
      case `${SVCS}sourcevpcowneraccount`: return one(i.sourceVpcOwnerAccount);
      case `${SVCS}port`: return i.port === undefined ? undefined : [String(i.port)];
      default: return undefined;
    }
  }

  /**
   * Global keys. The anonymous caller has only `aws:PrincipalType` (`Anonymous`) and
   * `aws:userid` (`anonymous`), as IAM gives it; a session's `aws:PrincipalArn` is its role's ARN.
   */
  private global(key: string): readonly string[] | undefined {
    const i = this.input;
    const p = i.principal;
    const anonymous = p.type === 'Anonymous';
    if (key.startsWith(RESOURCE_TAG)) return one(tagOf(i.resourceTags, key.slice(RESOURCE_TAG.length)));
    if (key.startsWith(PRINCIPAL_TAG)) return anonymous ? undefined : one(tagOf(p.tags, key.slice(PRINCIPAL_TAG.length)));
    switch (key) {
      case 'aws:principaltype': return [PRINCIPAL_TYPE[p.type]];
      case 'aws:userid': return anonymous ? ['anonymous'] : one(p.userId ?? (p.type === 'Root' ? p.account : undefined));
      case 'aws:sourceip': return one(i.sourceIp);
      case 'aws:securetransport': return i.secureTransport === undefined ? undefined : [String(i.secureTransport)];
      case 'aws:currenttime': return [isoSeconds(i.now)];
      case 'aws:epochtime': return [String(Math.floor(i.now / 1000))];
    }
    if (anonymous) return undefined;
    switch (key) {
      case 'aws:principalarn': return [p.type === 'AssumedRole' && p.roleArn !== undefined ? p.roleArn : p.arn];
      case 'aws:principalaccount': return [p.account];
      case 'aws:principalisawsservice': return ['false'];
      case 'aws:principalorgid': return one(p.orgId);
      case 'aws:principalorgpaths': return p.orgPaths && p.orgPaths.length > 0 ? p.orgPaths : undefined;
      case 'aws:username': return p.type === 'User' ? [p.arn.slice(p.arn.lastIndexOf('/') + 1)] : undefined;
      default: return undefined;
    }
  }

  /** A header by lower-case name; names given in other cases are lower-cased once, if any are. */
  private header(name: string): readonly string[] | undefined {
    if (this.#headers === undefined) {
      const h = this.input.headers ?? {};
      const mixed = Object.keys(h).some((n) => /[A-Z]/.test(n));
      this.#headers = mixed ? Object.fromEntries(Object.entries(h).map(([n, v]) => [n.toLowerCase(), v])) : h;
    }
    const v = Object.hasOwn(this.#headers, name) ? this.#headers[name] : undefined;
    return v === undefined ? undefined : typeof v === 'string' ? [v] : v;
  }

  /**
   * Query parameters by lower-case name, decoded as a form query (`+` is a space) like
   * URLSearchParams; a malformed escape is kept as written. Parsed on first use.
   */
  private queries(): Map<string, string[]> {
    if (this.#queries) return this.#queries;
    const out = new Map<string, string[]>();
    const q = this.query;
    let from = 0;
    while (from <= q.length) {
      let end = q.indexOf('&', from);
      if (end < 0) end = q.length;
      if (end > from) {
        const eq = q.indexOf('=', from);
        const split = eq >= 0 && eq < end;
        const name = decodeForm(q.slice(from, split ? eq : end)).toLowerCase();
        const value = split ? decodeForm(q.slice(eq + 1, end)) : '';
        const had = out.get(name);
        if (had) had.push(value);
        else out.set(name, [value]);
      }
      from = end + 1;
    }
    this.#queries = out;
    return out;
  }

  /** Every key with a value, built once (for iteration; evaluation uses get()). */
  private all(): Map<string, readonly string[]> {
    if (this.#all) return this.#all;
    const out = new Map<string, readonly string[]>();
    const add = (k: string) => {
      const v = this.get(k);
      if (v !== undefined) out.set(k, v);
    };
    for (const k of FIXED) add(k);
    if (!this.input.tcp) for (const n of Object.keys(this.input.headers ?? {})) add(HEADER + n.toLowerCase());
    for (const n of this.queries().keys()) add(QUERY + n);
    for (const n of Object.keys(this.input.principal.tags)) add(PRINCIPAL_TAG + n.toLowerCase());
    for (const n of Object.keys(this.input.resourceTags ?? {})) add(RESOURCE_TAG + n.toLowerCase());
    this.#all = out;
    return out;
  }

  get size(): number { return this.all().size; }
  entries(): MapIterator<[string, readonly string[]]> { return this.all().entries(); }
  keys(): MapIterator<string> { return this.all().keys(); }
  values(): MapIterator<readonly string[]> { return this.all().values(); }
  [Symbol.iterator](): MapIterator<[string, readonly string[]]> { return this.all()[Symbol.iterator](); }
  forEach(fn: (value: readonly string[], key: string, map: ReadonlyMap<string, readonly string[]>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.all()) fn.call(thisArg, v, k, this);
  }
}

/** A tag by lower-case key; tag keys in other cases match too (IAM compares key names case-insensitively). */
function tagOf(tags: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  if (!tags) return undefined;
  if (Object.hasOwn(tags, key)) return tags[key];
  for (const k in tags) if (k.toLowerCase() === key) return tags[k];
  return undefined;
}

function decodeForm(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

let lastSecond = NaN;
let lastIso = '';

/** `2026-03-01T12:34:56Z` (IAM's form, no milliseconds); the last second's text is reused. */
function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return lastIso;
}
