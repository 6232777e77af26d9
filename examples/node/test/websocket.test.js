'use strict';
// ferry.WebSocket: open, message, close and error events on Node's own
// loop, strings and Buffers both ways, back-pressure through send()'s
// return and 'drain', subprotocols, many sockets idle at once.
const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { setTimeout: sleep } = require('node:timers/promises');

const ferry = require('..');
const { start, pattern } = require('../localserver');

let srv;
test.before(async () => { srv = await start(); });
test.after(() => srv.close());

const wsUrl = () => `ws://127.0.0.1:${srv.port}/ws`;

// events.once() rejects on 'error'; 'close' follows an error at once
const closeEvent = (ws) => new Promise((r) => ws.once('close', (...a) => r(a)));

function messages(ws, n) {
  return new Promise((resolve, reject) => {
    const got = [];
    const on = (data, isBinary) => {
      got.push({ data, isBinary });
      if (got.length === n) {
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
    ws.once('error', reject);
  });
}

test('open, text and binary messages, and the close handshake', async () => {
  const ws = new ferry.WebSocket(wsUrl(), ['chat', 'superchat']);
  assert.equal(ws.readyState, ferry.WebSocket.CONNECTING);
  assert.throws(() => ws.send('too early'));
  await once(ws, 'open');
  assert.equal(ws.readyState, ferry.WebSocket.OPEN);
  assert.equal(ws.protocol, 'chat');
  const got = messages(ws, 3);
  assert.equal(ws.send('héllo 😀'), true);
  ws.send(Buffer.from([0, 1, 2, 255]));
  ws.send(new Uint8Array([7, 8]));
  const [a, b, c] = await got;
  assert.deepEqual(a, { data: 'héllo 😀', isBinary: false });
  assert.equal(b.isBinary, true);
  assert.deepEqual([...b.data], [0, 1, 2, 255]);
  assert.deepEqual([...c.data], [7, 8]);
  const pong = once(ws, 'pong');
  ws.ping('are you there');
  assert.equal((await pong)[0].toString(), 'are you there');
  ws.close(1000, 'bye');
  assert.equal(ws.readyState, ferry.WebSocket.CLOSING);
  const [code, reason] = await once(ws, 'close');
  assert.equal(code, 1000);
  assert.equal(reason, 'bye');
  assert.equal(ws.readyState, ferry.WebSocket.CLOSED);
  assert.equal(ferry.stats().live, 0);
});

test('the server closes first: its status and reason', async () => {
  const ws = new ferry.WebSocket(wsUrl());
  await once(ws, 'open');
  ws.send('close 4001 going away');
  const [code, reason] = await once(ws, 'close');
  assert.equal(code, 4001);
  assert.equal(reason, 'going away');
});

test('send() says when to wait, and drain says when to go on', async () => {
  const ws = new ferry.WebSocket(wsUrl(), { highWaterMark: 256 * 1024 });
  await once(ws, 'open');
  ws.send('hold 300'); // the server stops reading: the socket fills up
  const size = 256 * 1024;
  const count = 64; // 16 MiB
  const echoes = messages(ws, count);
  let sent = 0;
  let waits = 0;
  let maxBuffered = 0;
  while (sent < count) {
    const ok = ws.send(pattern(sent, size));
    sent++;
    maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
    if (!ok && sent < count) {
      waits++;
      await once(ws, 'drain');
      assert.equal(ws.bufferedAmount, 0);
    }
  }
  assert.ok(waits > 0, 'send() never said to wait');
  const got = await echoes;
  for (let i = 0; i < count; i++) {
    assert.equal(got[i].isBinary, true);
    assert.ok(got[i].data.equals(pattern(i, size)), `message ${i}`);
  }
  // nothing queued more than one message past the mark
  assert.ok(maxBuffered <= 2 * size, `buffered up to ${maxBuffered}`);
  ws.close();
  await once(ws, 'close');
});

test('large messages from the server come whole', async () => {
  const ws = new ferry.WebSocket(wsUrl());
  await once(ws, 'open');
  const got = messages(ws, 3);
  ws.send('burst 3 3000000');
  const m = await got;
  for (let i = 0; i < 3; i++)
    assert.ok(m[i].data.equals(pattern(i, 3000000)));
  ws.terminate();
  const [code] = await once(ws, 'close');
  assert.equal(code, 1006);
});

test('a refused connection is an error, then a close with 1006', async () => {
  const net = require('node:net');
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r)); // nothing listens there now
  const ws = new ferry.WebSocket(`ws://127.0.0.1:${port}/`);
  const closed = closeEvent(ws); // it comes right after 'error'
  const [err] = await once(ws, 'error');
  assert.equal(err.code, 'COULDNT_CONNECT');
  const [code] = await closed;
  assert.equal(code, 1006);
});

test('an HTTP answer instead of a 101 is an error', async () => {
  const ws = new ferry.WebSocket(`ws://127.0.0.1:${srv.port}/status/404`);
  const closed = closeEvent(ws);
  const [err] = await once(ws, 'error');
  assert.equal(err.code, 'HTTP_RETURNED_ERROR');
  assert.match(err.message, /Refused WebSocket upgrade: 404/);
  assert.equal((await closed)[0], 1006);
});

test('many WebSockets open at once sit idle on the loop', async () => {
  const n = 50;
  const before = ferry.stats();
  const all = [];
  for (let i = 0; i < n; i++)
    all.push(new ferry.WebSocket(wsUrl()));
  await Promise.all(all.map((ws) => once(ws, 'open')));
  await sleep(200);
  const st = ferry.stats();
  // one watched socket each, nothing else of ferry's on the loop
  assert.equal(st.live - before.live, n);
  assert.equal(st.busySockets - before.busySockets, n);
  // each still answers
  const echoes = all.map((ws) => messages(ws, 1));
  all.forEach((ws, i) => ws.send(`n${i}`));
  const got = await Promise.all(echoes);
  got.forEach((m, i) => assert.equal(m[0].data, `n${i}`));
  all.forEach((ws) => ws.close());
  await Promise.all(all.map((ws) => once(ws, 'close')));
  assert.equal(ferry.stats().live, before.live);
});
