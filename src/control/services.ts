import type { Handlers } from './context.js';

export const serviceHandlers: Handlers = {};
