'use strict';
// ferry for Node: HTTP(S) transfers run by ferry on Node's own event loop.
//
//   const ferry = require('./examples/node');
//   const res = await ferry.fetch('http://127.0.0.1:8080/', { timeout: 5000 });
//   res.status, res.headers, res.body (a Buffer)
//
//   const s = ferry.stream(url, opts);   // a Readable of Buffers
//   s.on('response', ({ status, headers }) => ...);
//   s.pipe(dest); s.cancel();
//
// Options: method, headers (object), body (string, Buffer or typed array),
// timeout (ms, whole transfer), followRedirects (default false),
// maxRedirects, insecure (no TLS peer or host check), caFile, decompress
// (send Accept-Encoding and decode gzip/deflate), signal (an AbortSignal).
//
// Errors: a FerryError with code ('COULDNT_CONNECT', ...), ferryCode (the
// number, libcurl's) and message (ferry's error text for the transfer);
// cancelling gives code 'CANCELLED'.
//
//   const ws = new ferry.WebSocket('ws://127.0.0.1:8080/chat', ['chat']);
//   ws.on('open', () => ws.send('hello'));
//   ws.on('message', (data, isBinary) => ...);  // a string, or a Buffer
//   ws.on('close', (code, reason) => ...);
//   ws.on('error', (err) => ...);               // a FerryError, then close
//   if (!ws.send(buf)) ws.once('drain', more);  // back-pressure
//
// A WebSocket (RFC 6455, ws:// and wss://) runs on the same multi, in
// libcurl's callback mode: ferry answers pings and the server's close. Its
// options: headers, timeout (the whole connection), caFile, insecure,
// highWaterMark (send() returns false above it; 1 MiB), maxPayload (the
// largest message taken; 100 MiB). bufferedAmount counts the bytes sent
// and not taken by ferry yet (ferry itself holds at most 64 KiB more).

const path = require('node:path');
const { EventEmitter } = require('node:events');
const { Readable } = require('node:stream');

const native = require(process.env.FERRY_NODE_ADDON ||
                       path.join(__dirname, 'build', 'ferry.node'));

class FerryError extends Error {
  constructor(message, code, ferryCode) {
    super(message);
    this.name = 'FerryError';
    this.code = code;
    this.ferryCode = ferryCode;
  }
}

function cancelError() {
  const e = new FerryError('transfer cancelled', 'CANCELLED', undefined);
  e.name = 'AbortError';
  return e;
}

// id -> { resolve, reject } for fetch, or a FerryStream
const live = new Map();

function onHead(id, status, headers) {
  const s = live.get(id);
  if (s instanceof FerryStream)
    s._head(status, headers);
}

function onData(id, chunk) {
  const s = live.get(id);
  if (s instanceof FerryStream && !s.push(chunk) && !s._paused) {
    // the consumer is full: ferry stops reading the socket until _read()
    s._paused = true;
    native.pause(id);
  }
}

function onDone(id, code, message, status, headers, body) {
  const t = live.get(id);
  if (t === undefined)
    return;
  live.delete(id);
  if (t.abortCleanup)
    t.abortCleanup();
  const err = code === 0 ? null
    : new FerryError(message, native.codes[code] || `E${code}`, code);
  if (t instanceof FerryStream) {
    t._id = 0;
    if (err)
      t.destroy(err);
    else
      t.push(null);
  } else if (err) {
    t.reject(err);
  } else {
    t.resolve({ status, headers, body });
  }
}

native.setup(onHead, onData, onDone);

function cancelNative(id) {
  // 2: called from inside one of ferry's callbacks; the transfer gets no
  // more data, and is removed once the loop has moved on.
  if (native.cancel(id) === 2)
    setImmediate(() => native.cancel(id));
}

function watchSignal(signal, t, cancel) {
  if (!signal)
    return;
  if (signal.aborted) {
    queueMicrotask(cancel);
    return;
  }
  signal.addEventListener('abort', cancel, { once: true });
  t.abortCleanup = () => signal.removeEventListener('abort', cancel);
}

// fetch(url, opts) -> Promise<{ status, headers, body }>, with cancel().
function fetch(url, opts) {
  let id = 0;
  let t;
  const p = new Promise((resolve, reject) => {
    t = { resolve, reject, abortCleanup: null };
    id = native.start(url, opts, false);
    live.set(id, t);
  });
  p.cancel = () => {
    if (id === 0 || !live.has(id))
      return false;
    live.delete(id);
    if (t.abortCleanup)
      t.abortCleanup();
    cancelNative(id);
    t.reject(cancelError());
    return true;
  };
  if (id !== 0)
    watchSignal(opts && opts.signal, t, p.cancel);
  return p;
}

// A Readable of the response body. 'response' ({ status, headers }) comes
// before the first chunk. Backpressure: when push() says the buffer is
// full, ferry pauses receiving; _read() resumes it.
class FerryStream extends Readable {
  constructor(url, opts) {
    super({ highWaterMark: opts && opts.highWaterMark });
    this._paused = false;
    this.status = 0;
    this.headers = undefined;
    this.abortCleanup = null;
    this._id = native.start(url, opts, true);
    live.set(this._id, this);
    watchSignal(opts && opts.signal, this, () => this.cancel());
  }

