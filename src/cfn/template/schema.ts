import { LAMBDA_SCHEMAS } from '../schemas/lambda-schemas.js';
import { RESOURCE_SCHEMAS as GENERATED } from '../schemas/resource-schemas.js';
import type { ResourceSchema, SchemaNode } from './schema-types.js';

/**
 * What the engine, the providers and validation need to know about a resource type, read
 * from its registry schema (src/cfn/schemas, generated from ../shared/spec/cloudformation).
 * Property lists are JSON pointers exactly as the schema writes them (`/properties/Config/Port`).
 */
export interface ResourceTypeInfo {
  readonly typeName: string;
  readonly schema: ResourceSchema;
  /** Top-level property names a template may set (readOnly-only ones excluded). */
  readonly properties: readonly string[];
  readonly required: readonly string[];
  readonly createOnlyProperties: readonly string[];
  readonly readOnlyProperties: readonly string[];
  readonly writeOnlyProperties: readonly string[];
  /** What `Ref` returns, as pointers (`/properties/Arn`). */
  readonly primaryIdentifier: readonly string[];
  /** Names `Fn::GetAtt` accepts: readOnlyProperties with `/` → `.` (`DnsEntry.DomainName`), and the few documented extras. */
  readonly attributes: readonly string[];
}

/**
 * GetAtt names CloudFormation documents (each type's "Return values") that its registry
 * schema does not list as readOnlyProperties, because they are also settable or computed by
 * the read handler. Kept short and by type; cfn-lint accepts the same names.
 */
const EXTRA_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  'AWS::EC2::VPC': ['CidrBlock'],
  'AWS::EC2::SecurityGroup': ['VpcId'],
  'AWS::EC2::Instance': ['AvailabilityZone'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['SecurityGroups'],
};

/** The generated schemas and the hand-written Lambda ones (no spec file for those). */
const RESOURCE_SCHEMAS: Readonly<Record<string, ResourceSchema>> = { ...GENERATED, ...LAMBDA_SCHEMAS };

const cache = new Map<string, ResourceTypeInfo>();

/** The schema facts of `typeName`, or undefined when Trellis does not provide the type. */
export function resourceSchema(typeName: string): ResourceTypeInfo | undefined {
  const hit = cache.get(typeName);
  if (hit) return hit;
  const schema = RESOURCE_SCHEMAS[typeName];
  if (!schema) return undefined;
  const readOnly = schema.readOnlyProperties ?? [];
  const names = (pointers: readonly string[]) => pointers.map((p) => p.replace(/^\/properties\//, ''));
  // A property is settable unless the schema marks the whole of it read-only (DnsEntry is
  // settable although DnsEntry/DomainName is read-only).
  const readOnlyTop = new Set(names(readOnly).filter((n) => !n.includes('/')));
  const info: ResourceTypeInfo = {
    typeName,
    schema,
    properties: Object.keys(schema.properties ?? {}).filter((p) => !readOnlyTop.has(p)),
    required: schema.required ?? [],
    createOnlyProperties: schema.createOnlyProperties ?? [],
    readOnlyProperties: readOnly,
    writeOnlyProperties: schema.writeOnlyProperties ?? [],
    primaryIdentifier: schema.primaryIdentifier,
    attributes: [...names(readOnly).map((n) => n.split('/').join('.')), ...(EXTRA_ATTRIBUTES[typeName] ?? [])],
  };
  cache.set(typeName, info);
  return info;
}

/** Every resource type Trellis provides, sorted. */
export function supportedResourceTypes(): readonly string[] {
  return Object.keys(RESOURCE_SCHEMAS).sort();
}

/** Follows `$ref: #/definitions/X` (the only form registry schemas use), keeping sibling keywords. */
export function deref(schema: ResourceSchema, node: SchemaNode): SchemaNode {
  let n = node;
  for (let hops = 0; n.$ref !== undefined && hops < 32; hops++) {
    const m = /^#\/definitions\/(.+)$/.exec(n.$ref);
    const target = m ? schema.definitions?.[m[1]!] : undefined;
    if (!target) return {};
    const { $ref: _ref, ...siblings } = n;
    n = { ...target, ...siblings };
  }
  return n;
}
