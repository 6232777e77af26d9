'use strict';
// fetch(): many transfers on Node's loop, request options, and errors as
// rejected promises with ferry's codes.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');

const ferry = require('..');
const { start } = require('../localserver');

let srv;
test.before(async () => { srv = await start(); });
test.after(() => srv.close());

// A port with nothing listening: bind, read it, close.
function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('1000 fetches 50 at a time all resolve with their own body', async () => {
  const total = 1000;
  const conns0 = srv.stats.connections;
  let next = 0;
  let checked = 0;
  async function worker() {
    while (next < total) {
      const i = next++;
      const res = await ferry.fetch(srv.url(`/id/${i}`));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/plain');
      assert.ok(Buffer.isBuffer(res.body));
      assert.equal(res.body.toString(), `id:${i}`);
      checked++;
    }
  }
  await Promise.all(Array.from({ length: 50 }, worker));
  assert.equal(checked, total);
  // keep-alive: connections are reused, at most one per concurrent worker
  assert.ok(srv.stats.connections - conns0 <= 50,
            `${srv.stats.connections - conns0} connections`);
  const st = ferry.stats();
  assert.equal(st.live, 0);
  assert.equal(st.busySockets, 0); // idle pooled sockets do not hold the loop
});

test('large, chunked and gzip bodies arrive byte for byte', async () => {
  const { pattern } = require('../localserver');
  const big = await ferry.fetch(srv.url('/bytes/3000000?seed=7'));
  assert.equal(big.body.length, 3000000);
  assert.ok(big.body.equals(pattern(7, 3000000)));
  const ch = await ferry.fetch(srv.url('/chunked/100000?seed=3'));
  assert.equal(ch.headers['transfer-encoding'], 'chunked');
  assert.ok(ch.body.equals(pattern(3, 100000)));
  const gz = await ferry.fetch(srv.url('/gzip/200000?seed=5'), { decompress: true });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.equals(pattern(5, 200000)));
});

test('method, headers and body options reach the server', async () => {
  let r = await ferry.fetch(srv.url('/echo'), {
    method: 'PUT',
    headers: { 'X-One': 'a', 'x-num': 42, 'X-Empty': '' },
    body: 'héllo',
  });
  let echo = JSON.parse(r.body);
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.headers['x-one'], 'a');
  assert.equal(echo.headers['x-num'], '42');
  assert.equal(echo.headers['x-empty'], '');
  assert.equal(Buffer.from(echo.body, 'latin1').toString(), 'héllo');

  r = await ferry.fetch(srv.url('/echo'), { method: 'POST',
                                            body: Buffer.from([0, 1, 2, 255]) });
  echo = JSON.parse(r.body);
  assert.equal(echo.method, 'POST');
  assert.deepEqual([...Buffer.from(echo.body, 'latin1')], [0, 1, 2, 255]);

  r = await ferry.fetch(srv.url('/echo'), { method: 'POST' });
  assert.equal(JSON.parse(r.body).headers['content-length'], '0');

  r = await ferry.fetch(srv.url('/echo'), { method: 'DELETE' });
  assert.equal(JSON.parse(r.body).method, 'DELETE');

  r = await ferry.fetch(srv.url('/id/9'), { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers['content-length'], '4');

  await assert.rejects(ferry.fetch(srv.url('/echo'), { headers: { 'X-Bad': 'a\r\nInjected: 1' } }),
                       { name: 'TypeError' });
  await assert.rejects(ferry.fetch(42), { name: 'TypeError' });
});

test('redirects are followed only when asked', async () => {
  let r = await ferry.fetch(srv.url('/redirect?to=/id/77'));
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/id/77');
  r = await ferry.fetch(srv.url('/redirect?to=/id/77'), { followRedirects: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'id:77');
  assert.equal(r.headers.location, undefined); // the final response's headers
});

test('an HTTP error status resolves: it is a response, not a failure', async () => {
  const r = await ferry.fetch(srv.url('/status/503'));
  assert.equal(r.status, 503);
  assert.equal(r.body.toString(), 'status 503');
});

test('a refused connection rejects with COULDNT_CONNECT and the error text', async () => {
  const port = await closedPort();
  await assert.rejects(ferry.fetch(`http://127.0.0.1:${port}/`), (err) => {
    assert.ok(err instanceof ferry.FerryError);
    assert.equal(err.code, 'COULDNT_CONNECT');
    assert.equal(err.ferryCode, 7);
    // ERRORBUFFER's text, which names the address, not the generic text
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1.*${port}`));
    return true;
  });
});

test('timeout rejects with OPERATION_TIMEDOUT', async () => {
  const t0 = Date.now();
  await assert.rejects(ferry.fetch(srv.url('/hang'), { timeout: 200 }), (err) => {
    assert.equal(err.code, 'OPERATION_TIMEDOUT');
    assert.equal(err.ferryCode, 28);
    assert.match(err.message, /timed out after \d+ milliseconds/);
    return true;
  });
  const dt = Date.now() - t0;
  assert.ok(dt >= 190 && dt < 3000, `took ${dt} ms`);
});

test('other failures keep their codes', async () => {
  await assert.rejects(ferry.fetch('gopher://127.0.0.1/'),
                       { code: 'UNSUPPORTED_PROTOCOL', ferryCode: 1 });
  await assert.rejects(ferry.fetch('http://exa mple.com/'),
                       { code: 'URL_MALFORMAT', ferryCode: 3 });
  // a server that closes at once: nothing came back
  const mute = net.createServer((s) => s.destroy());
  await new Promise((r) => mute.listen(0, '127.0.0.1', r));
  await assert.rejects(ferry.fetch(`http://127.0.0.1:${mute.address().port}/`),
                       { code: 'GOT_NOTHING', ferryCode: 52 });
  // garbage instead of HTTP: an HTTP/0.9 answer, refused as libcurl does
  const junk = net.createServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
  await new Promise((r) => junk.listen(0, '127.0.0.1', r));
  await assert.rejects(ferry.fetch(`http://127.0.0.1:${junk.address().port}/`),
                       { code: 'UNSUPPORTED_PROTOCOL', ferryCode: 1 });
  mute.close();
  junk.close();
});

test('concurrent successes and failures settle independently', async () => {
  const port = await closedPort();
  const jobs = [];
  for (let i = 0; i < 100; i++)
    jobs.push(i % 4 === 0 ? ferry.fetch(`http://127.0.0.1:${port}/`)
                          : ferry.fetch(srv.url(`/id/${i}`)));
  const out = await Promise.allSettled(jobs);
  out.forEach((o, i) => {
    if (i % 4 === 0) {
      assert.equal(o.status, 'rejected');
      assert.equal(o.reason.code, 'COULDNT_CONNECT');
    } else {
      assert.equal(o.status, 'fulfilled');
      assert.equal(o.value.body.toString(), `id:${i}`);
    }
  });
  assert.equal(ferry.stats().live, 0);
});
