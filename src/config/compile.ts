import { kindOfId, type ResourceKind } from '../model/index.js';
import type { Place, ResourceRecord } from '../store/index.js';
import { compileListeners, type TargetGroupCheck } from './compile-routes.js';
import { compileTargetGroups, type TargetGroupDraft } from './compile-targets.js';
import { compileVpcs } from './compile-vpcs.js';
import { serviceCertificate } from './compile-certificates.js';
import { CompileContext } from './context.js';
import { field, Fields, reasonOf } from './narrow.js';
import type {
  AccessLogDestination, CertificateEntry, Problem, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry,
} from './snapshot.js';

/** The record kinds a snapshot is compiled from (what the follower scans). */
export const SNAPSHOT_KINDS = [
  'servicenetwork', 'service', 'listener', 'rule', 'targetgroup',
  'servicenetworkserviceassociation', 'servicenetworkvpcassociation',
  'vpc', 'securitygroup', 'instance', 'loadbalancer', 'accesslogsubscription', 'authpolicy',
  'lambdafunction', 'certificate',
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

  const groupCheck = targetGroupCheck((id) => drafts.has(id), (id) => ctx.all('targetgroup').some((r) => r.id === id));
  const services = new Map<string, ServiceEntry>();
  const serviceIds = new Set<string>();
  for (const rec of ctx.all('service')) {
    if (serviceIds.has(rec.id)) { duplicate(ctx, rec); continue; }
    serviceIds.add(rec.id);
    const entry = serviceUnit(ctx, rec, groupCheck, policies, logs);
    if (entry) services.set(rec.id, entry);
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

/** Auth policy text by `placedId` of the network or service it is attached to. */
export type PolicyIndex = ReadonlyMap<string, string>;
/** Access-log destinations by `placedId` of the network or service subscribed, in creation order. */
export type LogIndex = ReadonlyMap<string, readonly AccessLogDestination[]>;

/**
 * What an action's target group is, for `compileAction`: routable (undefined) or why not. A
 * group whose record exists but did not compile is told apart from a missing one.
 */
export function targetGroupCheck(compiled: (id: string) => boolean, exists: (id: string) => boolean): TargetGroupCheck {
  return (id) => (compiled(id) ? undefined : exists(id) ? 'could not be compiled' : 'does not exist');
}

/** One service with its listeners and rules; undefined (and a problem) when it does not compile. */
export function serviceUnit(
  ctx: CompileContext, rec: ResourceRecord, groups: TargetGroupCheck, policies: PolicyIndex, logs: LogIndex,
): ServiceEntry | undefined {
  try {
    return compileService(ctx, rec, groups, policies, logs);
  } catch (err) {
    ctx.problem('service', rec.id, reasonOf(err));
    return undefined;
  }
}

function compileService(
  ctx: CompileContext, rec: ResourceRecord, groups: TargetGroupCheck, policies: PolicyIndex, logs: LogIndex,
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
    // Last: its problem must not be reported for a service that then fails to compile.
    ...certificateOf(ctx, rec.id, f),
  };
}

/** The service's imported certificate, as a spreadable member (absent when none applies). */
function certificateOf(ctx: CompileContext, id: string, f: Fields): { readonly certificate?: CertificateEntry } {
  const certificate = serviceCertificate(ctx, id, f.optStr('certificateArn'), f.optStr('customDomainName'));
  return certificate ? { certificate } : {};
}

/** Host names match case-insensitively: they are kept lower case, each once. */
function addHost(hostNames: string[], host: string | undefined): void {
  const lower = host?.toLowerCase();
  if (lower && !hostNames.includes(lower)) hostNames.push(lower);
}

/** Listeners whose service is gone and rules whose listener is gone route nothing. */
function reportOrphans(ctx: CompileContext): void {
  for (const rec of ctx.all('listener')) {
    if (!ctx.get('service', rec, rec.parentId)) ctx.problem('listener', orphanId(ctx, rec), orphanReason('listener', rec.parentId));
  }
  for (const rec of ctx.all('rule')) {
    if (!ctx.get('listener', rec, rec.parentId)) ctx.problem('rule', orphanId(ctx, rec), orphanReason('rule', rec.parentId));
  }
}

/**
 * An orphan is named by its id, or by `account/region/id` when another place holds a record
 * of the same id: that one may be in the snapshot, and a problem names what is left out.
 */
function orphanId(ctx: CompileContext, rec: ResourceRecord): string {
  const elsewhere = ctx.all(rec.kind).some((r) => r.id === rec.id && (r.account !== rec.account || r.region !== rec.region));
  return elsewhere ? `${rec.account}/${rec.region}/${rec.id}` : rec.id;
}

/** The problem of a listener whose service record, or a rule whose listener record, is missing. */
export function orphanReason(kind: 'listener' | 'rule', parentId: string): string {
  return `its ${kind === 'listener' ? 'service' : 'listener'} ${parentId || '(none)'} does not exist`;
}

function compileNetworks(ctx: CompileContext, services: ReadonlyMap<string, ServiceEntry>, policies: PolicyIndex, logs: LogIndex): Map<string, ServiceNetworkEntry> {
  const byHost = new Map<string, Map<string, ServiceEntry>>();
  const out = new Map<string, ServiceNetworkEntry>();
  const ids = new Set<string>();
  for (const rec of ctx.all('servicenetwork')) {
    if (ids.has(rec.id)) { duplicate(ctx, rec); continue; }
    ids.add(rec.id);
    try {
      const hosts = new Map<string, ServiceEntry>();
      out.set(rec.id, compileNetwork(rec, hosts, policies, logs));
      byHost.set(rec.id, hosts);
    } catch (err) {
      ctx.problem('servicenetwork', rec.id, reasonOf(err));
    }
  }
  const lookups: AssociationLookups = {
    hosts: (id) => byHost.get(id),
    networkExists: (place, id) => ctx.get('servicenetwork', place, id) !== undefined,
    service: (id) => services.get(id),
    serviceRoutable: (place, id) => {
      const rec = ctx.get('service', place, id);
      return rec && routableService(rec.doc);
    },
  };
  for (const rec of ctx.all('servicenetworkserviceassociation')) {
    try {
      const target = associationOf(rec);
      if (target) addAssociation(lookups, rec, target, (reason) => ctx.problem('servicenetworkserviceassociation', rec.id, reason));
    } catch (err) {
      ctx.problem('servicenetworkserviceassociation', rec.id, reasonOf(err));
    }
  }
  return out;
}

/** A network's entry, answering for the services later added to `hosts`. Throws when malformed. */
export function compileNetwork(rec: ResourceRecord, hosts: ReadonlyMap<string, ServiceEntry>, policies: PolicyIndex, logs: LogIndex): ServiceNetworkEntry {
  const f = Fields.of(rec.doc, '');
  const authPolicy = policies.get(placedId(rec, rec.id));
  return {
    id: rec.id, arn: f.str('arn'), name: f.optStr('name') ?? rec.name, account: rec.account,
    authType: f.optOneOf('authType', AUTH_TYPES) ?? 'NONE',
    ...(authPolicy !== undefined ? { authPolicy } : {}),
    servicesByHost: hosts,
    accessLogs: logs.get(placedId(rec, rec.id)) ?? [],
  };
}

/** Whether a service record's status lets it answer through its networks. */
export function routableService(doc: unknown): boolean {
  const status = field(doc, 'status');
  return typeof status === 'string' && ROUTABLE_SERVICE_STATUSES.includes(status);
}

/** The network and service a routable service association joins. */
export interface AssociationTarget {
  readonly networkId: string;
  readonly serviceId: string;
}

/**
 * What a service-association record joins, read from its doc alone: undefined when its
 * status does not route. Throws `Malformed`.
 */
export function associationOf(rec: ResourceRecord): AssociationTarget | undefined {
  const f = Fields.of(rec.doc, '');
  if (!ROUTABLE_SERVICE_ASSOCIATION_STATUSES.includes(f.str('status'))) return undefined;
  return { networkId: f.str('serviceNetworkId'), serviceId: f.str('serviceId') };
}

/** What `addAssociation` reads of the rest of the snapshot. */
export interface AssociationLookups {
  /** The host map of a network that compiled; undefined when it did not. */
  hosts(networkId: string): Map<string, ServiceEntry> | undefined;
  /** Whether the place holds a network record of this id (compiled or not). */
  networkExists(place: Place, id: string): boolean;
  service(id: string): ServiceEntry | undefined;
  /** undefined when the place holds no service record of this id, else `routableService`. */
  serviceRoutable(place: Place, id: string): boolean | undefined;
}

/**
 * Adds a routable association's service to its network's host map. The first association
 * (by creation) of a host keeps it; a later one is named through `problem`. Throws when the
 * network or service is missing. Host names clash only within one network, so the
 * associations of each network can be replayed on their own, in creation order.
 */
export function addAssociation(look: AssociationLookups, rec: ResourceRecord | (Place & { readonly id: string }), a: AssociationTarget, problem: (reason: string) => void): void {
  const hosts = look.hosts(a.networkId);
  if (!hosts) throw new Error(`its service network ${a.networkId} ${look.networkExists(rec, a.networkId) ? 'could not be compiled' : 'does not exist'}`);
  const service = look.service(a.serviceId);
  const routable = look.serviceRoutable(rec, a.serviceId);
  if (!service) {
    // A service that failed to compile has its own problem; only a missing one is news.
    if (routable === undefined) throw new Error(`its service ${a.serviceId} does not exist`);
    return;
  }
  if (!routable) return;
  for (const host of service.hostNames) {
    const holder = hosts.get(host);
    if (holder && holder !== service) problem(`host ${host} already answers for service ${holder.id} in service network ${a.networkId}`);
    else hosts.set(host, service);
  }
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
      out.set(placedId(rec, rec.id), authPolicyOf(rec));
    } catch (err) {
      ctx.problem('authpolicy', rec.id, reasonOf(err));
    }
  }
  return out;
}

