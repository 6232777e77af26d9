'use strict';
// ferry's llhttp, zlib and mbedTLS live inside the addon, hidden; Node's own
// llhttp and zlib (exported by the node binary) stay Node's. Both HTTP
// stacks run side by side in one process against one server and parse
// correctly, and each calls its own copy of the libraries.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const path = require('node:path');

const ferry = require('..');
const { start, pattern } = require('../localserver');

let srv;
test.before(async () => { srv = await start(); });
test.after(() => srv.close());

const ADDON = process.env.FERRY_NODE_ADDON ||
              path.join(__dirname, '..', 'build', 'ferry.node');

function nodeGet(url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                    body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('two llhttp versions: the addon reports its own, Node its own', () => {
  const v = ferry.version();
  const m = /llhttp\/(\d+\.\d+\.\d+)/.exec(v);
  assert.ok(m, v);
  assert.notEqual(m[1], process.versions.llhttp,
                  'same llhttp version as Node: the check below proves less');
  // zlib's version is asked at run time: it is the addon's own zlib
  const z = /zlib\/([^ ]+)/.exec(v)[1];
  assert.ok(!process.versions.zlib.startsWith(z), `${z} vs ${process.versions.zlib}`);
  // libuv is Node's: one loop, one libuv
  assert.match(v, new RegExp(`libuv/${process.versions.uv.replace(/\./g, '\\.')}\\b`));
});

test('each library function resolves to the intended copy', () => {
  const s = ferry.symbols();
  for (const name of ['llhttp_execute', 'llhttp_init', 'inflate', 'zlibVersion']) {
    assert.equal(s[name].calls, ADDON, `${name} called from ${s[name].calls}`);
    // node exports a symbol of that name too, and it is a different function
    assert.ok(s[name].exported && s[name].exported !== ADDON, `${name}: ${s[name].exported}`);
    assert.equal(s[name].same, false);
  }
  assert.equal(s.mbedtls_ssl_setup.calls, ADDON);
  assert.equal(s.mbedtls_ssl_setup.exported, null); // not visible outside the addon
  for (const name of ['uv_poll_start', 'uv_timer_start']) {
    assert.notEqual(s[name].calls, ADDON); // libuv is the one inside node
    assert.equal(s[name].same, true);
  }
});

test('ferry and Node http share a server and both parse every response', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const jobs = [];
  for (let i = 0; i < 200; i++) {
    const p = i % 3 === 0 ? `/chunked/${5000 + i}?seed=${i}`
      : i % 3 === 1 ? `/bytes/${3000 + i}?seed=${i}` : `/id/${i}`;
    jobs.push(ferry.fetch(srv.url(p)).then((r) => ({ who: 'ferry', p, i, r })));
    jobs.push(nodeGet(srv.url(p), agent).then((r) => ({ who: 'node', p, i, r })));
  }
  // and gzip both ways: ferry's inflate and Node's inflate on the same bytes
  jobs.push(ferry.fetch(srv.url('/gzip/300000?seed=9'), { decompress: true })
    .then((r) => ({ who: 'ferry-gzip', r })));
  jobs.push(nodeGet(srv.url('/gzip/300000?seed=9'), agent)
    .then((r) => ({ who: 'node-gzip', r: { ...r, body: zlib.gunzipSync(r.body) } })));
  const out = await Promise.all(jobs);
  agent.destroy();
  let ferryN = 0;
  let nodeN = 0;
  for (const o of out) {
    assert.equal(o.r.status, 200);
    if (o.who.endsWith('gzip')) {
      assert.ok(o.r.body.equals(pattern(9, 300000)), o.who);
      continue;
    }
    const want = o.p.startsWith('/id/') ? Buffer.from(`id:${o.i}`)
      : pattern(o.i, Number(o.p.split('/')[2].split('?')[0]));
    assert.ok(o.r.body.equals(want), `${o.who} ${o.p}`);
    if (o.p.startsWith('/chunked/'))
      assert.equal(o.r.headers['transfer-encoding'], 'chunked');
    if (o.who === 'ferry')
      ferryN++;
    else
      nodeN++;
  }
  assert.equal(ferryN, 200);
  assert.equal(nodeN, 200);
});
