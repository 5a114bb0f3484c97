import type { Scope } from './arn.js';

/**
 * The hash-like label in generated Lattice DNS names. AWS's is observed as the constant
 * `7d67968` in every region and account (LATTICE.md §1.3), so Trellis uses it too.
 */
export const PARTITION_HASH = '7d67968';

/** `{name}-{id without svc-}.{hash}.vpc-lattice-svcs.{region}.on.aws`, as AWS forms it. */
export function serviceDnsName(scope: Scope, serviceName: string, serviceId: string): string {
  return `${serviceName}-${serviceId.slice('svc-'.length)}.${PARTITION_HASH}.vpc-lattice-svcs.${scope.region}.on.aws`;
}

/** A Route 53-shaped hosted zone id, stable per region so clients can rely on it. */
export function hostedZoneId(scope: Scope): string {
  let h = 0;
  for (const c of scope.region) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `Z${h.toString(36).toUpperCase().padStart(8, '0')}LATTICE`.slice(0, 21);
}
