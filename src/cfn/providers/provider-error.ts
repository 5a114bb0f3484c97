import { AwsError } from '../../model/index.js';
import type { ProviderContext } from '../contracts.js';

/**
 * CloudFormation's handler error codes (the resource-provider contract's `HandlerErrorCode`),
 * the ones Trellis's providers can answer.
 */
export type HandlerErrorCode =
  | 'AlreadyExists' | 'NotFound' | 'InvalidRequest' | 'ResourceConflict' | 'ServiceLimitExceeded'
  | 'AccessDenied' | 'NotStabilized' | 'NotUpdatable' | 'GeneralServiceException' | 'ServiceInternalError' | 'Throttling';

/**
 * A provider's failure, worded as CloudFormation words a handler's failure in the stack's
 * events, e.g.
 *   Resource handler returned message: "Service with name x already exists. (Service: VpcLattice,
 *   Status Code: 409, Request ID: …)" (RequestToken: …, HandlerErrorCode: AlreadyExists)
 * The engine uses `message` as the event's ResourceStatusReason; `code` and `cause` are for
 * code that needs to tell failures apart (e.g. a delete that finds nothing).
 */
export class ProviderError extends Error {
  constructor(message: string, readonly code: HandlerErrorCode, readonly apiError?: AwsError) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** The AWS service name CloudFormation's handlers print for a failed call. */
export type ServiceLabel = 'VpcLattice' | 'Ec2' | 'ElasticLoadBalancingV2' | 'Iam';

/** Maps an API error to the handler error code CloudFormation's Lattice handlers use (LATTICE.md §8). */
export function handlerCodeOf(err: AwsError): HandlerErrorCode {
  switch (err.type) {
    case 'ConflictException':
      return /already exist/i.test(err.message) ? 'AlreadyExists' : 'ResourceConflict';
    case 'EntityAlreadyExists': case 'InvalidGroup.Duplicate':
      return 'AlreadyExists';
    case 'ResourceNotFoundException': case 'NoSuchEntity': case 'InvalidVpcID.NotFound': case 'InvalidGroup.NotFound':
      return 'NotFound';
    case 'ServiceQuotaExceededException':
      return 'ServiceLimitExceeded';
    case 'AccessDeniedException':
      return 'AccessDenied';
    case 'ThrottlingException':
      return 'Throttling';
    case 'InternalServerException':
      return 'ServiceInternalError';
    case 'DependencyViolation': case 'CannotDelete':
      return 'ResourceConflict';
    default:
      return err.status >= 500 ? 'ServiceInternalError' : 'InvalidRequest';
  }
}

/** A failed call of the API behind a provider, as a stack event shows it. */
export function callFailed(ctx: ProviderContext, err: AwsError, service: ServiceLabel = 'VpcLattice'): ProviderError {
  const code = handlerCodeOf(err);
  const message = `Resource handler returned message: "${err.message} (Service: ${service}, Status Code: ${err.status}, Request ID: ${ctx.call.requestId})" (RequestToken: ${ctx.clientRequestToken}, HandlerErrorCode: ${code})`;
  return new ProviderError(message, code, err);
}

/** A failure the provider itself finds (a bad property, a resource that failed to stabilize). */
export function handlerFailed(ctx: ProviderContext, message: string, code: HandlerErrorCode = 'InvalidRequest'): ProviderError {
  return new ProviderError(`Resource handler returned message: "${message}" (RequestToken: ${ctx.clientRequestToken}, HandlerErrorCode: ${code})`, code);
}

/** A property the resource type's schema would refuse, worded as CloudFormation's validation. */
export function invalidProperty(ctx: ProviderContext, pointer: string, message: string): ProviderError {
  return new ProviderError(`Properties validation failed for resource ${ctx.logicalId} with message: ${pointer}: ${message}`, 'InvalidRequest');
}

/** Runs an API call, turning its AwsError into the handler failure CloudFormation reports. */
export async function calling<T>(ctx: ProviderContext, fn: () => Promise<T>, service: ServiceLabel = 'VpcLattice'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AwsError) throw callFailed(ctx, err, service);
    throw err;
  }
}

/** True for a failure that means "there is no such resource" (a delete then has nothing to do). */
export function isNotFound(err: unknown): boolean {
  return (err instanceof ProviderError && err.code === 'NotFound') || (err instanceof AwsError && handlerCodeOf(err) === 'NotFound');
}
