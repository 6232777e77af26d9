'use strict';
// A local HTTP server for the tests and the benchmark: Node's own http
// module on 127.0.0.1 and a port from the kernel.
//
//   GET /id/K                 "id:K" (text/plain, content-length)
//   GET /bytes/N?seed=S       N bytes of pattern(S), content-length
//   GET /chunked/N?seed=S     the same bytes, chunked
//   GET /slow/N?seed=S&chunk=C&ms=T   N bytes, C per write, T ms apart
//   GET /big/N?seed=S         N bytes written as fast as the client reads
//   GET /gzip/N?seed=S        the N bytes gzip-encoded (Node's zlib)
//   GET /redirect?to=PATH     302 to PATH
//   GET /status/CODE          that status, body "status CODE"
//   GET /hang                 headers never come
//   ANY /echo                 JSON {method, url, headers, body}
//
// `node localserver.js` serves on a free port and prints it (for bench.js).

const http = require('node:http');
const zlib = require('node:zlib');

// Byte i of pattern(seed): cheap to make and to check at any offset.
function pattern(seed, len, offset = 0) {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) {
    const x = (offset + i) >>> 0;
    b[i] = ((x * 2654435761) ^ (x >>> 13) ^ (seed * 40503)) >>> 8 & 0xff;
  }
  return b;
}

function start(opts = {}) {
  const sockets = new Set();
  const stats = { connections: 0, requests: 0, backpressure: 0, bigSent: 0 };
  const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
    stats.requests++;
    const u = new URL(req.url, 'http://x');
    const seed = Number(u.searchParams.get('seed') || 1);
    const parts = u.pathname.split('/');
    switch (parts[1]) {
      case 'id': {
        const body = `id:${parts[2]}`;
        res.writeHead(200, { 'content-type': 'text/plain',
                             'content-length': body.length });
        res.end(body);
        return;
      }
      case 'bytes': {
        const body = pattern(seed, Number(parts[2]));
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
        return;
      }
      case 'chunked': {
        const body = pattern(seed, Number(parts[2]));
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let off = 0; off < body.length; off += 7919)
          res.write(body.subarray(off, off + 7919));
        res.end();
        return;
      }
      case 'slow': {
        const n = Number(parts[2]);
        const chunk = Number(u.searchParams.get('chunk') || 1024);
        const ms = Number(u.searchParams.get('ms') || 10);
        res.writeHead(200, { 'content-length': n });
        let off = 0;
        const tick = () => {
          if (res.destroyed)
            return;
          const len = Math.min(chunk, n - off);
          if (!res.write(pattern(seed, len, off)))
            stats.backpressure++;
          off += len;
          if (off >= n)
            res.end();
          else
            setTimeout(tick, ms);
        };
        tick();
        return;
      }
      case 'big': {
        // as fast as the client takes it (waits for 'drain'); bigSent is how
        // far it got
        const n = Number(parts[2]);
        res.writeHead(200, { 'content-length': n });
        let off = 0;
        const more = () => {
          while (off < n) {
            const len = Math.min(65536, n - off);
            const ok = res.write(pattern(seed, len, off));
            off += len;
            stats.bigSent = off;
            if (!ok) {
              stats.backpressure++;
              res.once('drain', more);
              return;
            }
          }
          res.end();
        };
        more();
        return;
      }
      case 'gzip': {
        const body = zlib.gzipSync(pattern(seed, Number(parts[2])));
        res.writeHead(200, { 'content-encoding': 'gzip',
                             'content-length': body.length });
        res.end(body);
        return;
      }
      case 'redirect':
        res.writeHead(302, { location: u.searchParams.get('to') || '/id/0',
                             'content-length': 0 });
        res.end();
        return;
      case 'status': {
        const body = `status ${parts[2]}`;
        res.writeHead(Number(parts[2]), { 'content-length': body.length });
        res.end(body);
        return;
      }
      case 'hang':
        return; // never answered; the client gives up or cancels
      case 'echo': {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.stringify({
            method: req.method, url: req.url, headers: req.headers,
            body: Buffer.concat(chunks).toString('latin1'),
          });
          res.writeHead(200, { 'content-type': 'application/json',
                               'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        return;
      }
      default:
        res.writeHead(404, { 'content-length': 0 });
        res.end();
    }
  });
  server.on('connection', (s) => {
    stats.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(opts.port || 0, '127.0.0.1', () => {
      const port = server.address().port;
      resolve({
        server, port, stats, sockets,
        url: (p) => `http://127.0.0.1:${port}${p}`,
        close: () => new Promise((r) => {
          for (const s of sockets)
            s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

module.exports = { start, pattern };

if (require.main === module) {
  start().then((s) => {
    process.stdout.write(`${s.port}\n`);
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
  });
}
