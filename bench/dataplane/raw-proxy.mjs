// Experiment: the floor of a Node proxy that parses HTTP/1.1 itself on raw net.Sockets
// (no node:http, no undici): Host bench.local + /api/ round robin to 127.0.0.1:18081/:18082
// over keep-alive sockets; Content-Length bodies only. PORT=18230 node raw-proxy.mjs
import net from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');
const idle = [[], []];
let next = 0;

function upstream(i) {
  const s = idle[i].pop();
  if (s) return s;
  const u = net.connect(18081 + i, '127.0.0.1');
  u.setNoDelay(true);
  u.on('error', () => {});
  u.pool = i;
  return u;
}

function headEnd(buf) { return buf.indexOf(CRLF2); }

function contentLength(head) {
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return m ? Number(m[1]) : 0;
}

const server = net.createServer({ noDelay: true }, (client) => {
  let buf = null;
  let busy = false;
  client.on('error', () => {});
  client.on('data', (chunk) => {
    buf = buf ? Buffer.concat([buf, chunk]) : chunk;
    if (!busy) pump();
  });
  function pump() {
    const end = headEnd(buf);
    if (end < 0) return;
    const head = buf.latin1Slice(0, end);
    const len = contentLength(head);
    if (buf.length < end + 4 + len) return;
    const req = buf.subarray(0, end + 4 + len);
    buf = buf.length > req.length ? buf.subarray(req.length) : null;
    const hostM = /\r\nhost:\s*([^\r:]+)/i.exec(head);
    const sp = head.indexOf(' ');
    const path = head.slice(sp + 1, head.indexOf(' ', sp + 1));
    if (!hostM || hostM[1] !== 'bench.local' || !path.startsWith('/api/')) {
      client.write('HTTP/1.1 404 Not Found\r\ncontent-length: 10\r\n\r\nnot found\n');
      if (buf) pump();
      return;
    }
    busy = true;
    const u = upstream(next++ & 1);
    u.write(req);
    let rbuf = null;
    let need = -1;
    const onData = (c) => {
      rbuf = rbuf ? Buffer.concat([rbuf, c]) : c;
      if (need < 0) {
        const e = headEnd(rbuf);
        if (e < 0) return;
        need = e + 4 + contentLength(rbuf.latin1Slice(0, e));
      }
      if (rbuf.length < need) return;
      u.removeListener('data', onData);
      client.write(rbuf);
      idle[u.pool].push(u);
      busy = false;
      if (buf) pump();
    };
    u.on('data', onData);
  }
});
server.listen(Number(process.env.PORT ?? 18230), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
