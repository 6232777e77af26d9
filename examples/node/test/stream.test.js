'use strict';
// stream(): backpressure from a slow consumer pauses ferry's receiving;
// cancel() of streams and fetches leaves nothing behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { setTimeout: sleep } = require('node:timers/promises');

const ferry = require('..');
const { start, pattern } = require('../localserver');

let srv;
test.before(async () => { srv = await start(); });
test.after(() => srv.close());

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// Wait until cond() holds, polling the loop; fail after ms.
async function until(cond, ms, what) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms)
      assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('a slow consumer pauses the transfer and gets every byte', async () => {
  const size = 16 * 1024 * 1024;
  const hwm = 64 * 1024;
  const before = ferry.stats();
  const s = ferry.stream(srv.url(`/big/${size}?seed=11`), { highWaterMark: hwm });
  let head;
  s.on('response', (h) => { head = h; });
  let maxBuffered = 0;
  const hash = crypto.createHash('sha256');
  let got = 0;
  let writes = 0;
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk, enc, cb) {
      maxBuffered = Math.max(maxBuffered, s.readableLength);
      hash.update(chunk);
      got += chunk.length;
      // a consumer that takes 1 ms every 8 chunks: far slower than loopback
      if (++writes % 8 === 0)
        setTimeout(cb, 1);
      else
        cb();
    },
  });
  await pipeline(s, slow);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(size));
  assert.equal(got, size);
  assert.equal(hash.digest('hex'), sha(pattern(11, size)));
  const after = ferry.stats();
  assert.ok(after.pauses - before.pauses > 10, `paused ${after.pauses - before.pauses} times`);
  assert.equal(after.resumes - before.resumes, after.pauses - before.pauses);
  // push() said "full" and ferry stopped: at most one write callback's worth
  // (16 KiB) lands above the high-water mark
  assert.ok(maxBuffered < hwm + 16384, `buffered up to ${maxBuffered}`);
  assert.equal(after.live, 0);
});

test('a consumer that stops reading stops the socket reads', async () => {
  const size = 48 * 1024 * 1024;
  const hwm = 64 * 1024;
  const pauses0 = ferry.stats().pauses;
  const s = ferry.stream(srv.url(`/big/${size}?seed=12`), { highWaterMark: hwm });
  await new Promise((r) => s.once('readable', r));
  await sleep(300); // nobody reads: loopback would move all 48 MiB by now
  assert.equal(ferry.stats().pauses, pauses0 + 1);
  assert.ok(s.readableLength < hwm + 16384, `buffered ${s.readableLength}`);
  // the server is stuck behind full socket buffers, far from the end
  assert.ok(srv.stats.bigSent < size / 2, `server sent ${srv.stats.bigSent}`);
  const hash = crypto.createHash('sha256');
  let got = 0;
  for await (const c of s) {
    hash.update(c);
    got += c.length;
  }
  assert.equal(got, size);
  assert.equal(hash.digest('hex'), sha(pattern(12, size)));
});

test('a stream read with read() in bursts resumes where it paused', async () => {
  const size = 2 * 1024 * 1024;
  const s = ferry.stream(srv.url(`/bytes/${size}?seed=4`), { highWaterMark: 32 * 1024 });
  const parts = [];
  let ended = false;
  s.on('end', () => { ended = true; });
  await new Promise((r) => s.once('readable', r));
  while (!ended) {
    let c;
    while ((c = s.read()) !== null)
      parts.push(c);
    await sleep(2); // the consumer is busy elsewhere
    if (!ended && s.readableLength === 0)
      await new Promise((r) => { s.once('readable', r); s.once('end', r); });
  }
  const body = Buffer.concat(parts);
  assert.equal(body.length, size);
  assert.ok(body.equals(pattern(4, size)));
});

test('an empty body still gives response and end', async () => {
  const s = ferry.stream(srv.url('/redirect?to=/x'));
  let head;
  s.on('response', (h) => { head = h; });
  const chunks = [];
  for await (const c of s)
    chunks.push(c);
  assert.equal(head.status, 302);
  assert.equal(chunks.length, 0);
});

