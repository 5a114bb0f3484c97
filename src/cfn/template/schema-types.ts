/**
 * The parts of a CloudFormation registry schema (a JSON Schema dialect) that Trellis reads.
 * Other keywords (`relationshipRef`, `insertionOrder`, …) are kept in the data and ignored.
 */
export interface SchemaNode {
  readonly [keyword: string]: unknown;
  readonly type?: SchemaType | readonly SchemaType[];
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly (string | number | boolean)[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly allOf?: readonly SchemaNode[];
  /** Exactly one of these properties must be set (a CloudFormation extension). */
  readonly requiredXor?: readonly string[];
  /** Property → properties it needs beside it. */
  readonly dependentRequired?: Readonly<Record<string, readonly string[]>>;
  /** Property → properties that must not be set beside it. */
  readonly dependentExcluded?: Readonly<Record<string, readonly string[]>>;
}

export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface ResourceSchema extends SchemaNode {
  readonly typeName: string;
  readonly definitions?: Readonly<Record<string, SchemaNode>>;
  readonly primaryIdentifier: readonly string[];
  readonly readOnlyProperties?: readonly string[];
  readonly createOnlyProperties?: readonly string[];
  readonly writeOnlyProperties?: readonly string[];
  readonly additionalIdentifiers?: readonly (readonly string[])[];
}
