import { parseIdentifier } from '../../model/index.js';
import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from '../contracts.js';
import { deleteQuietly, invoke, resourceToken, syncTags, untilActive } from './lattice-call.js';
import { generateName, latticeNameRule } from './names.js';
import { handlerFailed, invalidProperty } from './provider-error.js';
import { PropReader, camelize, defined, sameJson } from './props.js';

/*
 * AWS::VpcLattice::TargetGroup, ::Listener and ::Rule. Nested structures (Config,
 * HealthCheck, DefaultAction, Match) are the API's with PascalCase names, so `camelize` maps
 * them; the model then validates them as it validates an SDK call.
 */

const tgName = latticeNameRule('TargetGroupName');
const listenerName = latticeNameRule('ListenerName');
const ruleName = latticeNameRule('RuleName');

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

// ---- TargetGroup --------------------------------------------------------------------------

interface TargetRef { readonly id: string; readonly port?: number }

const keyOf = (t: TargetRef) => `${t.id}\0${t.port ?? ''}`;

function templateTargets(p: PropReader, type: string, groupPort: number | undefined): TargetRef[] {
  return p.objects('Targets').map((t) => {
    const port = t.optInt('Port') ?? (type === 'LAMBDA' ? undefined : groupPort);
    return defined({ id: t.str('Id'), port });
  });
}

