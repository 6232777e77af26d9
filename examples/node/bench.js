'use strict';
// Fetches per second: the ferry addon vs Node's own fetch (undici) and
// http.request with a keep-alive Agent, against one local server.
//
//   node examples/node/bench.js [--requests 5000] [--concurrency 50] [--rounds 3]
//
// The server (localserver.js, Node's http module) runs in a child process so
// that it does not share a thread with the clients. Each client first runs
// a warm-up (connections opened, code compiled), then the rounds run
// interleaved (ferry, fetch, http, ferry, ...) and the median round counts.
// Every response body is checked.
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');

const ferry = require('.');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const REQUESTS = arg('requests', 5000);
const CONCURRENCY = arg('concurrency', 50);
const ROUNDS = arg('rounds', 3);

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'localserver.js')],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
    child.on('error', reject);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function httpGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const clients = {
  ferry: async (url) => (await ferry.fetch(url)).body,
  fetch: async (url) => Buffer.from(await (await fetch(url)).arrayBuffer()),
  'http.request': httpGet,
};

async function run(get, base, n) {
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const body = await get(`${base}/id/${i}`);
      if (body.toString() !== `id:${i}`)
        throw new Error(`bad body for ${i}: ${body}`);
    }
  }
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const s0 = serverCpu();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const c = process.cpuUsage(c0);
  return {
    rate: n / (Number(process.hrtime.bigint() - t0) / 1e9),
    cpu: (c.user + c.system) / n,             // client CPU, µs per request
    server: (serverCpu() - s0) / n,           // server CPU, µs per request
  };
}

// The server child's CPU time (user + system) in µs, from /proc.
let serverPid = 0;
function serverCpu() {
  try {
    const f = require('node:fs').readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[11]) + Number(v[12])) * 1e6 / 100; // USER_HZ = 100
  } catch {
    return 0;
  }
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

(async () => {
  const { child, port } = await startServer();
  serverPid = child.pid;
  const base = `http://127.0.0.1:${port}`;
  const rates = {};
  try {
    for (const [name, get] of Object.entries(clients)) {
      await run(get, base, Math.min(1000, REQUESTS)); // warm-up
      rates[name] = [];
    }
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, get] of Object.entries(clients))
        rates[name].push(await run(get, base, REQUESTS));
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
  }
  console.log(`node ${process.version}, ${ferry.version()}`);
  console.log(`${REQUESTS} GETs of a 4-8 byte body, ${CONCURRENCY} concurrent, ` +
              `median of ${ROUNDS} rounds, server in a child process`);
  const f = median(rates.ferry.map((x) => x.rate));
  const fc = median(rates.ferry.map((x) => x.cpu));
  for (const [name, list] of Object.entries(rates)) {
    const m = median(list.map((x) => x.rate));
    const c = median(list.map((x) => x.cpu));
    const sc = median(list.map((x) => x.server));
    console.log(`${name.padEnd(13)} ${m.toFixed(0).padStart(7)} req/s` +
                ` (rounds ${list.map((x) => x.rate.toFixed(0)).join(', ')})` +
                `  client CPU ${c.toFixed(1)} µs/req, server ${sc.toFixed(1)} µs/req` +
                (name === 'ferry' ? ''
                  : `   ferry/${name}: ${(f / m).toFixed(2)}x req/s, ${(c / fc).toFixed(2)}x less CPU`));
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
