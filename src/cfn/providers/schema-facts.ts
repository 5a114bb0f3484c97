import { resourceSchema } from '../template/schema.js';

/**
 * A type's createOnlyProperties, read from its registry schema (src/cfn/schemas, generated
 * from ../shared/spec/cloudformation): the engine replaces a resource when one of them
 * changes. Read, not copied, so a schema update changes the behaviour with it. A provider
 * without a schema is a programming error and fails at load.
 */
export function createOnlyPaths(type: string): readonly string[] {
  const info = resourceSchema(type);
  if (!info) throw new Error(`no resource schema for ${type} in src/cfn/schemas`);
  return info.createOnlyProperties;
}
