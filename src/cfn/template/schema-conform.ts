import type { TemplateValue } from '../contracts.js';
import { isList, isObject } from './paths.js';
import { deref, resourceSchema } from './schema.js';
import type { ResourceSchema, SchemaNode, SchemaType } from './schema-types.js';

/**
 * Evaluated Properties in the JSON types their schema declares. Parameters are strings
 * (`Ref` of a Number parameter is "80"), and YAML writes `"200"` or `80` as the author
 * pleased; CloudFormation hands handlers values of the schema's types, and so does this:
 * numeric text → integer/number, "true"/"false" → boolean, numbers and booleans → text where a
 * string goes. Values that cannot be converted are left as they are for the provider (or
 * validation) to reject. Unknown types are returned unchanged.
 */
export function conformProperties(typeName: string, props: TemplateValue): TemplateValue {
  const info = resourceSchema(typeName);
  return info ? conform(info.schema, info.schema, props) : props;
}

function conform(schema: ResourceSchema, raw: SchemaNode, v: TemplateValue): TemplateValue {
  const node = deref(schema, raw);
  const types: readonly SchemaType[] = node.type === undefined ? [] : typeof node.type === 'string' ? [node.type] : node.type;
  if (isList(v)) return node.items ? v.map((x) => conform(schema, node.items!, x)) : v;
  if (isObject(v)) {
    const props = node.properties ?? {};
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, props[k] ? conform(schema, props[k], x) : x]));
  }
  if (types.length !== 1) return v;
  const type = types[0];
  if (typeof v === 'string') {
    if ((type === 'integer' && /^\s*[-+]?\d+\s*$/.test(v)) || (type === 'number' && v.trim() !== '' && Number.isFinite(Number(v)))) return Number(v);
    if (type === 'boolean' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return v;
  }
  if ((typeof v === 'number' || typeof v === 'boolean') && type === 'string') return String(v);
  return v;
}
