// The reference "bare Node proxy on undici's dispatcher" of ../shared/bench/README.md, rebuilt
// for bench/dataplane/run.sh (config node-bare) so that Trellis's overhead over it is measured
// in the same run: Host bench.local + path /api/ round robin to 127.0.0.1:18081 / :18082 over
// keep-alive undici Pools with a raw dispatch handler; other hosts 404. No rules, no Lattice
// headers, no access log, no metrics.   PORT=18220 node bench/dataplane/bare-proxy.mjs
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pools = [18081, 18082].map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: 256, pipelining: 1, keepAliveTimeout: 4_000 }));
let next = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const host = req.headers.host ?? '';
  if ((host !== 'bench.local' && !host.startsWith('bench.local:')) || !req.url.startsWith('/api/')) {
    res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 10 });
    res.end('not found\n');
    return;
  }
  const pool = pools[next++ & 1];
  pool.dispatch({ path: req.url, method: req.method, headers: req.rawHeaders, body: null }, {
    onConnect() {},
    onError() { res.destroy(); },
    onHeaders(status, raw) {
      const h = [];
      for (let k = 0; k < raw.length; k += 2) {
        const n = raw[k].toString('latin1');
        if (n.length !== 10 || n.toLowerCase() !== 'connection') h.push(n, raw[k + 1].toString('latin1'));
      }
      res.writeHead(status, h);
      return true;
    },
    onData(c) { return res.write(c); },
    onComplete() { res.end(); },
  });
});
server.listen(Number(process.env.PORT ?? 18220), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
