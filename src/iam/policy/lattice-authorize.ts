import type { AuthContext, CompiledPolicy, Decision } from '../contracts.js';
import { combine, evaluatePolicy, explainPolicy, type PolicyExplanation, type PolicyVerdict } from './evaluate.js';

/**
 * The data plane's auth decision, as LATTICE.md §3.3 describes it: every applicable layer
 * must allow and none may explicitly deny.
 *
 * 1. Identity: the caller's own identity policies must allow — only for an authenticated
 *    caller, and only when they are supplied (the layer is pluggable: a self-hosted setup
 *    without IAM users passes none and the layer is skipped);
 * 2. Network: when the service network's authType is AWS_IAM, its auth policy must allow (no
 *    policy attached: everything is denied);
 * 3. Service: the same with the service's authType and auth policy.
 *
 * When several layers deny, the one named is (LATTICE.md's recommendation): an explicit deny
 * first (network, service, identity in that order), then the network, the service, the identity
 * layer's implicit deny.
 */

export type LatticeAuthType = 'NONE' | 'AWS_IAM';
/** `authDeniedReason` of the access log. */
export type LatticeAuthLayer = 'Network' | 'Service' | 'Identity';

export interface LatticeAuthInput {
  readonly networkAuthType: LatticeAuthType;
  readonly networkPolicy?: CompiledPolicy;
  readonly serviceAuthType: LatticeAuthType;
  readonly servicePolicy?: CompiledPolicy;
  /** The caller's identity policies; undefined skips the identity layer. */
  readonly identityPolicies?: readonly CompiledPolicy[];
  readonly ctx: AuthContext;
  /** Also trace every statement (for `trellis auth explain` and denied requests' logs). */
  readonly explain?: boolean;
}

export type LayerOutcome = 'Skipped' | 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** What one layer decided, and why. */
export interface LayerVerdict {
  readonly layer: LatticeAuthLayer;
  readonly outcome: LayerOutcome;
  /** In words: `authType is NONE`, `no auth policy is attached`, `the caller is anonymous`, … */
  readonly why: string;
  /** The deciding statement, when a statement decided. */
  readonly decision?: Decision;
  readonly policies: readonly PolicyVerdict[];
  /** With `explain`: each policy's statements. */
  readonly traces?: readonly PolicyExplanation[];
}

export interface LatticeAuthResult {
  readonly allowed: boolean;
  /** The layer named in the 403 and the access log; absent when allowed. */
  readonly authDeniedReason?: LatticeAuthLayer;
  /** The 403 body line, in AWS's words; absent when allowed. */
  readonly message?: string;
  /** Network, service, identity — always all three, skipped ones included. */
  readonly layers: readonly LayerVerdict[];
}

const KIND_WORD: Readonly<Record<LatticeAuthLayer, string>> = { Network: 'network', Service: 'service', Identity: 'identity' };

/** Decides a data-plane request; see the file comment for the order and the rules. */
export function authorizeLatticeRequest(input: LatticeAuthInput): LatticeAuthResult {
  const { ctx } = input;
  const explain = input.explain === true;
  const network = resourceLayer('Network', input.networkAuthType, input.networkPolicy, ctx, explain);
  const service = resourceLayer('Service', input.serviceAuthType, input.servicePolicy, ctx, explain);
  const identity = identityLayer(input.identityPolicies, ctx, explain);
  const layers = [network, service, identity];
  const denied = layers.find((l) => l.outcome === 'ExplicitDeny') ?? layers.find((l) => l.outcome === 'ImplicitDeny');
  if (!denied) return { allowed: true, layers };
  return { allowed: false, authDeniedReason: denied.layer, message: deniedMessage(ctx, denied.layer, denied.outcome === 'ExplicitDeny'), layers };
}

