export { isAcmRequest, serveAcm, type AcmContext } from './protocol.js';
export { ACM_ACTIONS, type AcmAction, type AcmCall } from './actions.js';
