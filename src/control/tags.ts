import type { Handlers } from './context.js';

export const tagHandlers: Handlers = {};
