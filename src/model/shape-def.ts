/**
 * The form in which the generator records each shape of the service model. It carries
 * exactly the constraints that AWS validates (required, min/max, pattern, enum, union),
 * plus the HTTP bindings of members (uri, querystring, header).
 */
export interface ShapeDef {
  readonly type: 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'list' | 'map' | 'structure';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** A structure of which exactly one member must be set. */
  readonly union?: boolean;
  readonly timestampFormat?: string;
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, MemberDef>>;
  readonly error?: { readonly status: number; readonly fault: boolean; readonly retryable: boolean };
}

export interface MemberDef {
  readonly shape: string;
  readonly location?: 'uri' | 'querystring' | 'header';
  readonly locationName?: string;
  readonly idempotencyToken?: boolean;
}
