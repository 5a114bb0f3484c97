import type { Handlers } from './context.js';

export const serviceNetworkVpcAssociationHandlers: Handlers = {};
