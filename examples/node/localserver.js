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
//   ws://.../ws               a WebSocket echo server (RFC 6455 by hand, no
//                             library): each message comes back as it
//                             came, pings are answered, a close is answered
//                             with its status; text commands:
//                               "close CODE REASON"  it closes first
//                               "burst N SIZE"       N binary messages
//                               "hold MS"            it stops reading MS ms
//                             It picks the first subprotocol offered.
//
// `node localserver.js` serves on a free port and prints it (for bench.js).

const crypto = require('node:crypto');
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
  server.on('upgrade', (req, socket, head) => wsServe(req, socket, stats, head));
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

// ---- a WebSocket echo server ------------------------------------------------

function wsFrame(op, payload) {
  const n = payload.length;
  let head;
  if (n < 126) {
    head = Buffer.from([0x80 | op, n]);
  } else if (n < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | op;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | op;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

function wsServe(req, socket, stats, head) {
  const key = req.headers['sec-websocket-key'];
  if (!req.url.startsWith('/ws')) {
    // only /ws upgrades: anything else gets a plain HTTP answer
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  if (!key || (req.headers.upgrade || '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  stats.websockets = (stats.websockets || 0) + 1;
  const accept = crypto.createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  const offered = (req.headers['sec-websocket-protocol'] || '').split(',')
    .map((x) => x.trim()).filter((x) => x);
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
               'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept +
               '\r\n' + (offered.length ? `Sec-WebSocket-Protocol: ${offered[0]}\r\n`
                 : '') + '\r\n');
  let buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
  let msg = [];
  let msgOp = 0;
  let closed = false;
  const onMessage = (op, data) => {
    if (op === 1) {
      const text = data.toString('utf8');
      const w = text.split(' ');
      if (w[0] === 'close') {
        closed = true;
        const p = Buffer.alloc(2);
        p.writeUInt16BE(Number(w[1]));
        socket.write(wsFrame(8, Buffer.concat([p, Buffer.from(w.slice(2).join(' '))])));
        return;
      }
      if (w[0] === 'burst') {
        for (let i = 0; i < Number(w[1]); i++)
          socket.write(wsFrame(2, pattern(i, Number(w[2]))));
        return;
      }
      if (w[0] === 'hold') {
        socket.pause();
        setTimeout(() => socket.resume(), Number(w[1]));
        return;
      }
    }
    socket.write(wsFrame(op, data));
  };
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2)
        return;
      let n = buf[1] & 0x7f;
      let i = 2;
      if (n === 126) {
        if (buf.length < 4)
          return;
        n = buf.readUInt16BE(2);
        i = 4;
      } else if (n === 127) {
        if (buf.length < 10)
          return;
        n = Number(buf.readBigUInt64BE(2));
        i = 10;
      }
      if (buf.length < i + 4 + n)
        return;
      const mask = buf.subarray(i, i + 4);
      const data = Buffer.from(buf.subarray(i + 4, i + 4 + n));
      for (let k = 0; k < n; k++)
        data[k] ^= mask[k & 3];
      const fin = buf[0] & 0x80;
      const op = buf[0] & 0x0f;
      buf = buf.subarray(i + 4 + n);
      if (op === 8) {
        if (!closed)
          socket.write(wsFrame(8, data)); // its status and reason back
        socket.end();
        return;
      }
      if (op === 9) {
        socket.write(wsFrame(10, data));
        continue;
      }
      if (op === 10)
        continue;
      if (op !== 0)
        msgOp = op;
      msg.push(data);
      if (fin) {
        const whole = Buffer.concat(msg);
        msg = [];
        onMessage(msgOp, whole);
      }
    }
  });
  socket.on('error', () => {});
}

module.exports = { start, pattern };

if (require.main === module) {
  start().then((s) => {
    process.stdout.write(`${s.port}\n`);
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
  });
}
