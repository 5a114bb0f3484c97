#!/usr/bin/env node
// The two applications of the walkthrough, on loopback: an HTML page standing in for nginx
// on the EC2 instance, and a JSON API standing in for the FastAPI app on ECS behind the ALB.
//
//   node examples/walkthrough/backends.mjs                      both, on their usual addresses
//   node examples/walkthrough/backends.mjs html 127.0.0.3:18081  one more HTML backend
//
// Addresses: HTML_HOST / HTML_PORT (default 127.0.0.1:18081), JSON_HOST / JSON_PORT (default
// 127.0.0.2:18082). Every 127.x.y.z address is loopback on Linux; on macOS add one with
// `sudo ifconfig lo0 alias 127.0.0.2` (or set JSON_HOST=127.0.0.1).
//
// Tests import `startBackend` / `startBackends` and pass port 0.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/** What Trellis's health checker sends as User-Agent: such requests are not logged. */
const HEALTH_CHECK_AGENT = /HealthChecker/;
/** How many requests a backend remembers (the newest), for tests and for a look in a REPL. */
const REMEMBERED = 256;

export const HTML_DEFAULT = Object.freeze({ host: process.env.HTML_HOST ?? '127.0.0.1', port: Number(process.env.HTML_PORT ?? 18081) });
export const JSON_DEFAULT = Object.freeze({ host: process.env.JSON_HOST ?? '127.0.0.2', port: Number(process.env.JSON_PORT ?? 18082) });

function htmlPage(name, address) {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head><title>EC2 behind VPC Lattice</title></head>',
    '<body>',
    '<h1>Hello from the EC2 instance</h1>',
    `<p>Served by ${name} on ${address}, standing in for nginx.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function jsonBody(name, address, url) {
  return JSON.stringify({ message: 'Hello from the ECS service behind the ALB', backend: name, address, path: url }) + '\n';
}

/**
 * Starts one backend. `kind` is 'html' (content-type text/html) or 'json' (application/json).
 * Every request is remembered in `requests` (method, url, headers, rawHeaders; the newest
 * 256) so that tests can see what reached the target. `stop()` closes the server and its
 * connections; `start()` listens again on the same address, as a restarted process would.
 */
export async function startBackend({ kind, host = '127.0.0.1', port = 0, name = kind, onRequest } = {}) {
  if (kind !== 'html' && kind !== 'json') throw new Error(`a backend is 'html' or 'json', not ${kind}`);
  const requests = [];
  const backend = {
    kind, name, host, port, requests,
    get address() { return `${host}:${backend.port}`; },
    start, stop,
  };
  let server;

  function handle(req, res) {
    requests.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders });
    if (requests.length > REMEMBERED) requests.shift();
    if (onRequest) onRequest(backend, req);
    // Drain the body (if any) before answering: keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      const body = kind === 'html' ? htmlPage(name, backend.address) : jsonBody(name, backend.address, req.url);
      res.writeHead(200, {
        'content-type': kind === 'html' ? 'text/html' : 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-backend': name,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }

  function start() {
    server = createServer(handle);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(backend.port, host, () => {
        server.off('error', reject);
        backend.port = server.address().port;
        resolve(backend);
      });
    });
  }

  function stop() {
    const s = server;
    if (!s) return Promise.resolve();
    server = undefined;
    return new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  return start();
}

/** Both backends of the walkthrough; `close()` stops both. */
export async function startBackends({ html = HTML_DEFAULT, json = JSON_DEFAULT, onRequest } = {}) {
  const h = await startBackend({ kind: 'html', ...html, onRequest });
  try {
    const j = await startBackend({ kind: 'json', ...json, onRequest });
    return { html: h, json: j, close: () => Promise.all([h.stop(), j.stop()]).then(() => undefined) };
  } catch (err) {
    await h.stop();
    throw err;
  }
}

/** `127.0.0.3:18081` → { host, port }. */
export function parseAddress(text) {
  const m = /^([0-9.]+|\[[0-9a-fA-F:]+\]|localhost):(\d{1,5})$/.exec(text ?? '');
  if (!m) throw new Error(`expected host:port, e.g. 127.0.0.3:18081, got ${text}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function logRequest(backend, req) {
  if (HEALTH_CHECK_AGENT.test(req.headers['user-agent'] ?? '')) return;
  const vpc = req.headers['x-amzn-source-vpc'] ?? '-';
  const from = req.headers['x-forwarded-for'] ?? req.socket.remoteAddress;
  console.log(`${backend.name.padEnd(5)} ${backend.address}  ${req.method} ${req.url}  from ${from} in ${vpc}`);
}

async function main(args) {
  const started = [];
  try {
    if (args.length === 0) {
      const both = await startBackends({ onRequest: logRequest });
      started.push(both.html, both.json);
    } else if (args.length === 2 && (args[0] === 'html' || args[0] === 'json')) {
      const at = parseAddress(args[1]);
      started.push(await startBackend({ kind: args[0], ...at, name: `${args[0]}@${at.host}`, onRequest: logRequest }));
    } else {
      console.error('usage: backends.mjs                 (html on HTML_HOST:HTML_PORT, json on JSON_HOST:JSON_PORT)\n'
        + '       backends.mjs html|json HOST:PORT   (one more backend)');
      process.exit(2);
    }
  } catch (err) {
    console.error(`cannot start the backends: ${err.message}`);
    if (err.code === 'EADDRNOTAVAIL') console.error('that loopback address does not exist here (macOS: sudo ifconfig lo0 alias ADDRESS; or set HTML_HOST / JSON_HOST to 127.0.0.1)');
    process.exit(1);
  }
  for (const b of started) {
    console.log(`${b.name.padEnd(5)} listening on http://${b.address}  (${b.kind === 'html' ? 'text/html, as nginx on EC2' : 'application/json, as FastAPI behind the ALB'})`);
  }
  const stop = () => { void Promise.all(started.map((b) => b.stop())).then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
