export * from './generated/index.js';
export type { ShapeDef, MemberDef } from './shape-def.js';
export * from './errors.js';
export * from './ids.js';
export * from './arn.js';
export * from './resource-kinds.js';
export * from './validate.js';
export * from './dns.js';
export * from './policy-document.js';
