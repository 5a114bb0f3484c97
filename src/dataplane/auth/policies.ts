import type { ServiceEntry, ServiceNetworkEntry } from '../../config/index.js';
import { compilePolicy, type CompiledPolicy } from '../../iam/index.js';
import { parsePolicyDocument } from '../../model/index.js';

/**
 * The auth policies of the snapshot's entries, compiled once per entry object: entries are
 * immutable and an unchanged network or service keeps its object across snapshots, so a
 * policy is compiled once per change of its resource, never per request. The cache is a
 * WeakMap, so policies go with the snapshots that held them.
 *
 * A stored policy that no longer parses (PutAuthPolicy checked it, so only a store edited by
 * hand) compiles to a policy with no statement: under AWS_IAM it allows nothing, as a broken
 * policy must not open a service.
 */

type AuthEntry = ServiceEntry | ServiceNetworkEntry;

const compiled = new WeakMap<AuthEntry, CompiledPolicy | null>();

/** The compiled auth policy of a network or service; undefined when none is attached. */
export function authPolicyOf(entry: AuthEntry): CompiledPolicy | undefined {
  let c = compiled.get(entry);
  if (c === undefined) {
    c = compileEntry(entry);
    compiled.set(entry, c);
  }
  return c ?? undefined;
}

function compileEntry(entry: AuthEntry): CompiledPolicy | null {
  if (entry.authPolicy === undefined) return null;
  const kind = entry.arn.includes(':servicenetwork/') ? 'service-network' : 'service';
  const source = `auth policy of ${entry.id}`;
  const parsed = parsePolicyDocument(entry.authPolicy);
  if (!parsed.ok) return compilePolicy(kind, `${source} (unreadable: ${parsed.message})`, { version: '2012-10-17', statements: [] });
  return compilePolicy(kind, source, parsed.document);
}

/** Whether any layer of the pair enforces auth policies. */
export function enforced(net: ServiceNetworkEntry, svc: ServiceEntry): boolean {
  return net.authType === 'AWS_IAM' || svc.authType === 'AWS_IAM';
}
