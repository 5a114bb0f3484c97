import type { Handlers } from './context.js';

export const authPolicyHandlers: Handlers = {};
