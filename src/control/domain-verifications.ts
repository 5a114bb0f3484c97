import type { Handlers } from './context.js';

export const domainVerificationHandlers: Handlers = {};
