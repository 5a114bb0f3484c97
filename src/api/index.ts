export { createApiServer, type ApiServerOptions } from './server.js';
export { Router } from './router.js';
export type { DataPlaneView } from './trellis-endpoints.js';
