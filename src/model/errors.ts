import { errorShapes, type ErrorShapeName } from './generated/index.js';

export interface FieldError {
  readonly name: string;
  readonly message: string;
}

export type ValidationReason = 'unknownOperation' | 'cannotParse' | 'fieldValidationFailed' | 'other';

/**
 * The one error type of Trellis. It knows its HTTP status, its `x-amzn-ErrorType` and its
 * JSON body, so every layer throws it and only the wire layer serialises it. Anything
 * thrown that is not an AwsError becomes an InternalServerException.
 */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds: number | undefined;

  constructor(type: string, message: string, fields: Readonly<Record<string, unknown>> = {}, status?: number, retryAfterSeconds?: number) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status ?? errorShapes[type as ErrorShapeName]?.status ?? 400;
    this.fields = fields;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The JSON body AWS sends: `message` plus the shape's own members. */
  body(): Record<string, unknown> {
    return { message: this.message, ...this.fields };
  }
}

export function validationError(message: string, reason: ValidationReason = 'fieldValidationFailed', fieldList?: readonly FieldError[]): AwsError {
  return new AwsError('ValidationException', message, fieldList && fieldList.length ? { reason, fieldList } : { reason });
}

/** A single-field validation error, phrased as AWS phrases them. */
export function fieldError(name: string, message: string): AwsError {
  return validationError(`1 validation error detected: Value at '${name}' failed to satisfy constraint: ${message}`, 'fieldValidationFailed', [{ name, message }]);
}

export function notFound(resourceType: string, resourceId: string, message?: string): AwsError {
  return new AwsError('ResourceNotFoundException', message ?? `${resourceTypeLabel(resourceType)} ${resourceId} not found.`, { resourceId, resourceType });
}

export function conflict(resourceType: string, resourceId: string, message: string): AwsError {
  return new AwsError('ConflictException', message, { resourceId, resourceType });
}

export function quotaExceeded(resourceType: string, quotaCode: string, message: string, resourceId?: string): AwsError {
  return new AwsError('ServiceQuotaExceededException', message, { resourceType, serviceCode: 'vpc-lattice', quotaCode, ...(resourceId ? { resourceId } : {}) });
}

export function accessDenied(message: string): AwsError {
  return new AwsError('AccessDeniedException', message);
}

export function internalError(requestId: string): AwsError {
  return new AwsError('InternalServerException', `An internal error occurred. Request id: ${requestId}`);
}

/** `SERVICE_NETWORK` → `ServiceNetwork`, the form AWS messages use. */
function resourceTypeLabel(resourceType: string): string {
  return resourceType.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
