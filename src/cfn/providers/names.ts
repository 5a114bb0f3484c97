import { createHash } from 'node:crypto';
import { shapes } from '../../model/index.js';
import type { ProviderContext } from '../contracts.js';

/**
 * Physical names for resources whose template omits the name, as CloudFormation makes them:
 * `{stackName}-{logicalId}-{12 random}`. When stack name and logical id do not fit in the
 * type's maximum, each is cut (the stack name to at most half the room), which is how
 * `latticestack-serviceonelatt-wjkccuateyba` comes about for a 40-character service name.
 *
 * The random part is derived from the stack, the logical id and the operation's token, so a
 * retried create within one stack operation asks for the same name (and the API's
 * idempotency answers the first resource), while the next operation's replacement gets a
 * new one. Lattice names are lower case, `[a-z0-9-]`, with no leading, trailing or double
 * hyphen and no reserved prefix (`svc-`, `tg-`…): the generated name is made to fit.
 */

const SUFFIX = 12;

export interface NameRule {
  readonly maxLength: number;
  /** Lattice's names: lower case, `[a-z0-9-]`, single hyphens. Otherwise the case is kept. */
  readonly lattice: boolean;
  readonly forbiddenPrefixes?: readonly string[];
}

/** The rule of a Lattice name shape of the model (max length, reserved prefixes from its pattern). */
export function latticeNameRule(shapeName: string): NameRule {
  const s = shapes[shapeName];
  if (!s?.max) throw new Error(`model shape ${shapeName} has no maximum length`);
  const forbiddenPrefixes = [...(s.pattern ?? '').matchAll(/\(\?!([a-z0-9]+-)\)/g)].map((m) => m[1]!);
  return { maxLength: s.max, lattice: true, forbiddenPrefixes };
}

function randomPart(ctx: ProviderContext, lattice: boolean): string {
  const digest = createHash('sha256').update(`name\0${ctx.stackId}\0${ctx.logicalId}\0${ctx.clientRequestToken}`).digest();
  const alphabet = lattice ? 'abcdefghijklmnopqrstuvwxyz' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...digest.subarray(0, SUFFIX)].map((b) => alphabet[b % alphabet.length]).join('');
}

function cut(stack: string, logical: string, room: number): [string, string] {
  if (stack.length + logical.length <= room) return [stack, logical];
  const half = Math.floor(room / 2);
  if (stack.length > half) {
    if (logical.length > half) return [stack.slice(0, half), logical.slice(0, room - half)];
    return [stack.slice(0, room - logical.length), logical];
  }
  return [stack, logical.slice(0, room - stack.length)];
}

function latticeSafe(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
}

export function generateName(ctx: ProviderContext, rule: NameRule): string {
  const suffix = randomPart(ctx, rule.lattice);
  const prep = rule.lattice ? latticeSafe : (s: string) => s;
  let stack = prep(ctx.stackName);
  for (const p of rule.forbiddenPrefixes ?? []) while (stack.startsWith(p)) stack = stack.slice(p.length);
  const room = Math.max(0, rule.maxLength - SUFFIX - 2);
  const [s, l] = cut(stack, prep(ctx.logicalId), room);
  const parts = [s, l, suffix].map((x) => (rule.lattice ? x.replace(/^-+|-+$/g, '') : x)).filter((x) => x.length > 0);
  let name = parts.join('-');
  if (rule.lattice) name = latticeSafe(name);
  for (const p of rule.forbiddenPrefixes ?? []) while (name.startsWith(p)) name = name.slice(p.length);
  return name.slice(0, rule.maxLength);
}
