'use strict';
// HTTPS through the addon's own mbedTLS against Node's https server (which
// runs on Node's OpenSSL in the same process): caFile, insecure, and the
// failure when the peer cannot be verified.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const { execFileSync } = require('node:child_process');

const ferry = require('..');
const { pattern } = require('../localserver');

let dir;
let server;
let base;

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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-node-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
    'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'),
    '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  server = https.createServer({
    key: fs.readFileSync(path.join(dir, 'key.pem')),
    cert: fs.readFileSync(path.join(dir, 'cert.pem')),
  }, (req, res) => {
    const n = Number(new URL(req.url, 'https://x').searchParams.get('n') || 0);
    res.end(n ? pattern(n, n) : `secure ${req.url}`);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${server.address().port}`;
});
test.after(() => {
  if (server)
    server.close();
  if (dir)
    fs.rmSync(dir, { recursive: true, force: true });
});

test('caFile verifies the server and the body arrives', { skip }, async () => {
  const r = await ferry.fetch(`${base}/a`, { caFile: path.join(dir, 'cert.pem') });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'secure /a');
});

test('insecure skips verification', { skip }, async () => {
  const r = await ferry.fetch(`${base}/b`, { insecure: true });
  assert.equal(r.body.toString(), 'secure /b');
});

test('an unverifiable peer rejects with PEER_FAILED_VERIFICATION', { skip }, async () => {
  await assert.rejects(ferry.fetch(`${base}/c`), (err) => {
    assert.equal(err.code, 'PEER_FAILED_VERIFICATION');
    assert.equal(err.ferryCode, 60);
    assert.match(err.message, /certificate/i);
    return true;
  });
});

test('200 HTTPS fetches, 20 at a time, with bodies checked', { skip }, async () => {
  const ca = path.join(dir, 'cert.pem');
  let next = 1;
  async function worker() {
    while (next <= 200) {
      const n = next++;
      const r = await ferry.fetch(`${base}/?n=${n * 100}`, { caFile: ca });
      assert.ok(r.body.equals(pattern(n * 100, n * 100)), `body ${n}`);
    }
  }
  await Promise.all(Array.from({ length: 20 }, worker));
  assert.equal(ferry.stats().live, 0);
});
