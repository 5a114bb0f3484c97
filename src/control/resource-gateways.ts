import type { Handlers } from './context.js';

export const resourceGatewayHandlers: Handlers = {};