  _head(status, headers) {
    this.status = status;
    this.headers = headers;
    this.emit('response', { status, headers });
  }

  _read() {
    if (this._paused && this._id !== 0) {
      this._paused = false;
      native.resume(this._id);
    }
  }

  // Stop the transfer; the stream ends with a CANCELLED error.
  cancel() {
    if (this._id === 0)
      return false;
    this.destroy(cancelError());
    return true;
  }

  _destroy(err, cb) {
    const id = this._id;
    if (id !== 0) {
      this._id = 0;
      live.delete(id);
      if (this.abortCleanup)
        this.abortCleanup();
      cancelNative(id);
    }
    cb(err);
  }
}

function stream(url, opts) {
  return new FerryStream(url, opts);
}

// ---- WebSocket -------------------------------------------------------------

const sockets = new Map(); // id -> WebSocket

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

class WebSocket extends EventEmitter {
  constructor(url, protocols, opts) {
    super();
    if (protocols !== undefined && !Array.isArray(protocols) &&
        typeof protocols === 'object' && opts === undefined) {
      opts = protocols; // new WebSocket(url, opts)
      protocols = undefined;
    }
    opts = opts || {};
    const list = protocols === undefined ? []
      : Array.isArray(protocols) ? protocols : [protocols];
    const headers = Object.assign({}, opts.headers);
    if (list.length)
      headers['Sec-WebSocket-Protocol'] = list.join(', ');
    this.url = url;
    this.protocol = '';
    this.readyState = CONNECTING;
    this._hwm = opts.highWaterMark === undefined ? 1024 * 1024
      : opts.highWaterMark;
    this._needDrain = false;
    this._id = native.wsStart(url, {
      headers, timeout: opts.timeout, caFile: opts.caFile,
      insecure: opts.insecure, maxPayload: opts.maxPayload,
    });
    sockets.set(this._id, this);
  }

  get bufferedAmount() {
    return this._id === 0 ? 0 : native.wsBuffered(this._id);
  }

  // Queue a message: a string goes as text, a Buffer or typed array as
  // binary (opts.binary forces either). Returns false once bufferedAmount
  // is at highWaterMark or above: wait for 'drain'.
  send(data, opts) {
    if (this.readyState === CONNECTING)
      throw new Error('WebSocket is not open yet');
    if (this.readyState !== OPEN)
      return false;
    const binary = opts && opts.binary !== undefined ? !!opts.binary
      : typeof data !== 'string';
    const buffered = native.wsSend(this._id, data, binary);
    if (buffered < 0)
      return false;
    if (buffered >= this._hwm) {
      this._needDrain = true;
      return false;
    }
    return true;
  }

  ping(data) {
    if (this.readyState === OPEN)
      native.wsPing(this._id, data === undefined ? '' : data);
  }

  // The close handshake: a close frame after what is queued; 'close' comes
  // when the server has answered and closed the connection.
  close(code, reason) {
    if (this.readyState === CLOSING || this.readyState === CLOSED)
      return;
    if (this.readyState === CONNECTING) {
      this.terminate();
      return;
    }
    this.readyState = CLOSING;
    native.wsClose(this._id, code === undefined ? 1000 : code,
                   reason === undefined ? '' : reason);
  }

  // Drop the connection at once: 'close' with 1006.
  terminate() {
    const id = this._id;
    if (id === 0)
      return;
    this._id = 0;
    sockets.delete(id);
    cancelNative(id);
    this.readyState = CLOSED;
    process.nextTick(() => this.emit('close', 1006, ''));
  }
}

Object.assign(WebSocket, { CONNECTING, OPEN, CLOSING, CLOSED });

function wsOnOpen(id, protocol) {
  const ws = sockets.get(id);
  if (ws === undefined)
    return;
  ws.readyState = OPEN;
  ws.protocol = protocol;
  ws.emit('open');
}

function wsOnMessage(id, data, type) {
  const ws = sockets.get(id);
  if (ws === undefined)
    return;
  if (type === 2)
    ws.emit('pong', data);
  else
    ws.emit('message', data, type === 1);
}

function wsOnDrain(id) {
  const ws = sockets.get(id);
  if (ws !== undefined && ws._needDrain) {
    ws._needDrain = false;
    ws.emit('drain');
  }
}

function wsOnClose(id, code, reason, ferryCode, message) {
  const ws = sockets.get(id);
  if (ws === undefined)
    return;
  sockets.delete(id);
  ws._id = 0;
  ws.readyState = CLOSED;
  if (ferryCode !== 0)
    ws.emit('error', new FerryError(message,
                                    native.codes[ferryCode] || `E${ferryCode}`,
                                    ferryCode));
  ws.emit('close', code, reason);
}

native.wsSetup(wsOnOpen, wsOnMessage, wsOnDrain, wsOnClose);

module.exports = {
  fetch,
  stream,
  FerryError,
  FerryStream,
  WebSocket,
  version: () => native.version(),
  // for tests and diagnostics
  stats: () => native.stats(),
  symbols: () => native.symbols(),
  codes: native.codes,
};
