/**
 * Trellis's own HTTP/1.1 engine on raw sockets (README.md): the gateways' server side
 * (`serveHttp1`) and the upstream keep-alive pools (`Http1Pool`).
 */
export { serveHttp1, type Http1Handler, type Http1ServerOptions } from './server.js';
export { Http1Request } from './request.js';
export { Http1Response } from './response.js';
export {
  headerList, Http1Pool, RouteHeaders, upstreamError, type DispatchHandler, type DispatchOptions, type Http1PoolOptions, type UpstreamDispatcher,
} from './client.js';
export { HttpParseError, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './head.js';
export { ChunkedDecoder } from './chunked.js';
export { readResponseHead, RESPONSE_HEADERS_NOT_FORWARDED, ResponseHeadBytes } from './response-head.js';
