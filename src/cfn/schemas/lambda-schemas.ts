import type { ResourceSchema, SchemaNode } from '../template/schema-types.js';

/**
 * Registry schemas for AWS::Lambda::Function and AWS::Lambda::Permission, written by hand
 * for Trellis (resource-schemas.ts is generated from ../shared/spec/cloudformation, which
 * holds only the Lattice, EC2, ELB and IAM types). They carry what the engine and
 * `trellis validate` read: every top-level property CloudFormation documents for the type
 * (so a real template is not refused for a property Trellis ignores), the required ones,
 * createOnly/readOnly lists and the primary identifier. Nested objects that Trellis does not
 * read (VpcConfig, TracingConfig, …) are only typed `object`: checking their insides would
 * be guessing at data Trellis never uses.
 */

const obj: SchemaNode = { type: 'object' };
const str: SchemaNode = { type: 'string' };
const strings: SchemaNode = { type: 'array', items: { type: 'string' } };

const TAG: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  properties: { Key: { type: 'string', minLength: 1, maxLength: 128 }, Value: { type: 'string', maxLength: 256 } },
  required: ['Key'],
};

const FUNCTION: ResourceSchema = {
  typeName: 'AWS::Lambda::Function',
  type: 'object',
  additionalProperties: false,
  definitions: {
    Code: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ZipFile: str, S3Bucket: { type: 'string', minLength: 3, maxLength: 63 }, S3Key: { type: 'string', minLength: 1, maxLength: 1024 },
        S3ObjectVersion: { type: 'string', minLength: 1, maxLength: 1024 }, ImageUri: str, SourceKMSKeyArn: str,
      },
    },
    Tag: TAG,
  },
  properties: {
    Architectures: { type: 'array', items: { type: 'string', enum: ['x86_64', 'arm64'] }, minItems: 1, maxItems: 1 },
    Code: { $ref: '#/definitions/Code' },
    CodeSigningConfigArn: str,
    DeadLetterConfig: obj,
    Description: { type: 'string', maxLength: 256 },
    Environment: obj,
    EphemeralStorage: obj,
    FileSystemConfigs: { type: 'array', items: obj },
    FunctionName: { type: 'string', minLength: 1 },
    Handler: { type: 'string', maxLength: 128 },
    ImageConfig: obj,
    KmsKeyArn: str,
    Layers: strings,
    LoggingConfig: obj,
    MemorySize: { type: 'integer' },
    PackageType: { type: 'string', enum: ['Image', 'Zip'] },
    RecursiveLoop: { type: 'string', enum: ['Allow', 'Terminate'] },
    ReservedConcurrentExecutions: { type: 'integer', minimum: 0 },
    Role: str,
    Runtime: str,
    RuntimeManagementConfig: obj,
    SnapStart: obj,
    Tags: { type: 'array', items: { $ref: '#/definitions/Tag' } },
    Timeout: { type: 'integer', minimum: 1 },
    TracingConfig: obj,
    VpcConfig: obj,
    Arn: str,
    SnapStartResponse: obj,
  },
  required: ['Code', 'Role'],
  createOnlyProperties: ['/properties/FunctionName'],
  readOnlyProperties: ['/properties/Arn', '/properties/SnapStartResponse', '/properties/SnapStartResponse/ApplyOn', '/properties/SnapStartResponse/OptimizationStatus'],
  primaryIdentifier: ['/properties/FunctionName'],
};

const PERMISSION: ResourceSchema = {
  typeName: 'AWS::Lambda::Permission',
  type: 'object',
  additionalProperties: false,
  properties: {
    Action: { type: 'string', pattern: '^(lambda:[*]|lambda:[a-zA-Z]+|[*])$' },
    EventSourceToken: { type: 'string', minLength: 1, maxLength: 256 },
    FunctionName: { type: 'string', minLength: 1, maxLength: 140 },
    FunctionUrlAuthType: { type: 'string', enum: ['AWS_IAM', 'NONE'] },
    Principal: { type: 'string', minLength: 1, maxLength: 256 },
    PrincipalOrgID: { type: 'string', minLength: 12, maxLength: 34 },
    SourceAccount: { type: 'string', maxLength: 12 },
    SourceArn: { type: 'string', minLength: 12, maxLength: 1024 },
    Id: str,
  },
  required: ['FunctionName', 'Action', 'Principal'],
  createOnlyProperties: [
    '/properties/SourceAccount', '/properties/FunctionUrlAuthType', '/properties/SourceArn', '/properties/Principal',
    '/properties/Action', '/properties/FunctionName', '/properties/EventSourceToken', '/properties/PrincipalOrgID',
  ],
  readOnlyProperties: ['/properties/Id'],
  primaryIdentifier: ['/properties/FunctionName', '/properties/Id'],
};

/** The Lambda types' schemas, by type name (merged with the generated ones by template/schema.ts). */
export const LAMBDA_SCHEMAS: Readonly<Record<string, ResourceSchema>> = {
  [FUNCTION.typeName]: FUNCTION,
  [PERMISSION.typeName]: PERMISSION,
};
