import type { Handlers } from './context.js';

export const accessLogSubscriptionHandlers: Handlers = {};
