/** Lambda targets: events, response mapping, invokers (worker threads, Invoke API endpoints). */
export { LambdaInvokers, lambdaTargetOf, type LambdaExchange } from './dispatcher.js';
export { buildV1Event, buildV2Event, headerLists, isTextBody, queryLists } from './events.js';
export type { LambdaRequest, LambdaRequestContext, V1Event, V2Event } from './events.js';
export { LAMBDA_PAYLOAD_LIMIT, mapLambdaResponse, type MappedResponse, type UnmappableResponse } from './response.js';
export { parseFunctionArn, type FunctionArnParts, type InvokeRequest, type InvokeResult, type LambdaInvoker } from './invoker.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { HttpInvoker, type HttpInvokerOptions } from './http-invoker.js';
