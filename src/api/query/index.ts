export { isQueryRequest, serveQuery, QUERY_SIGNING_NAMES, type QueryContext } from './protocol.js';
export { action, validation, type ActionResult, type QueryAction, type QueryCall, type QueryService, type WireError } from './service.js';
export { cloudFormationService, type CloudFormationOptions } from './cloudformation/service.js';
export { iamService, type IdentityServices } from './iam/service.js';
export { stsService, type StsOptions } from './sts/service.js';