function resourceLayer(layer: LatticeAuthLayer, authType: LatticeAuthType, policy: CompiledPolicy | undefined, ctx: AuthContext, explain: boolean): LayerVerdict {
  const what = layer === 'Network' ? 'service network' : 'service';
  if (authType === 'NONE') return { layer, outcome: 'Skipped', why: `the ${what}'s authType is NONE`, policies: [] };
  if (!policy) return { layer, outcome: 'ImplicitDeny', why: `the ${what}'s authType is AWS_IAM and no auth policy is attached`, policies: [] };
  return verdictOf(layer, [policy], ctx, explain);
}

function identityLayer(policies: readonly CompiledPolicy[] | undefined, ctx: AuthContext, explain: boolean): LayerVerdict {
  const layer = 'Identity';
  if (ctx.principal.type === 'Anonymous') return { layer, outcome: 'Skipped', why: 'the caller is anonymous: there are no identity policies to consult', policies: [] };
  if (policies === undefined) return { layer, outcome: 'Skipped', why: 'identity policies are not checked here', policies: [] };
  if (policies.length === 0) return { layer, outcome: 'ImplicitDeny', why: `${ctx.principal.arn} has no identity policies`, policies: [] };
  return verdictOf(layer, policies, ctx, explain);
}

function verdictOf(layer: LatticeAuthLayer, policies: readonly CompiledPolicy[], ctx: AuthContext, explain: boolean): LayerVerdict {
  const traces = explain ? policies.map((p) => explainPolicy(p, ctx)) : undefined;
  const verdicts = traces ? traces.map((t) => t.verdict) : policies.map((p) => evaluatePolicy(p, ctx));
  const decision = combine(verdicts);
  const why = decision.effect === 'Allow' ? `allowed by ${describeRef(decision)}`
    : decision.effect === 'ExplicitDeny' ? `explicitly denied by ${describeRef(decision)}`
      : `no statement of the ${KIND_WORD[layer]}-based ${policies.length === 1 ? 'policy' : 'policies'} allows ${ctx.action} on ${ctx.resource}`;
  return {
    layer,
    outcome: decision.effect,
    why,
    ...(decision.statement ? { decision } : {}),
    policies: verdicts,
    ...(traces ? { traces } : {}),
  };
}

function describeRef(d: Decision): string {
  const s = d.statement!;
  return `statement ${s.index}${s.sid ? ` (Sid ${s.sid})` : ''} of ${s.source}`;
}

/**
 * The 403 body line, in the formats AWS is observed to send (LATTICE.md §3.3): the user is
 * `anonymous` or the caller's ARN (a session's `assumed-role` ARN, not the role's).
 */
export function deniedMessage(ctx: AuthContext, layer: LatticeAuthLayer, explicit: boolean): string {
  const who = ctx.principal.type === 'Anonymous' ? 'anonymous' : ctx.principal.arn;
  const head = `AccessDeniedException: User: ${who} is not authorized to perform: ${ctx.action} on resource: ${ctx.resource}`;
  return explicit
    ? `${head} with an explicit deny in ${layer === 'Identity' ? 'an' : 'a'} ${KIND_WORD[layer]}-based policy`
    : `${head} because no ${KIND_WORD[layer]}-based policy allows the ${ctx.action} action`;
}

/** The result as lines of text: the decision, then each layer with its policies and statements. */
export function formatLatticeAuth(result: LatticeAuthResult): string {
  const lines = [result.allowed ? 'ALLOW' : `DENY (${result.authDeniedReason}): ${result.message}`];
  for (const l of result.layers) {
    lines.push(`  ${l.layer}: ${l.outcome} — ${l.why}`);
    for (const t of l.traces ?? []) {
      lines.push(`    ${t.verdict.source}: ${t.verdict.effect}`);
      for (const s of t.statements) {
        const name = `statement ${s.index}${s.sid ? ` (${s.sid})` : ''} ${s.effect}`;
        lines.push(`      ${name}: ${s.applies ? 'applies' : `does not apply — ${s.mismatch}`}`);
      }
    }
  }
  return lines.join('\n');
}
