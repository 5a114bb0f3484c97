import type { Handlers } from './context.js';

export const resourcePolicyHandlers: Handlers = {};
