/**
 * What runs a Lambda function for the data plane: a pool of worker threads running a local
 * JavaScript module (worker-pool.ts) or an HTTP endpoint speaking the Lambda Invoke API
 * (http-invoker.ts). Both answer with the function's JSON payload as text, or say how the
 * invocation failed; the caller maps either to HTTP.
 */

export interface InvokeRequest {
  /** The event, serialisable as JSON. */
  readonly event: object;
  /** The request id, as `context.awsRequestId`. */
  readonly requestId: string;
}

export type InvokeResult =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly kind: 'error' | 'timeout' | 'too-large'; readonly message: string };

export interface LambdaInvoker {
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  /** Stops the workers or closes the connections; invocations in flight fail. */
  close(): Promise<void>;
}

/** The parts of a function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`). */
export interface FunctionArnParts {
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly qualifier?: string;
}

const FUNCTION_ARN = /^arn:[a-z-]+:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;

/** Parses a function ARN; undefined when it is not one. */
export function parseFunctionArn(arn: string): FunctionArnParts | undefined {
  const m = FUNCTION_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, name: m[3]!, ...(m[4] === undefined ? {} : { qualifier: m[4] }) };
}
