import type { Handlers } from './context.js';

export const targetHandlers: Handlers = {};
