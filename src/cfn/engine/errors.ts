import { AwsError } from '../../model/index.js';

/**
 * CloudFormation's errors, with the codes its Query protocol sends (`<Code>`): most are
 * ValidationError 400; a missing change set is `ChangeSetNotFound` 404, which the SDKs name
 * ChangeSetNotFoundException.
 */
export function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, {}, 400);
}

export function alreadyExists(stackName: string): AwsError {
  return new AwsError('AlreadyExistsException', `Stack [${stackName}] already exists`, {}, 400);
}

export function insufficientCapabilities(capabilities: readonly string[]): AwsError {
  return new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${capabilities.join(', ')}]`, {}, 400);
}

export function changeSetNotFound(name: string): AwsError {
  return new AwsError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, {}, 404);
}

export function invalidChangeSetStatus(message: string): AwsError {
  return new AwsError('InvalidChangeSetStatus', message, {}, 400);
}

/** DescribeStacks & co. on a name that is not a live stack (deploy matches this text). */
export function stackNotFound(nameOrId: string): AwsError {
  return validation(`Stack with id ${nameOrId} does not exist`);
}

/** The text CloudFormation puts in an error's place in events and reasons. */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
