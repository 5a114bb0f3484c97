import type { Handlers } from './context.js';

export const resourceConfigurationHandlers: Handlers = {};
