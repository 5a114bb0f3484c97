import type { Handlers } from './context.js';

export const resourceEndpointAssociationHandlers: Handlers = {};
