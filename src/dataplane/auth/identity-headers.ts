import type { Principal } from '../../iam/index.js';

/**
 * The caller-identity headers a target receives for an authenticated request (LATTICE.md
 * §2.9): `x-amzn-lattice-identity` (`Principal=…;PrincipalOrgID=…;SessionName=…`) and
 * `x-amzn-lattice-identity-tags` (`principal=…;principalorgid=…;<tag>=<value>;…`, `;` in
 * values escaped as `\;`). Anonymous callers get neither. Principals are few and long-lived,
 * so each pair of values is built once per principal object.
 */

const cache = new WeakMap<Principal, readonly string[]>();

/** `[name, value, name, value]` to append to the forwarded headers; empty for anonymous. */
export function identityHeaders(p: Principal): readonly string[] {
  if (p.type === 'Anonymous') return NONE;
  let v = cache.get(p);
  if (v === undefined) cache.set(p, (v = build(p)));
  return v;
}

const NONE: readonly string[] = [];

function build(p: Principal): readonly string[] {
  const id = [`Principal=${p.arn}`];
  const tags = [`principal=${esc(p.arn)}`];
  if (p.orgId !== undefined) { id.push(`PrincipalOrgID=${p.orgId}`); tags.push(`principalorgid=${esc(p.orgId)}`); }
  if (p.orgPaths !== undefined && p.orgPaths.length > 0) {
    id.push(`PrincipalOrgPath=${p.orgPaths.join(',')}`);
    tags.push(`principalorgpath=${esc(p.orgPaths.join(','))}`);
  }
  if (p.sessionName !== undefined) id.push(`SessionName=${p.sessionName}`);
  for (const [k, value] of Object.entries(p.tags)) tags.push(`${esc(k)}=${esc(value)}`);
  return ['x-amzn-lattice-identity', id.join(';'), 'x-amzn-lattice-identity-tags', tags.join(';')];
}

function esc(v: string): string {
  return v.includes(';') ? v.replaceAll(';', '\\;') : v;
}

/** `callerPrincipalTags` of the access log: the tags as JSON, '-' when there are none. */
export function principalTagsJson(p: Principal): string {
  return Object.keys(p.tags).length === 0 ? '-' : JSON.stringify(p.tags);
}