/** An auth-policy record's text. Throws `Malformed`. */
export function authPolicyOf(rec: ResourceRecord): string {
  return Fields.of(rec.doc, '').str('policy');
}

/**
 * Access-log destinations by the place and id of the network or service subscribed. A
 * network's subscriptions count only for service traffic (`serviceNetworkLogType` SERVICE
 * or unset); RESOURCE ones and those of resource configurations are not for the HTTP path.
 */
function compileAccessLogs(ctx: CompileContext): Map<string, AccessLogDestination[]> {
  const out = new Map<string, AccessLogDestination[]>();
  const exists = (kind: 'service' | 'servicenetwork', place: Place, id: string) => ctx.get(kind, place, id) !== undefined;
  for (const rec of ctx.all('accesslogsubscription')) {
    try {
      const dest = accessLogOf(rec, exists);
      if (!dest) continue;
      const key = placedId(rec, dest.resourceId);
      const list = out.get(key) ?? [];
      list.push(dest);
      out.set(key, list);
    } catch (err) {
      ctx.problem('accesslogsubscription', rec.id, reasonOf(err));
    }
  }
  return out;
}

/**
 * One access-log subscription's destination for the HTTP path: undefined when it is not for
 * it (a RESOURCE log type, or a resource that is neither a network nor a service). Throws
 * when malformed or when its network or service (in its place) does not exist.
 */
