export { isQueryRequest, serveQuery, QUERY_SIGNING_NAMES, type QueryContext } from './protocol.js';
export { action, validation, type ActionResult, type QueryAction, type QueryService, type WireError } from './service.js';
export { cloudFormationService, type CloudFormationOptions } from './cloudformation/service.js';
