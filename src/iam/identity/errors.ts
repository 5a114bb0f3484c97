import { AwsError } from '../../model/index.js';

/*
 * IAM's and STS's errors, named and answered as the services do (the Query layer writes
 * `<ErrorResponse><Error><Code>` with the type and the status given here).
 */

export function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, {}, 404);
}

export function entityAlreadyExists(message: string): AwsError {
  return new AwsError('EntityAlreadyExists', message, {}, 409);
}

export function malformedPolicy(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', message, {}, 400);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError('DeleteConflict', message, {}, 409);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError('LimitExceeded', message, {}, 409);
}

export function invalidInput(message: string): AwsError {
  return new AwsError('InvalidInput', message, {}, 400);
}

export function iamValidation(message: string): AwsError {
  return new AwsError('ValidationError', message, {}, 400);
}

/** STS: the caller may not do this (a trust policy did not allow it). */
export function accessDenied(message: string): AwsError {
  return new AwsError('AccessDenied', message, {}, 403);
}

/** STS: the web identity token is not acceptable (malformed, wrong audience, bad signature, unknown issuer). */
export function invalidIdentityToken(message: string): AwsError {
  return new AwsError('InvalidIdentityToken', message, {}, 400);
}

/** STS: the web identity token has expired. */
export function expiredToken(message: string): AwsError {
  return new AwsError('ExpiredTokenException', message, {}, 400);
}

/** STS: the identity provider could not be reached or answered nonsense. */
export function idpCommunicationError(message: string): AwsError {
  return new AwsError('IDPCommunicationError', message, {}, 400);
}

/** STS: the request's credentials are not known. */
export function invalidClientTokenId(): AwsError {
  return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', {}, 403);
}
