import type { Handlers } from './context.js';

export const serviceNetworkResourceAssociationHandlers: Handlers = {};
