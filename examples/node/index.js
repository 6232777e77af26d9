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

const path = require('node:path');
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

module.exports = {
  fetch,
  stream,
  FerryError,
  FerryStream,
  version: () => native.version(),
  // for tests and diagnostics
  stats: () => native.stats(),
  symbols: () => native.symbols(),
  codes: native.codes,
};