export function accessLogOf(rec: ResourceRecord, exists: (kind: 'service' | 'servicenetwork', place: Place, id: string) => boolean): AccessLogDestination | undefined {
  const f = Fields.of(rec.doc, '');
  const resourceId = f.str('resourceId');
  const kind = kindOfId(resourceId);
  if (kind !== 'servicenetwork' && kind !== 'service') return undefined;
  if (kind === 'servicenetwork' && (f.optStr('serviceNetworkLogType') ?? 'SERVICE') !== 'SERVICE') return undefined;
  if (!exists(kind, rec, resourceId)) throw new Error(`its ${kind === 'service' ? 'service' : 'service network'} ${resourceId} does not exist`);
  return { subscriptionId: rec.id, destinationArn: f.str('destinationArn'), resourceId };
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

/**
 * Snapshot maps are keyed by id: a second place holding the same id is left out, even when
 * the first record did not compile (so a problem's id always names what is absent).
 */
function duplicate(ctx: CompileContext, rec: ResourceRecord): void {
  ctx.problem(rec.kind, `${rec.account}/${rec.region}/${rec.id}`, `an earlier ${rec.kind} record has the same id`);
}

/** The key of the policy and log indexes: a resource id within its place. */
export function placedId(place: Place, id: string): string {
  return `${place.account}\0${place.region}\0${id}`;
}

/** Problems in a stable order (kind, id, reason), whatever order they were found in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...problems].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.id, b.id) || cmp(a.reason, b.reason));
}
