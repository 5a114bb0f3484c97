export type * from './snapshot.js';
export { compile, SNAPSHOT_KINDS, ROUTABLE_SERVICE_ASSOCIATION_STATUSES, ROUTABLE_SERVICE_STATUSES } from './compile.js';
export { ROUTABLE_VPC_ASSOCIATION_STATUSES } from './compile-vpcs.js';
export { parseHttpCodes } from './compile-targets.js';
export { checkSnapshot } from './check.js';
export { snapshotToJson } from './serialize.js';
export { SnapshotFollower, type SnapshotFollowerOptions } from './follower.js';
export { cachedRebuild, fullRebuild, type CachedRebuildOptions, type Rebuild } from './rebuild.js';
export { incrementalRebuild, type IncrementalRebuildOptions, type RebuildInfo } from './incremental.js';
