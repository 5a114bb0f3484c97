import { kindOfId, type ResourceKind } from '../model/index.js';
import type { ResourceRecord } from '../store/index.js';
import { compileListeners } from './compile-routes.js';
import { compileTargetGroups, type TargetGroupDraft } from './compile-targets.js';
import { compileVpcs } from './compile-vpcs.js';
import { CompileContext } from './context.js';
import { field, Fields, reasonOf } from './narrow.js';
import type {
  AccessLogDestination, Problem, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry,
} from './snapshot.js';

/** The record kinds a snapshot is compiled from (what the follower scans). */
export const SNAPSHOT_KINDS = [
  'servicenetwork', 'service', 'listener', 'rule', 'targetgroup',
  'servicenetworkserviceassociation', 'servicenetworkvpcassociation',
  'vpc', 'securitygroup', 'instance', 'loadbalancer', 'accesslogsubscription', 'authpolicy',
] as const satisfies readonly ResourceKind[];

/**
 * A service association routes once it is ACTIVE, as on AWS: CREATE_IN_PROGRESS does not
 * route yet (the control plane settles it shortly after the create), DELETE_IN_PROGRESS no
 * longer does, and the *_FAILED states never did.
 */
export const ROUTABLE_SERVICE_ASSOCIATION_STATUSES: readonly string[] = ['ACTIVE'];

/** A service answers through its networks only once it is ACTIVE itself. */
export const ROUTABLE_SERVICE_STATUSES: readonly string[] = ['ACTIVE'];

const AUTH_TYPES = ['NONE', 'AWS_IAM'] as const;

/**
 * Compiles the store's records (of `SNAPSHOT_KINDS`, in any order) into the immutable
 * RoutingSnapshot the data plane routes by, labelled with `revision`.
 *
 * Pure and total: it reads only its input, never throws, and a record that cannot be
 * compiled is left out and named in `problems` (kind, id, reason) without touching the
 * routes that do not depend on it. Every doc is read as unknown JSON and narrowed. The rules
 * for each part are in compile-targets.ts, compile-routes.ts and compile-vpcs.ts, and in
 * README.md; the output always passes `checkSnapshot`.
 */
export function compile(records: readonly ResourceRecord[], revision: number): RoutingSnapshot {
  const ctx = new CompileContext(records);
  const drafts = compileTargetGroups(ctx);
  const policies = compileAuthPolicies(ctx);
  const logs = compileAccessLogs(ctx);

  const groupCheck = (id: string): string | undefined => {
    if (drafts.has(id)) return undefined;
    return ctx.all('targetgroup').some((r) => r.id === id) ? 'could not be compiled' : 'does not exist';
  };
  const services = new Map<string, ServiceEntry>();
  for (const rec of ctx.all('service')) {
    if (services.has(rec.id)) { duplicate(ctx, rec); continue; }
    try {
      services.set(rec.id, compileService(ctx, rec, groupCheck, policies, logs));
    } catch (err) {
      ctx.problem('service', rec.id, reasonOf(err));
    }
  }
  reportOrphans(ctx);

  const networks = compileNetworks(ctx, services, policies, logs);
  return {
    revision,
    vpcs: compileVpcs(ctx, networks),
    serviceNetworks: networks,
    services,
    targetGroups: markUsed(drafts, services),
    problems: sortProblems(ctx.problems),
  };
}

type PolicyIndex = ReadonlyMap<string, string>;
type LogIndex = ReadonlyMap<string, readonly AccessLogDestination[]>;

function compileService(
  ctx: CompileContext, rec: ResourceRecord, groups: (id: string) => string | undefined, policies: PolicyIndex, logs: LogIndex,
): ServiceEntry {
  const f = Fields.of(rec.doc, '');
  const hostNames: string[] = [];
  addHost(hostNames, f.optChild('dnsEntry')?.optStr('domainName'));
  addHost(hostNames, f.optStr('customDomainName'));
  const authPolicy = policies.get(placedId(rec, rec.id));
  return {
    id: rec.id, arn: f.str('arn'), name: f.optStr('name') ?? rec.name,
    account: rec.account, region: rec.region, hostNames,
    authType: f.optOneOf('authType', AUTH_TYPES) ?? 'NONE',
    ...(authPolicy !== undefined ? { authPolicy } : {}),
    idleTimeoutSeconds: f.optInt('idleTimeoutSeconds', 1, 3600) ?? 60,
    listeners: compileListeners(ctx, rec, groups),
    accessLogs: logs.get(placedId(rec, rec.id)) ?? [],
  };
}

/** Host names match case-insensitively: they are kept lower case, each once. */
function addHost(hostNames: string[], host: string | undefined): void {
  const lower = host?.toLowerCase();
  if (lower && !hostNames.includes(lower)) hostNames.push(lower);
}

/** Listeners whose service is gone and rules whose listener is gone route nothing. */
function reportOrphans(ctx: CompileContext): void {
  for (const rec of ctx.all('listener')) {
    if (!ctx.get('service', rec, rec.parentId)) ctx.problem('listener', rec.id, `its service ${rec.parentId || '(none)'} does not exist`);
  }
  for (const rec of ctx.all('rule')) {
    if (!ctx.get('listener', rec, rec.parentId)) ctx.problem('rule', rec.id, `its listener ${rec.parentId || '(none)'} does not exist`);
  }
}

