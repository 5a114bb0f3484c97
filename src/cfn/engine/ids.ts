import { randomUUID } from 'node:crypto';
import type { CallContext } from '../contracts.js';

/** `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/uuid`, as CloudFormation forms StackIds. */
export function stackArn(call: CallContext, stackName: string): string {
  const s = call.scope;
  return `arn:${s.partition}:cloudformation:${s.region}:${s.account}:stack/${stackName}/${randomUUID()}`;
}

/** `arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/uuid`. */
export function changeSetArn(call: CallContext, changeSetName: string): string {
  const s = call.scope;
  return `arn:${s.partition}:cloudformation:${s.region}:${s.account}:changeSet/${changeSetName}/${randomUUID()}`;
}

export function newEventId(): string {
  return randomUUID();
}

/** The stack name inside a StackId ARN, or undefined when `id` is not one. */
export function stackNameOfArn(id: string): string | undefined {
  const m = /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([^/]+)\/[^/]+$/.exec(id);
  return m?.[1];
}
