import { randomBytes } from 'node:crypto';

/**
 * A fresh resource id: the prefix plus 17 characters. AWS's own ids are `0` followed by 16
 * lowercase hex digits (`svc-0cfe1f49ff3266204`), which also satisfies the hex-only patterns
 * of `snra-`, `rea-` and `dv-` ids, so one generator serves every kind.
 */
export function newId(prefix: string, random: (n: number) => Buffer = randomBytes): string {
  return `${prefix}-0${random(8).toString('hex')}`;
}
