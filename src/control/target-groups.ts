import type { Handlers } from './context.js';

export const targetGroupHandlers: Handlers = {};
