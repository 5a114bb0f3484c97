import type { Handlers } from './context.js';

export const serviceNetworkServiceAssociationHandlers: Handlers = {};
