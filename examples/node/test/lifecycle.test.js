'use strict';
// The addon's life in a process: exiting with transfers in flight, the
// environment teardown hook, worker threads that load the addon and end
// (by themselves, by process.exit, by terminate()), and exceptions thrown
// from callbacks. Each case runs in a child process, so a crash or a hang
// is seen as such.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { start } = require('../localserver');

const INDEX = path.join(__dirname, '..', 'index.js');
let srv;
test.before(async () => { srv = await start(); });
test.after(() => srv.close());

// Run `code` in a fresh node; resolves {code, signal, stdout, stderr, ms}.
function runChild(code, { timeout = 20000, env = {} } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['-e', code], {
      env: { ...process.env, FERRY_INDEX: INDEX, BASE: srv.url(''), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const lines = (s, re) => s.split('\n').filter((l) => re.test(l)).length;

test('process.exit(0) with transfers in flight exits 0 at once', async () => {
  const r = await runChild(`
    const ferry = require(process.env.FERRY_INDEX);
    const base = process.env.BASE;
    for (let i = 0; i < 20; i++) ferry.fetch(base + '/hang').catch(() => {});
    for (let i = 0; i < 5; i++) ferry.fetch(base + '/slow/100000?ms=20').catch(() => {});
    const s = ferry.stream(base + '/big/' + (64 << 20));     // paused: never read
    s.once('readable', () => setTimeout(() => {
      console.log('live', ferry.stats().live);
      process.exit(0);
    }, 100));
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^live 26$/m);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('a process that ends by itself closes ferry through the teardown hook', async () => {
  const r = await runChild(`
    const ferry = require(process.env.FERRY_INDEX);
    const base = process.env.BASE;
    Promise.all(Array.from({ length: 40 }, (_, i) => ferry.fetch(base + '/id/' + i)))
      .then((rs) => console.log('ok', rs.every((x, i) => x.body.toString() === 'id:' + i),
                                'sockets', ferry.stats().sockets));
    // idle keep-alive connections stay pooled but do not keep Node alive
  `, { env: { FERRY_NODE_TRACE: '1' } });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok true sockets [1-9]\d*$/m);
  assert.equal(lines(r.stderr, /environment teardown, 0 transfers dropped/), 1, r.stderr);
  assert.equal(lines(r.stderr, /multi closed, nothing left on the loop/), 1, r.stderr);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('an exception thrown in a data handler reaches uncaughtException', async () => {
  const r = await runChild(`
    const ferry = require(process.env.FERRY_INDEX);
    process.on('uncaughtException', (e) => {
      console.log('caught', e.message);
      process.exit(0);
    });
    ferry.stream(process.env.BASE + '/bytes/100000').on('data', () => {
      throw new Error('boom');
    });
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^caught boom$/m);
});

test('workers load the addon, run transfers and unload it cleanly', async () => {
  const r = await runChild(`
    const { Worker } = require('node:worker_threads');
    const ferry = require(process.env.FERRY_INDEX);
    const base = process.env.BASE;
    const workerCode = \`
      const { parentPort, workerData } = require('node:worker_threads');
      const ferry = require(workerData.index);
      const base = workerData.base;
      if (workerData.mode === 'complete') {
        Promise.all(Array.from({ length: 50 }, (_, i) => ferry.fetch(base + '/id/' + i)))
          .then((rs) => parentPort.postMessage(
            rs.every((x, i) => x.body.toString() === 'id:' + i)));
      } else {
        for (let i = 0; i < 10; i++) ferry.fetch(base + '/hang').catch(() => {});
        const s = ferry.stream(base + '/big/' + (64 << 20));
        s.once('readable', () => {
          if (workerData.mode === 'exit') process.exit(0);
          parentPort.postMessage('in flight');
        });
      }
    \`;
    function run(mode) {
      return new Promise((resolve, reject) => {
        const w = new Worker(workerCode, { eval: true,
          workerData: { index: process.env.FERRY_INDEX, base, mode } });
        let msg;
        w.on('message', (m) => {
          msg = m;
          if (mode === 'terminate') w.terminate();
        });
        w.on('error', reject);
        w.on('exit', (code) => resolve({ mode, code, msg }));
      });
    }
    (async () => {
      const out = [];
      for (let i = 0; i < 3; i++) out.push(await run('complete'));
      // four at once, while the main thread's own multi works too
      const mainFetches = Promise.all(Array.from({ length: 100 },
        (_, i) => ferry.fetch(base + '/id/' + i)));
      out.push(...await Promise.all([run('complete'), run('complete'),
                                     run('exit'), run('terminate')]));
      const mine = await mainFetches;
      out.push({ mode: 'main', ok: mine.every((x, i) => x.body.toString() === 'id:' + i) });
      out.push(await run('exit'));
      out.push(await run('terminate'));
      console.log(JSON.stringify(out));
    })();
  `, { env: { FERRY_NODE_TRACE: '1' } });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const by = (m) => out.filter((o) => o.mode === m);
  assert.equal(by('complete').length, 5);
  for (const o of by('complete'))
    assert.deepEqual(o, { mode: 'complete', code: 0, msg: true });
  for (const o of by('exit'))
    assert.equal(o.code, 0); // process.exit(0) inside the worker
  for (const o of by('terminate'))
    assert.deepEqual(o, { mode: 'terminate', code: 1, msg: 'in flight' });
  assert.deepEqual(by('main'), [{ mode: 'main', ok: true }]);
  // 9 workers and the main thread: each environment's multi closed once,
  // and the workers that ended mid-transfer dropped theirs
  assert.equal(lines(r.stderr, /multi closed, nothing left on the loop/), 10, r.stderr);
  assert.equal(lines(r.stderr, /environment teardown, 11 transfers dropped/), 4, r.stderr);
  assert.equal(lines(r.stderr, /environment teardown, 0 transfers dropped/), 6, r.stderr);
});