test('stream errors are emitted with ferry codes', async () => {
  const s = ferry.stream(srv.url('/hang'), { timeout: 100 });
  await assert.rejects(async () => { for await (const c of s) void c; },
                       { code: 'OPERATION_TIMEDOUT', ferryCode: 28 });
});

test('cancel() of a stream mid-body: CANCELLED, connection closed, no handles left', async () => {
  const sockets0 = ferry.stats().sockets;
  const s = ferry.stream(srv.url('/slow/1000000?chunk=1000&ms=5'));
  const conn = new Promise((resolve) => srv.server.once('request', (req) => req.socket.once('close', resolve)));
  let got = 0;
  const err = await new Promise((resolve) => {
    s.on('data', (c) => {
      got += c.length;
      if (got >= 3000)
        s.cancel(); // from inside ferry's write callback: deferred
    });
    s.on('error', resolve);
  });
  assert.equal(err.code, 'CANCELLED');
  assert.equal(err.name, 'AbortError');
  await conn; // the server saw the connection go
  await until(() => ferry.stats().sockets === sockets0, 2000, 'ferry sockets closed');
  const st = ferry.stats();
  assert.equal(st.live, 0);
  assert.equal(st.busySockets, 0);
});

test('cancel() of a fetch rejects at once and frees the transfer', async () => {
  const sockets0 = ferry.stats().sockets;
  const live0 = ferry.stats().live;
  const conn = new Promise((resolve) => srv.server.once('request', (req) => req.socket.once('close', resolve)));
  const p = ferry.fetch(srv.url('/hang'));
  await sleep(50); // the request is on the wire
  assert.equal(ferry.stats().live, live0 + 1);
  assert.equal(p.cancel(), true);
  assert.equal(p.cancel(), false); // once
  await assert.rejects(p, { code: 'CANCELLED', name: 'AbortError' });
  assert.equal(ferry.stats().live, live0);
  await conn;
  await until(() => ferry.stats().sockets === sockets0, 2000, 'ferry sockets closed');
});

test('an AbortSignal cancels, before and during the transfer', async () => {
  const ac = new AbortController();
  const p = ferry.fetch(srv.url('/hang'), { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, { code: 'CANCELLED' });
  await assert.rejects(ferry.fetch(srv.url('/id/1'), { signal: AbortSignal.abort() }),
                       { code: 'CANCELLED' });
  // a signal that never fires does not hold the transfer or leak a listener
  const ac2 = new AbortController();
  const r = await ferry.fetch(srv.url('/id/2'), { signal: ac2.signal });
  assert.equal(r.body.toString(), 'id:2');
  ac2.abort(); // after the end: nothing happens
  assert.equal(ferry.stats().live, 0);
});

test('cancelling many transfers at once, some inside callbacks', async () => {
  const sockets0 = ferry.stats().sockets;
  const fetches = Array.from({ length: 20 }, () => ferry.fetch(srv.url('/hang')));
  const streams = Array.from({ length: 5 }, (_, i) =>
    ferry.stream(srv.url(`/slow/100000?chunk=500&ms=2&seed=${i}`)));
  // the first chunk of any stream cancels everything else
  let fired = false;
  for (const s of streams) {
    s.on('error', () => {});
    s.on('data', () => {
      if (fired)
        return;
      fired = true;
      for (const f of fetches)
        f.cancel();
      for (const o of streams)
        o.cancel();
    });
  }
  const out = await Promise.allSettled(fetches);
  assert.ok(out.every((o) => o.status === 'rejected' && o.reason.code === 'CANCELLED'));
  await until(() => ferry.stats().live === 0, 2000, 'no live transfers');
  await until(() => ferry.stats().sockets <= sockets0, 2000, 'sockets closed');
  // the multi is still fine afterwards
  const r = await ferry.fetch(srv.url('/id/5'));
  assert.equal(r.body.toString(), 'id:5');
});
