import type { Handlers } from './context.js';

export const listenerHandlers: Handlers = {};
