// The module `trellis up --workers N` forks (cluster.setupPrimary({ exec })): a worker runs
// the request path only, never the primary's command line. Like bin/trellis.mjs, it runs
// the TypeScript sources through tsx's loader (registered here: a forked worker gets the
// primary's execArgv, not its runtime registrations).
import { register } from 'tsx/esm/api';

register();
const { runWorker } = await import('./worker.ts');
await runWorker();
