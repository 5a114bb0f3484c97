import type { CallContext } from '../../control/index.js';
import type { Principal } from '../../iam/index.js';
import { AwsError } from '../../model/index.js';
import { decode, violationMessage, type Decoded, type StructShape } from './shapes.js';
import type { XmlValue } from './xml.js';

/** What an action answers: the members of its `…Result` element, or undefined when it has none. */
export type ActionResult = Readonly<Record<string, XmlValue>> | undefined;

/**
 * A Query call: where it acts, plus who signed it. IAM and STS answer for the caller
 * (GetCallerIdentity, AssumeRole, CreateAccessKey without a user name).
 */
export interface QueryCall extends CallContext {
  /** The access key id of the request's SigV4 credential scope, when it was signed. */
  readonly accessKeyId?: string;
  /** The caller, when the SigV4 verifier has verified the signature. */
  readonly principal?: Principal;
}

/** One action of a Query service: decodes its own parameters, then does its work. */
export interface QueryAction {
  invoke(call: QueryCall, params: ReadonlyMap<string, string>): Promise<ActionResult>;
}

/** How an error type thrown by the service's code is named and answered on the wire. */
export interface WireError {
  readonly code: string;
  readonly status: number;
}

/**
 * One AWS service spoken over the Query protocol. The layer picks the service by the SigV4
 * credential scope (`…/us-east-1/cloudformation/aws4_request`) or, unsigned, by `Version`,
 * so CloudFormation, IAM and STS share one endpoint as they share one protocol.
 */
export interface QueryService {
  /** The SigV4 signing name: `cloudformation`, `iam`, `sts`. */
  readonly signingName: string;
  /** The `Version` parameter the service's clients send, e.g. `2010-05-15`. */
  readonly version: string;
  readonly xmlNamespace: string;
  readonly actions: Readonly<Record<string, QueryAction>>;
  /**
   * Error types (as thrown, `AwsError.type`) whose wire code or status differ from the
   * type, e.g. ChangeSetNotFoundException → `ChangeSetNotFound`, 404.
   */
  readonly errors: Readonly<Record<string, WireError>>;
}

/**
 * Builds an action from its input shape and a handler of the decoded input. A parameter
 * that breaks the shape is a `ValidationError` (400) listing every violation, as AWS's
 * Query services answer before any work is done.
 */
export function action<S extends StructShape>(input: S, run: (call: QueryCall, input: Decoded<S>) => Promise<ActionResult>): QueryAction {
  return {
    async invoke(call, params) {
      const decoded = decode(input, params);
      if (!decoded.ok) throw validation(violationMessage(decoded.violations));
      return run(call, decoded.value);
    },
  };
}

/** CloudFormation's, IAM's and STS's code for a bad request: `ValidationError`, 400. */
export function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, {}, 400);
}
