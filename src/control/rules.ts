import type { Handlers } from './context.js';

export const ruleHandlers: Handlers = {};
