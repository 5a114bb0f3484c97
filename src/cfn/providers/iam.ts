import { environment } from '../../control/index.js';
import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProviderContext, ResourceProvider } from '../contracts.js';
import { generateName } from './names.js';
import { calling, handlerFailed, invalidProperty } from './provider-error.js';
import { PropReader, defined, isObject } from './props.js';

/*
 * AWS::IAM::Role and AWS::IAM::OIDCProvider, stored so that stacks which declare them deploy
 * and their ARNs resolve (the walkthrough's GitHub OIDC role); the auth work enforces them.
 * Ref is what the schemas say: a role's name, a provider's ARN.
 */

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

const iam = <T>(ctx: ProviderContext, fn: () => Promise<T>) => calling(ctx, fn, 'Iam');

/** A policy document given as an object or as a JSON string, parsed; it must be a JSON object. */
function documentOf(ctx: ProviderContext, p: PropReader, name: string): Readonly<Record<string, unknown>> {
  p.required(name);
  const raw = p.props[name];
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    try { doc = JSON.parse(raw); } catch { throw handlerFailed(ctx, `${name} is not valid JSON.`, 'InvalidRequest'); }
  }
  if (!isObject(doc)) throw invalidProperty(ctx, `#/${name}`, 'expected type: JSONObject');
  return doc;
}

// ---- Role -----------------------------------------------------------------------------------

function roleSpec(ctx: ProviderContext, p: PropReader, roleName: string): environment.IamRoleSpec {
  const path = p.optStr('Path') ?? '/';
  if (!/^\/(?:[\x21-\x7e]*\/)?$/.test(path) || path.length > 512) throw handlerFailed(ctx, `The path ${path} is not valid: it must begin and end with /.`);
  const maxSessionDuration = p.optInt('MaxSessionDuration') ?? 3600;
  if (maxSessionDuration < 3600 || maxSessionDuration > 43200) {
    throw handlerFailed(ctx, `MaxSessionDuration ${maxSessionDuration} is not between 3600 and 43200 seconds.`);
  }
  return defined({
    roleName, path, maxSessionDuration,
    assumeRolePolicyDocument: documentOf(ctx, p, 'AssumeRolePolicyDocument'),
    description: p.optStr('Description'),
    managedPolicyArns: p.optStrings('ManagedPolicyArns') ?? [],
    policies: p.objects('Policies').map((x) => ({ policyName: x.str('PolicyName'), policyDocument: documentOf(ctx, x, 'PolicyDocument') })),
    permissionsBoundary: p.optStr('PermissionsBoundary'),
    tags: p.tags() ?? {},
  });
}

function roleResource(d: environment.IamRoleDoc) {
  return { physicalId: d.roleName, attributes: { Arn: d.arn, RoleId: d.roleId } };
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export const roleProvider: ResourceProvider = {
  type: 'AWS::IAM::Role',
  replacementPaths: createOnlyPaths('AWS::IAM::Role'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const roleName = p.optStr('RoleName') ?? generateName(ctx, { maxLength: 64, lattice: false }).replace(/[^\w+=,.@-]/g, '-');
    if (!ROLE_NAME.test(roleName)) throw handlerFailed(ctx, `The role name ${roleName} is not valid: 1 to 64 of letters, digits and +=,.@_-.`);
    return roleResource(await iam(ctx, () => environment.createIamRole(ctx.cp, ctx.call, roleSpec(ctx, p, roleName))));
  },
  async update(ctx, roleName, props) {
    return roleResource(await iam(ctx, () => environment.updateIamRole(ctx.cp, ctx.call, roleSpec(ctx, reader(ctx, props), roleName))));
  },
  async delete(ctx, roleName) {
    await iam(ctx, () => environment.deleteIamRole(ctx.cp, ctx.call, roleName));
  },
};

// ---- OIDCProvider ---------------------------------------------------------------------------

function providerSpec(ctx: ProviderContext, p: PropReader): environment.OidcProviderSpec {
  const url = p.str('Url');
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { parsed = undefined; }
  if (!parsed || parsed.protocol !== 'https:' || parsed.search || parsed.hash) {
    throw handlerFailed(ctx, `The Url ${url} is not valid: it must be an https URL without query or fragment.`);
  }
  const thumbprintList = p.optStrings('ThumbprintList') ?? [];
  const bad = thumbprintList.find((t) => !/^[0-9a-fA-F]{40}$/.test(t));
  if (bad) throw handlerFailed(ctx, `The thumbprint ${bad} is not valid: 40 hexadecimal digits.`);
  return { url, clientIdList: p.optStrings('ClientIdList') ?? [], thumbprintList, tags: p.tags() ?? {} };
}

export const oidcProviderProvider: ResourceProvider = {
  type: 'AWS::IAM::OIDCProvider',
  replacementPaths: createOnlyPaths('AWS::IAM::OIDCProvider'),
  async create(ctx, props) {
    const d = await iam(ctx, () => environment.createOidcProvider(ctx.cp, ctx.call, providerSpec(ctx, reader(ctx, props))));
    return { physicalId: d.arn, attributes: { Arn: d.arn } };
  },
  async update(ctx, arn, props) {
    const d = await iam(ctx, () => environment.updateOidcProvider(ctx.cp, ctx.call, providerSpec(ctx, reader(ctx, props))));
    return { physicalId: d.arn, attributes: { Arn: d.arn } };
  },
  async delete(ctx, arn) {
    await iam(ctx, () => environment.deleteOidcProvider(ctx.cp, ctx.call, arn));
  },
};