/** The group's registered targets as the API lists them; draining ones are on their way out. */
async function registeredTargets(ctx: ProviderContext, arn: string): Promise<TargetRef[]> {
  const out: TargetRef[] = [];
  let nextToken: string | undefined;
  do {
    const page = await invoke(ctx, 'ListTargets', defined({ targetGroupIdentifier: arn, nextToken }));
    for (const t of page.items ?? []) if (t.status !== 'DRAINING' && t.id) out.push(defined({ id: t.id, port: t.port }));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Any target the API refused fails the handler, naming each with its reason. */
function assertAllRegistered(ctx: ProviderContext, what: string, unsuccessful: readonly { id?: string; port?: number; failureMessage?: string; failureCode?: string }[] | undefined): void {
  if (!unsuccessful || unsuccessful.length === 0) return;
  const why = unsuccessful.map((u) => `${u.id}${u.port === undefined ? '' : `:${u.port}`}: ${u.failureCode ?? 'Failed'} (${u.failureMessage ?? 'no reason given'})`).join('; ');
  throw handlerFailed(ctx, `Failed to ${what} targets: ${why}`, 'InvalidRequest');
}

/**
 * Brings the group's targets to `wanted` by set difference with what is registered:
 * deregister first (an ALB or LAMBDA group holds one target, so a swap must free the place),
 * then register.
 */
async function reconcileTargets(ctx: ProviderContext, arn: string, wanted: readonly TargetRef[]): Promise<void> {
  const current = await registeredTargets(ctx, arn);
  const want = new Set(wanted.map(keyOf));
  const have = new Set(current.map(keyOf));
  const gone = current.filter((t) => !want.has(keyOf(t)));
  const added = wanted.filter((t) => !have.has(keyOf(t)));
  if (gone.length > 0) {
    const out = await invoke(ctx, 'DeregisterTargets', { targetGroupIdentifier: arn, targets: gone });
    assertAllRegistered(ctx, 'deregister', out.unsuccessful);
  }
  if (added.length > 0) {
    const out = await invoke(ctx, 'RegisterTargets', { targetGroupIdentifier: arn, targets: added });
    assertAllRegistered(ctx, 'register', out.unsuccessful);
  }
}

async function targetGroupResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource & { readonly port?: number; readonly groupType?: string }> {
  // Registration answers 409 until the group is ACTIVE, as on AWS: wait first.
  const g = await untilActive(ctx, `Target group ${arn}`, () => invoke(ctx, 'GetTargetGroup', { targetGroupIdentifier: arn }));
  return {
    physicalId: g.arn!,
    attributes: defined({ Arn: g.arn, Id: g.id, Status: g.status, CreatedAt: g.createdAt, LastUpdatedAt: g.lastUpdatedAt }),
    ...defined({ port: g.config?.port, groupType: g.type }),
  };
}

function strip({ physicalId, attributes }: ProvidedResource): ProvidedResource {
  return { physicalId, attributes };
}

export const targetGroupProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::TargetGroup',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::TargetGroup'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const type = p.str('Type');
    const out = await invoke(ctx, 'CreateTargetGroup', defined({
      name: p.optStr('Name') ?? generateName(ctx, tgName),
      type,
      config: p.has('Config') ? camelize(p.optObj('Config')) : undefined,
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    const res = await targetGroupResource(ctx, out.arn!);
    const targets = templateTargets(p, type, res.port);
    if (targets.length > 0) {
      const reg = await invoke(ctx, 'RegisterTargets', { targetGroupIdentifier: res.physicalId, targets });
      assertAllRegistered(ctx, 'register', reg.unsuccessful);
    }
    return strip(res);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    const hc = p.child('Config').optObj('HealthCheck');
    const before = reader(ctx, previous).child('Config').optObj('HealthCheck');
    if (!sameJson(hc, before)) {
      // A HealthCheck removed from the template keeps the group's last settings: the API
      // merges a partial health check, and CloudFormation's handler sends what is given.
      await invoke(ctx, 'UpdateTargetGroup', { targetGroupIdentifier: arn, healthCheck: camelize(hc ?? {}) });
    }
    const res = await targetGroupResource(ctx, arn);
    if (p.has('Targets') || reader(ctx, previous).has('Targets')) {
      await reconcileTargets(ctx, arn, templateTargets(p, res.groupType ?? p.str('Type'), res.port));
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return strip(await targetGroupResource(ctx, arn));
  },
  async delete(ctx, arn) {
    await deleteQuietly(ctx, `Target group ${arn}`,
      () => invoke(ctx, 'GetTargetGroup', { targetGroupIdentifier: arn }),
      () => invoke(ctx, 'DeleteTargetGroup', { targetGroupIdentifier: arn }));
  },
};

// ---- Listener -----------------------------------------------------------------------------

/** The ids a listener or rule ARN names: [serviceId, listenerId?]. */
function parentsOf(arn: string): readonly string[] {
  return parseIdentifier(arn)?.parents ?? [];
}

async function listenerResource(ctx: ProviderContext, serviceIdentifier: string, listenerIdentifier: string): Promise<ProvidedResource> {
  const g = await invoke(ctx, 'GetListener', { serviceIdentifier, listenerIdentifier });
  return { physicalId: g.arn!, attributes: defined({ Arn: g.arn, Id: g.id, ServiceArn: g.serviceArn, ServiceId: g.serviceId }) };
}

export const listenerProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::Listener',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::Listener'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const serviceIdentifier = p.str('ServiceIdentifier');
    p.required('DefaultAction');
    const out = await invoke(ctx, 'CreateListener', defined({
      serviceIdentifier,
      name: p.optStr('Name') ?? generateName(ctx, listenerName),
      protocol: p.str('Protocol'),
      port: p.optInt('Port'),
      defaultAction: camelize(p.optObj('DefaultAction')),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return listenerResource(ctx, serviceIdentifier, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    const serviceIdentifier = parentsOf(arn)[0] ?? p.str('ServiceIdentifier');
    if (!sameJson(props.DefaultAction, previous.DefaultAction)) {
      p.required('DefaultAction');
      await invoke(ctx, 'UpdateListener', { serviceIdentifier, listenerIdentifier: arn, defaultAction: camelize(p.optObj('DefaultAction')) });
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return listenerResource(ctx, serviceIdentifier, arn);
  },
  async delete(ctx, arn, props) {
    const serviceIdentifier = parentsOf(arn)[0] ?? reader(ctx, props).str('ServiceIdentifier');
    await deleteQuietly(ctx, `Listener ${arn}`,
      () => invoke(ctx, 'GetListener', { serviceIdentifier, listenerIdentifier: arn }),
      () => invoke(ctx, 'DeleteListener', { serviceIdentifier, listenerIdentifier: arn }));
  },
};

// ---- Rule ---------------------------------------------------------------------------------

/**
 * The service a rule belongs to: ServiceIdentifier when given, else the one named by a
 * listener ARN (a listener id alone does not say; the schema leaves both optional).
 */
function ruleServiceOf(ctx: ProviderContext, p: PropReader, listenerIdentifier: string): string {
  const given = p.optStr('ServiceIdentifier');
  if (given) return given;
  const fromArn = parentsOf(listenerIdentifier)[0];
  if (fromArn) return fromArn;
  throw invalidProperty(ctx, '#', 'required key [ServiceIdentifier] not found (needed when ListenerIdentifier is a listener id rather than its ARN)');
}

async function ruleResource(ctx: ProviderContext, serviceIdentifier: string, listenerIdentifier: string, ruleIdentifier: string): Promise<ProvidedResource> {
  const g = await invoke(ctx, 'GetRule', { serviceIdentifier, listenerIdentifier, ruleIdentifier });
  return { physicalId: g.arn!, attributes: defined({ Arn: g.arn, Id: g.id }) };
}

export const ruleProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::Rule',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::Rule'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const listenerIdentifier = p.str('ListenerIdentifier');
    const serviceIdentifier = ruleServiceOf(ctx, p, listenerIdentifier);
    p.required('Action');
    p.required('Match');
    const out = await invoke(ctx, 'CreateRule', defined({
      serviceIdentifier, listenerIdentifier,
      name: p.optStr('Name') ?? generateName(ctx, ruleName),
      priority: p.int('Priority'),
      match: camelize(p.optObj('Match')),
      action: camelize(p.optObj('Action')),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return ruleResource(ctx, serviceIdentifier, listenerIdentifier, out.arn!);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    const [serviceId, listenerId] = parentsOf(arn);
    if (!serviceId || !listenerId) throw handlerFailed(ctx, `${arn} is not the ARN of a rule.`, 'NotFound');
    const changed = (name: string) => !sameJson(props[name], previous[name]);
    if (changed('Action') || changed('Match') || changed('Priority')) {
      await invoke(ctx, 'UpdateRule', defined({
        serviceIdentifier: serviceId, listenerIdentifier: listenerId, ruleIdentifier: arn,
        action: changed('Action') ? camelize(p.optObj('Action')) : undefined,
        match: changed('Match') ? camelize(p.optObj('Match')) : undefined,
        priority: changed('Priority') ? p.int('Priority') : undefined,
      }));
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return ruleResource(ctx, serviceId, listenerId, arn);
  },
  async delete(ctx, arn) {
    const [serviceId, listenerId] = parentsOf(arn);
    if (!serviceId || !listenerId) return;
    await deleteQuietly(ctx, `Rule ${arn}`,
      () => invoke(ctx, 'GetRule', { serviceIdentifier: serviceId, listenerIdentifier: listenerId, ruleIdentifier: arn }),
      () => invoke(ctx, 'DeleteRule', { serviceIdentifier: serviceId, listenerIdentifier: listenerId, ruleIdentifier: arn }));
  },
};