function compileNetworks(ctx: CompileContext, services: ReadonlyMap<string, ServiceEntry>, policies: PolicyIndex, logs: LogIndex): Map<string, ServiceNetworkEntry> {
  const byHost = new Map<string, Map<string, ServiceEntry>>();
  const out = new Map<string, ServiceNetworkEntry>();
  for (const rec of ctx.all('servicenetwork')) {
    if (out.has(rec.id)) { duplicate(ctx, rec); continue; }
    try {
      const f = Fields.of(rec.doc, '');
      const hosts = new Map<string, ServiceEntry>();
      const authPolicy = policies.get(placedId(rec, rec.id));
      out.set(rec.id, {
        id: rec.id, arn: f.str('arn'), name: f.optStr('name') ?? rec.name, account: rec.account,
        authType: f.optOneOf('authType', AUTH_TYPES) ?? 'NONE',
        ...(authPolicy !== undefined ? { authPolicy } : {}),
        servicesByHost: hosts,
        accessLogs: logs.get(placedId(rec, rec.id)) ?? [],
      });
      byHost.set(rec.id, hosts);
    } catch (err) {
      ctx.problem('servicenetwork', rec.id, reasonOf(err));
    }
  }
  for (const rec of ctx.all('servicenetworkserviceassociation')) {
    try {
      const f = Fields.of(rec.doc, '');
      if (!ROUTABLE_SERVICE_ASSOCIATION_STATUSES.includes(f.str('status'))) continue;
      const networkId = f.str('serviceNetworkId');
      const serviceId = f.str('serviceId');
      const hosts = byHost.get(networkId);
      if (!hosts) throw new Error(`its service network ${networkId} ${ctx.get('servicenetwork', rec, networkId) ? 'could not be compiled' : 'does not exist'}`);
      const service = services.get(serviceId);
      if (!service) {
        // A service that failed to compile has its own problem; only a missing one is news.
        if (!ctx.get('service', rec, serviceId)) throw new Error(`its service ${serviceId} does not exist`);
        continue;
      }
      const status = field(ctx.get('service', rec, serviceId)?.doc, 'status');
      if (typeof status !== 'string' || !ROUTABLE_SERVICE_STATUSES.includes(status)) continue;
      for (const host of service.hostNames) {
        const holder = hosts.get(host);
        if (holder && holder !== service) {
          ctx.problem('servicenetworkserviceassociation', rec.id, `host ${host} already answers for service ${holder.id} in service network ${networkId}`);
        } else hosts.set(host, service);
      }
    } catch (err) {
      ctx.problem('servicenetworkserviceassociation', rec.id, reasonOf(err));
    }
  }
  return out;
}

/**
 * Auth policy text by the place and id of the network or service it is attached to. A
 * malformed policy record is left out: a network or service with AWS_IAM and no policy
 * denies everything, so this fails closed.
 */
function compileAuthPolicies(ctx: CompileContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of ctx.all('authpolicy')) {
    try {
      out.set(placedId(rec, rec.id), Fields.of(rec.doc, '').str('policy'));
    } catch (err) {
      ctx.problem('authpolicy', rec.id, reasonOf(err));
    }
  }
  return out;
}

/**
 * Access-log destinations by the place and id of the network or service subscribed. A
 * network's subscriptions count only for service traffic (`serviceNetworkLogType` SERVICE
 * or unset); RESOURCE ones and those of resource configurations are not for the HTTP path.
 */
function compileAccessLogs(ctx: CompileContext): Map<string, AccessLogDestination[]> {
  const out = new Map<string, AccessLogDestination[]>();
  for (const rec of ctx.all('accesslogsubscription')) {
    try {
      const f = Fields.of(rec.doc, '');
      const resourceId = f.str('resourceId');
      const kind = kindOfId(resourceId);
      if (kind !== 'servicenetwork' && kind !== 'service') continue;
      if (kind === 'servicenetwork' && (f.optStr('serviceNetworkLogType') ?? 'SERVICE') !== 'SERVICE') continue;
      if (!ctx.get(kind, rec, resourceId)) throw new Error(`its ${kind === 'service' ? 'service' : 'service network'} ${resourceId} does not exist`);
      const key = placedId(rec, resourceId);
      const list = out.get(key) ?? [];
      list.push({ subscriptionId: rec.id, destinationArn: f.str('destinationArn'), resourceId });
      out.set(key, list);
    } catch (err) {
      ctx.problem('accesslogsubscription', rec.id, reasonOf(err));
    }
  }
  return out;
}

/** Clears `unused` on every group a compiled listener or rule forwards to. */
function markUsed(drafts: ReadonlyMap<string, TargetGroupDraft>, services: ReadonlyMap<string, ServiceEntry>): ReadonlyMap<string, TargetGroupEntry> {
  for (const s of services.values()) {
    for (const l of s.listeners.values()) {
      for (const r of l.rules) {
        if (r.action.type !== 'forward') continue;
        for (const g of r.action.targetGroups) {
          const draft = drafts.get(g.targetGroupId);
          if (draft) draft.unused = false;
        }
      }
    }
  }
  return drafts;
}

/** Snapshot maps are keyed by id: a second place holding the same id is left out. */
function duplicate(ctx: CompileContext, rec: ResourceRecord): void {
  ctx.problem(rec.kind, `${rec.account}/${rec.region}/${rec.id}`, `an earlier ${rec.kind} record has the same id`);
}

function placedId(place: { readonly account: string; readonly region: string }, id: string): string {
  return `${place.account}\0${place.region}\0${id}`;
}

function sortProblems(problems: readonly Problem[]): Problem[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...problems].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.id, b.id) || cmp(a.reason, b.reason));
}
