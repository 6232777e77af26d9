'use strict';
// HTTP/2 through the addon: against Node's own http2 server (ALPN h2, so
// the addon's mbedTLS meets Node's OpenSSL), fetches and streams go over
// HTTP/2, and many at once share one connection.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http2 = require('node:http2');
const { execFileSync } = require('node:child_process');

const ferry = require('..');
const { pattern } = require('../localserver');

let dir;
let server;
let base;
let sessions = 0;
const open = new Set();

function haveOpenssl() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = haveOpenssl() ? false : 'the openssl command is needed to make a certificate';

test.before(async () => {
  if (skip)
    return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-node-h2-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
    'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'),
    '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  // HTTP/2 only: a client that did not speak it would fail the handshake
  server = http2.createSecureServer({
    key: fs.readFileSync(path.join(dir, 'key.pem')),
    cert: fs.readFileSync(path.join(dir, 'cert.pem')),
    allowHTTP1: false,
  }, (req, res) => {
    const n = Number(new URL(req.url, 'https://x').searchParams.get('n') || 0);
    res.setHeader('x-version', req.httpVersion);
    res.end(n ? pattern(n, n) : `h2 ${req.httpVersion} ${req.url}`);
  });
  server.on('session', (sess) => {
    sessions++;
    open.add(sess);
    sess.on('close', () => open.delete(sess));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${server.address().port}`;
});
test.after(() => {
  // the addon keeps its HTTP/2 connection pooled (as a browser would):
  // the server ends it, so that server.close() can finish
  for (const sess of open)
    sess.close();
  if (server)
    server.close();
  if (dir)
    fs.rmSync(dir, { recursive: true, force: true });
});

test('fetch speaks HTTP/2 to a server that offers it', { skip }, async () => {
  const r = await ferry.fetch(`${base}/a`, { caFile: path.join(dir, 'cert.pem') });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-version'], '2.0');
  assert.equal(r.body.toString(), 'h2 2.0 /a');
});

test('100 fetches at once share one HTTP/2 connection', { skip }, async () => {
  const ca = path.join(dir, 'cert.pem');
  const before = sessions;
  const all = [];
  for (let i = 1; i <= 100; i++)
    all.push(ferry.fetch(`${base}/p?n=${i * 97}`, { caFile: ca }));
  const rs = await Promise.all(all);
  rs.forEach((r, i) => {
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(pattern((i + 1) * 97, (i + 1) * 97)));
  });
  // the connection of the first test may still be pooled: at most one new
  assert.ok(sessions - before <= 1, `${sessions - before} new connections`);
});

test('a stream over HTTP/2 delivers 1 MiB with backpressure', { skip }, async () => {
  const s = ferry.stream(`${base}/big?n=${1 << 20}`,
    { caFile: path.join(dir, 'cert.pem'), highWaterMark: 16 * 1024 });
  const chunks = [];
  for await (const c of s) {
    chunks.push(c);
    await new Promise((r) => setImmediate(r)); // a slow reader
  }
  assert.equal(s.status, 200);
  assert.ok(Buffer.concat(chunks).equals(pattern(1 << 20, 1 << 20)));
});
