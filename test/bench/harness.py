#!/usr/bin/env python3
"""ferry's benchmark harness: ferry, libcurl and wrk side by side.

Started by test/bench/run after it has installed and built what is needed;
see that script for usage. This file starts nginx in a temp directory, runs
the clients row by row (ferry, libcurl, wrk, then again: A B C A B C), takes
medians, prints one table and writes build-bench/bench-results.json plus a
timestamped copy.

Only the Python standard library is used. Every client run is bounded in
transfers and in time (the clients' --seconds, a subprocess timeout on top).
"""

import argparse
import ctypes
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KIB = 1024
MIB = 1024 * 1024
GIB = 1024 * 1024 * 1024

FILES = {"64.bin": 64, "1k.bin": KIB, "100k.bin": 100 * KIB, "1g.bin": GIB}

# The slow endpoint: /slow/NAME is docroot/NAME at SLOW_RATE bytes per
# second. nginx sends the first second's worth at once (status line,
# headers and the start of the body), then paces the rest, so a transfer of
# 100 KiB stays open for about 100 s: far longer than the hold.
SLOW_RATE = "1k"

# Result codes (libcurl's numbers, which ferry shares) that mean "this
# client cannot do this yet": UNSUPPORTED_PROTOCOL, NOT_BUILT_IN.
NOT_AVAILABLE_CODES = (1, 4)

# ---- metrics ---------------------------------------------------------------

# key: (label, better, how to take it from a client's JSON line)
METRICS = {
    "tps": ("transfers/s", "higher", lambda j: j["transfers_per_s"]),
    "hps": ("handshakes/s", "higher", lambda j: j["transfers_per_s"]),
    "cpu_us": ("CPU us/transfer", "lower", lambda j: j["cpu_us_per_transfer"]),
    "user_us": ("  user us/transfer", "lower", lambda j: j.get("user_us_per_transfer")),
    "sys_us": ("  sys us/transfer", "lower", lambda j: j.get("sys_us_per_transfer")),
    # the one nginx worker's CPU time over the client's run, as a share of
    # one core: near 100, nginx and not the client sets the rate
    "nginx_cpu": ("nginx worker CPU %", "none", lambda j: j.get("nginx_cpu_pct")),
    "mbps": ("MB/s", "higher", lambda j: j["mb_per_s"]),
    "cpu_s_gib": ("CPU s/GiB", "lower",
                  lambda j: j["cpu_s"] / (j["bytes"] / GIB) if j["bytes"] else None),
    "peak_rss_mb": ("peak RSS MiB", "lower", lambda j: j["peak_rss_kb"] / 1024.0),
    "rss_per_kb": ("RSS KiB/transfer", "lower",
                   lambda j: j.get("rss_per_transfer_kb")),
    "heap_setup": ("ferry heap B/handle, set up", "lower",
                   lambda j: j.get("heap_setup_per_transfer")),
    "heap_running": ("ferry heap B/transfer, running", "lower",
                     lambda j: j.get("heap_running_per_transfer")),
    "instr": ("instructions/transfer", "lower",
              lambda j: j.get("instructions_per_transfer")),
    "syscalls": ("syscalls/transfer", "lower",
                 lambda j: j.get("syscalls_per_transfer")),
    # the ws1k row (bench-ws.c)
    "msgs": ("messages/s", "higher", lambda j: j["messages_per_s"]),
    "ws_cpu": ("CPU us/message", "lower", lambda j: j["cpu_us_per_message"]),
    "rss_ws": ("RSS KiB/WebSocket", "lower", lambda j: j["rss_per_ws_kb"]),
}

# ---- rows ------------------------------------------------------------------


def row(name, title, **kw):
    # tls: which HTTPS server (Nginx.url): "ec", "resume" or "rsa"
    # threads > 0: share mode (bench-common.h): that many threads, a new
    # easy handle for each transfer, one share of the kinds `share` names
    r = dict(name=name, title=title, kind="rate", scheme="http", tls="ec",
             file="64.bin", k=16, n=100000, n_quick=10000, seconds=10,
             seconds_quick=5, wrk=True, wrk_s=3, wrk_s_quick=1, fresh=False,
             curl_bufsize=0, proto="h1", host="127.0.0.1", threads=0, share="",
             metrics=["tps", "cpu_us"])
    r.update(kw)
    return r


ROWS = [
    row("small1", "64 B GET, keep-alive, 1 in flight", k=1, n=20000, n_quick=2000),
    row("small16", "64 B GET, keep-alive, 16 in flight", n=50000, n_quick=10000,
        metrics=["tps", "cpu_us", "user_us", "sys_us", "nginx_cpu"]),
    row("small256", "64 B GET, keep-alive, 256 in flight", k=256, n=50000,
        n_quick=10000, metrics=["tps", "cpu_us", "nginx_cpu"]),
    row("1k16", "1 KiB GET, keep-alive, 16 in flight", file="1k.bin", n=50000,
        n_quick=10000),
    row("100k16", "100 KiB GET, keep-alive, 16 in flight", file="100k.bin",
        n=10000, n_quick=2000, metrics=["tps", "mbps", "cpu_us"]),
    row("1g", "1 GiB download, defaults", kind="bulk", file="1g.bin", k=1, n=1,
        n_quick=1, seconds=60, seconds_quick=60, metrics=["mbps", "cpu_s_gib"]),
    row("1g-curlbuf100k", "1 GiB download, libcurl BUFFERSIZE 100 KiB",
        kind="bulk", file="1g.bin", k=1, n=1, n_quick=1, seconds=60,
        seconds_quick=60, curl_bufsize=100 * KIB, metrics=["mbps", "cpu_s_gib"]),
    row("https16", "HTTPS 64 B GET, keep-alive, 16 in flight", scheme="https",
        n=30000, n_quick=5000, metrics=["tps", "cpu_us", "nginx_cpu"]),
    row("httpshs", "HTTPS 64 B GET, new connection each (full handshakes)",
        scheme="https", fresh=True, n=1500, n_quick=300, metrics=["hps", "cpu_us"]),
    row("httpsresume", "HTTPS 64 B GET, new connection each, sessions resumed",
        scheme="https", tls="resume", fresh=True, n=10000, n_quick=2000,
        metrics=["hps", "cpu_us"]),
    row("httpshs-rsa", "HTTPS 64 B GET, new connection each, RSA-2048 certificate",
        scheme="https", tls="rsa", fresh=True, n=1500, n_quick=300,
        metrics=["hps", "cpu_us"]),
    # HTTP/2 (the third client is h2load, not wrk): many streams on one
    # connection, over TLS and in the clear; bulk; memory per open stream.
    row("h2-small100", "HTTP/2 (TLS) 64 B GET, 100 streams in flight",
        proto="h2", k=100, n=50000, n_quick=10000,
        metrics=["tps", "cpu_us", "nginx_cpu"]),
    row("h2c-small100", "HTTP/2 (h2c) 64 B GET, 100 streams in flight",
        proto="h2c", k=100, n=50000, n_quick=10000,
        metrics=["tps", "cpu_us", "nginx_cpu"]),
    row("h2-100k16", "HTTP/2 (TLS) 100 KiB GET, 16 streams in flight",
        proto="h2", file="100k.bin", n=10000, n_quick=2000,
        metrics=["tps", "mbps", "cpu_us"]),
    row("h2c-1g", "HTTP/2 (h2c) 1 GiB download", proto="h2c", kind="bulk",
        file="1g.bin", k=1, n=1, n_quick=1, seconds=60, seconds_quick=60,
        metrics=["mbps", "cpu_s_gib"]),
    row("h2-1g", "HTTP/2 (TLS) 1 GiB download", proto="h2", kind="bulk",
        file="1g.bin", k=1, n=1, n_quick=1, seconds=60, seconds_quick=60,
        metrics=["mbps", "cpu_s_gib"]),
    row("h2-hold1k", f"HTTP/2 (TLS) streams held open on /slow/ (limit_rate {SLOW_RATE})",
        proto="h2", kind="hold", file="100k.bin", n=1000, n_quick=1000, k=1000,
        seconds=60, seconds_quick=30, hold=2.0, hold_quick=0.5, wrk=False,
        metrics=["peak_rss_mb", "rss_per_kb", "heap_setup", "heap_running"]),
    row("share2t", "HTTPS 64 B GET to localhost, 2 threads, a new easy handle "
        "each, DNS and TLS sessions shared", scheme="https", tls="resume",
        host="localhost", threads=2, share="dns,ssl", k=2, n=3000,
        n_quick=300, wrk=False, metrics=["tps", "cpu_us"]),
    row("share1t", "the share2t row in 1 thread: its rate is what a second "
        "thread adds to", scheme="https", tls="resume", host="localhost",
        threads=1, share="dns,ssl", k=1, n=3000, n_quick=300, wrk=False,
        metrics=["tps", "cpu_us"]),
    row("shareconn", "64 B GET to localhost, 1 thread, a new easy handle "
        "each, connections and DNS shared", host="localhost", threads=1,
        share="connect,dns", k=1, n=20000, n_quick=2000, wrk=False,
        metrics=["tps", "cpu_us"]),
    row("slow10k", f"transfers held open on /slow/ (limit_rate {SLOW_RATE})", kind="hold",
        file="100k.bin", n=10000, n_quick=1000, k=10000, seconds=60,
        seconds_quick=30, hold=2.0, hold_quick=0.5,
        metrics=["peak_rss_mb", "rss_per_kb", "heap_setup", "heap_running"]),
    # its own echo server (bench-wsecho.c), not nginx; libcurl is a libcurl 8
    # with WebSocket when FERRY_BENCH_CURL8 names its prefix, else n/a
    row("ws1k", "1,000 WebSockets open, echoing 64 B messages", kind="ws",
        k=1000, n=1000, n_quick=1000, seconds=10, seconds_quick=3, wrk=False,
        metrics=["msgs", "ws_cpu", "rss_ws"]),
    row("callgrind", "callgrind, client only: 64 B GETs, 16 in flight", kind="callgrind",
        n=20000, n_quick=1000, seconds=600, seconds_quick=120, wrk=False,
        metrics=["instr"]),
    row("callgrind-h2c", "callgrind, client only: HTTP/2 (h2c) 64 B GETs, 100 streams in flight",
        kind="callgrind", proto="h2c", k=100, n=20000, n_quick=1000, seconds=600,
        seconds_quick=120, wrk=False, metrics=["instr"]),
    row("callgrind-h2", "callgrind, client only: HTTP/2 (TLS) 64 B GETs, 100 streams in flight",
        kind="callgrind", proto="h2", k=100, n=20000, n_quick=1000, seconds=600,
        seconds_quick=120, wrk=False, metrics=["instr"]),
    row("strace", "strace -c -f, client only: 64 B GETs, 16 in flight", kind="strace",
        n=20000, n_quick=1000, seconds=300, seconds_quick=60, wrk=False,
        metrics=["syscalls"]),
]
ROW_NAMES = [r["name"] for r in ROWS]

# ---- small helpers ---------------------------------------------------------


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


_libc = None


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when the harness dies."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def fmt_num(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 10000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(a, b):
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not b:
        return "-"
    return f"{a / b:.2f}"


def tool_version(cmd, pattern=None):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        text = (out.stdout + out.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else None
    return text.splitlines()[0] if text else None


# ---- the server ------------------------------------------------------------


NGINX_CONF = """\
# Written by test/bench/harness.py for one benchmark run.
worker_processes 1;
worker_rlimit_nofile {rlimit};
pid "{prefix}/nginx.pid";
lock_file "{prefix}/nginx.lock";
error_log "{prefix}/error.log" error;
worker_shutdown_timeout 2s;

events {{
    worker_connections {worker_connections};
    multi_accept on;
}}

http {{
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    # One cached fd per file, shared by every request: 10,000 slow
    # transfers then need 10,000 fds, not 20,000.
    open_file_cache max=64 inactive=600s;

    client_body_temp_path "{prefix}/tmp/body";
    proxy_temp_path "{prefix}/tmp/proxy";
    fastcgi_temp_path "{prefix}/tmp/fastcgi";
    uwsgi_temp_path "{prefix}/tmp/uwsgi";
    scgi_temp_path "{prefix}/tmp/scgi";

    server {{
        listen 127.0.0.1:{port} backlog=4096;
        listen 127.0.0.1:{tls_port} ssl backlog=4096;
        server_name localhost;
        root "{docroot}";

        # TLS 1.2 (what ferry's mbedTLS 2.28 speaks), ECDSA P-256, and no
        # session resumption: every new connection is a full handshake.
        ssl_certificate "{prefix}/server.pem";
        ssl_certificate_key "{prefix}/server.key";
        ssl_protocols TLSv1.2;
        ssl_session_cache off;
        ssl_session_tickets off;

        location / {{
        }}

        location /slow/ {{
            alias "{docroot}/";
            limit_rate {slow_rate};
        }}
    }}

    # The same certificate with a session cache: a client that offers the
    # session ID of an earlier connection gets an abbreviated handshake.
    # Still no tickets (the clients resume by session ID).
    server {{
        listen 127.0.0.1:{resume_port} ssl backlog=4096;
        server_name localhost;
        root "{docroot}";
        ssl_certificate "{prefix}/server.pem";
        ssl_certificate_key "{prefix}/server.key";
        ssl_protocols TLSv1.2;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 10m;
        ssl_session_tickets off;
    }}

    # HTTP/2: over TLS (ALPN h2; the same certificate, full handshakes) and
    # in the clear with prior knowledge. Up to 1000 streams per connection;
    # keepalive_requests above also bounds the requests per connection.
    server {{
        listen 127.0.0.1:{h2_port} ssl http2 backlog=4096;
        listen 127.0.0.1:{h2c_port} http2 backlog=4096;
        server_name localhost;
        root "{docroot}";
        ssl_certificate "{prefix}/server.pem";
        ssl_certificate_key "{prefix}/server.key";
        ssl_protocols TLSv1.2;
        ssl_session_cache off;
        ssl_session_tickets off;
        http2_max_concurrent_streams 1000;
        http2_chunk_size 16k;

        location / {{
        }}

        location /slow/ {{
            alias "{docroot}/";
            limit_rate {slow_rate};
        }}
    }}

    # Full handshakes again, with an RSA-2048 certificate and CA.
    server {{
        listen 127.0.0.1:{rsa_port} ssl backlog=4096;
        server_name localhost;
        root "{docroot}";
        ssl_certificate "{prefix}/server-rsa.pem";
        ssl_certificate_key "{prefix}/server-rsa.key";
        ssl_protocols TLSv1.2;
        ssl_session_cache off;
        ssl_session_tickets off;
    }}
}}
"""


class Nginx:
    def __init__(self, prefix, conns):
        self.prefix = prefix
        self.docroot = os.path.join(prefix, "html")
        self.proc = None
        # tls_port: ECDSA P-256, full handshakes; resume_port: the same with
        # a session cache; rsa_port: RSA-2048, full handshakes.
        # h2_port / h2c_port: HTTP/2 over TLS and in the clear.
        self.port = self.tls_port = self.resume_port = self.rsa_port = 0
        self.h2_port = self.h2c_port = 0
        self.conns = conns
        self.ca = os.path.join(prefix, "ca.pem")
        self.ca_rsa = os.path.join(prefix, "ca-rsa.pem")

    def prepare(self):
        os.makedirs(self.docroot)
        os.makedirs(os.path.join(self.prefix, "tmp"))
        for name, size in FILES.items():
            write_file(os.path.join(self.docroot, name), size)
        make_certs(self.prefix, "ec")
        make_certs(self.prefix, "rsa")

    def start(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        rlimit = hard if hard != resource.RLIM_INFINITY else 65536
        rlimit = min(rlimit, 65536)
        wc = max(1024, min(rlimit - 64, self.conns + 1024))
        for attempt in range(4):
            ports = [free_port() for _ in range(6)]
            if len(set(ports)) != len(ports):
                continue
            (self.port, self.tls_port, self.resume_port, self.rsa_port,
             self.h2_port, self.h2c_port) = ports
            conf = NGINX_CONF.format(prefix=self.prefix, docroot=self.docroot,
                                     port=self.port, tls_port=self.tls_port,
                                     resume_port=self.resume_port,
                                     rsa_port=self.rsa_port,
                                     h2_port=self.h2_port, h2c_port=self.h2c_port,
                                     rlimit=rlimit, worker_connections=wc,
                                     slow_rate=SLOW_RATE)
            conf_path = os.path.join(self.prefix, "nginx.conf")
            with open(conf_path, "w") as f:
                f.write(conf)
            glob = "daemon off; master_process on;"
            if os.geteuid() == 0:
                glob += " user root;"  # workers must read the 0700 temp dir
            out = open(os.path.join(self.prefix, "nginx.out"), "ab")
            self.proc = subprocess.Popen(
                ["/usr/sbin/nginx", "-p", self.prefix + "/", "-c", conf_path,
                 "-e", os.path.join(self.prefix, "error.log"), "-g", glob],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                preexec_fn=die_with_parent)
            out.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                if all(port_accepts(p) for p in ports):
                    self.worker_connections = wc
                    self.rlimit = rlimit
                    return
                time.sleep(0.02)
            self.stop(quiet=True)
            log(f"bench: nginx did not start (attempt {attempt + 1}):\n" +
                self.logs())
        raise RuntimeError("nginx does not start")

    def logs(self):
        text = ""
        for name in ("nginx.out", "error.log"):
            p = os.path.join(self.prefix, name)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()[-4000:]
        return text

    def stop(self, quiet=False):
        p, self.proc = self.proc, None
        if p is None:
            return
        for sig, wait_s in ((signal.SIGQUIT, 8), (signal.SIGTERM, 5),
                            (signal.SIGKILL, 5)):
            if p.poll() is not None:
                break
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                p.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        if not quiet:
            bad = [l for l in self.logs().splitlines()
                   if re.search(r"\[(alert|crit|emerg)\]", l)]
            if bad:
                log("bench: nginx logged:\n  " + "\n  ".join(bad[-10:]))

    def url(self, scheme, path, tls="ec", proto="h1", host="127.0.0.1"):
        """tls (https only): "ec" (full handshakes), "resume" (the same
        with a session cache) or "rsa" (RSA certificate, full handshakes).
        proto "h2" / "h2c": the HTTP/2 server, over TLS / in the clear.
        host: the URL's (nginx listens on 127.0.0.1, which localhost is)."""
        if proto == "h2":
            return f"https://{host}:{self.h2_port}/{path}"
        if proto == "h2c":
            return f"http://{host}:{self.h2c_port}/{path}"
        if scheme != "https":
            port = self.port
        else:
            port = {"ec": self.tls_port, "resume": self.resume_port,
                    "rsa": self.rsa_port}[tls]
        return f"{scheme}://{host}:{port}/{path}"

    def worker_cpu_s(self):
        """CPU seconds (user + sys) used so far by nginx's worker processes
        (the master's children), or None if /proc does not say."""
        if self.proc is None:
            return None
        pid = self.proc.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            return None
        total = 0
        for kid in kids:
            try:
                with open(f"/proc/{kid}/stat") as f:
                    # the fields after the command name, which may hold spaces
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, ValueError, IndexError):
                return None
        return total / os.sysconf("SC_CLK_TCK")

    def cainfo(self, tls="ec"):
        return self.ca_rsa if tls == "rsa" else self.ca


def write_file(path, size):
    """Deterministic bytes; the 1 GiB file is sparse with a little data at
    each end (nginx serves it from the page cache, the disk sees ~128 KiB)."""
    pattern = bytes((i * 131 + 7) & 0xFF for i in range(4096))
    with open(path, "wb") as f:
        if size <= 8 * MIB:
            reps = size // len(pattern) + 1
            f.write((pattern * reps)[:size])
            return
        head = (pattern * 16)[:64 * KIB]
        f.write(head)
        f.truncate(size)
        f.seek(size - len(head))
        f.write(head)


def make_certs(prefix, alg):
    """A CA and a server certificate for 127.0.0.1 / localhost: alg "ec"
    (ECDSA P-256; ca.pem, server.pem, server.key) or "rsa" (RSA-2048; the
    same names with -rsa: ca-rsa.pem, server-rsa.pem, server-rsa.key)."""
    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True,
                       timeout=60)

    def path(name, ext):
        return os.path.join(prefix, name + ("" if alg == "ec" else "-" + alg) + ext)

    if alg == "ec":
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        usage = "digitalSignature"
    else:
        newkey = ["-newkey", "rsa:2048"]
        usage = "digitalSignature,keyEncipherment"
    ca_key, ca = path("ca", ".key"), path("ca", ".pem")
    key, csr = path("server", ".key"), path("server", ".csr")
    crt, ext = path("server", ".pem"), path("server", ".ext")
    ossl("req", "-x509", *newkey,
         "-nodes", "-keyout", ca_key, "-out", ca, "-days", "7",
         "-subj", "/CN=ferry bench CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("req", *newkey,
         "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                f"keyUsage=critical,{usage}\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ossl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", crt, "-days", "7", "-extfile", ext)


# ---- running clients -------------------------------------------------------


class Runner:
    def __init__(self, args, nginx, bindir, outdir):
        self.args = args
        self.nginx = nginx
        self.bindir = bindir
        self.outdir = outdir
        self.failures = []

    def client_cmd(self, client, r, n, seconds, url, hold=None):
        binary = os.path.join(self.bindir, "bench-ferry" if client == "ferry"
                              else "bench-curl")
        size = -1 if r["kind"] == "hold" else FILES[r["file"]]
        cmd = [binary, "--url", url, "--size", str(size), "-n", str(n),
               "-k", str(min(r["k"], n)), "--seconds", str(seconds)]
        if r["fresh"]:
            cmd.append("--fresh")
        if r["proto"] != "h1":
            cmd.append("--http2")
        if url.startswith("https:"):
            cmd += ["--cainfo", self.nginx.cainfo(r["tls"])]
        if client == "libcurl" and r["curl_bufsize"]:
            cmd += ["--buffersize", str(r["curl_bufsize"])]
        if hold:
            cmd += ["--hold", str(hold)]
        if r["threads"]:
            cmd += ["--threads", str(r["threads"]), "--share", r["share"]]
        return cmd

    def run_client(self, client, cmd, timeout):
        """Run one client program; its JSON line, or a dict with 'crash'."""
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True,
                             preexec_fn=die_with_parent)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return {"crash": f"timed out after {timeout:.0f} s", "stderr": err[-2000:]}
        res = None
        for line in out.splitlines():
            if line.startswith("{"):
                try:
                    res = json.loads(line)
                except ValueError:
                    pass
        if p.returncode < 0:
            return {"crash": f"killed by signal {-p.returncode}",
                    "stderr": err[-2000:], "result": res}
        if res is None:
            return {"crash": f"exit {p.returncode} without a result line",
                    "stderr": err[-2000:]}
        if p.returncode not in (0, 1):
            res["crash"] = f"exit {p.returncode}"
        res["exit"] = p.returncode
        res["wall_s"] = round(time.monotonic() - t0, 3)
        if err.strip():
            res["stderr"] = err[-2000:]
        return res

    def run_wrk(self, url, conns, duration, timeout_s=10, headers=()):
        cmd = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s",
               f"--timeout", f"{timeout_s}s"]
        for h in headers:
            cmd += ["-H", h]
        cmd.append(url)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
        reader.start()
        # wrk's peak RSS: VmHWM of its own address space, sampled until it
        # exits. (wait4's ru_maxrss would also count this Python process,
        # which the child was forked from.)
        hwm = 0
        deadline = time.monotonic() + duration + 60
        while True:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = max(hwm, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            try:
                wpid, status, ru = os.wait4(p.pid, os.WNOHANG)
            except ChildProcessError:
                return {"crash": "wrk vanished"}
            if wpid == p.pid:
                break
            if time.monotonic() > deadline:
                p.kill()
            time.sleep(0.02)
        reader.join()
        out = b"".join(c for c in chunks if c).decode(errors="replace")
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            return {"crash": f"wrk exit {p.returncode}", "stderr": out[-2000:]}
        return parse_wrk(out, ru, hwm, conns)

    def run_h2load(self, url, n, streams, timeout):
        """h2load: n requests as `streams` concurrent streams on one
        connection (HTTP/2 over TLS for https://, prior knowledge for
        http://). Measured like wrk: wall time from its own report, CPU
        from wait4, peak RSS sampled."""
        cmd = ["h2load", "-n", str(n), "-c", "1", "-m", str(min(streams, n)),
               "-t", "1", url]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
        reader.start()
        hwm = 0
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = max(hwm, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            try:
                wpid, status, ru = os.wait4(p.pid, os.WNOHANG)
            except ChildProcessError:
                return {"crash": "h2load vanished"}
            if wpid == p.pid:
                break
            if time.monotonic() > deadline:
                p.kill()
            time.sleep(0.02)
        reader.join()
        out = b"".join(c for c in chunks if c).decode(errors="replace")
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            return {"crash": f"h2load exit {code}", "stderr": out[-2000:]}
        return parse_h2load(out, ru, hwm)

    def note_failure(self, r, client, res):
        why = res.get("crash") or f"{res.get('errors')} errors, first: {res.get('first_error')}"
        self.failures.append(f"{r['name']}: {client}: {why}")
        log(f"bench:   !! {client}: {why}")
        if res.get("stderr"):
            log("bench:   stderr: " + res["stderr"].strip()[-500:])


def parse_size(num, unit):
    mult = {"B": 1, "KB": KIB, "MB": MIB, "GB": GIB, "TB": GIB * KIB}[unit]
    return float(num) * mult


def parse_wrk(out, ru, hwm, conns):
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)([KMGT]?B) read", out)
    if not m:
        return {"crash": "cannot parse wrk's output", "stderr": out[-2000:]}
    reqs = int(m.group(1))
    secs = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[m.group(3)]
    nbytes = parse_size(m.group(4), m.group(5))
    errors = 0
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = [int(x) for x in se.groups()] if se else [0, 0, 0, 0]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = sum(socket_errors) + (int(non2xx.group(1)) if non2xx else 0)
    cpu = ru.ru_utime + ru.ru_stime
    return {
        "user_us_per_transfer": ru.ru_utime * 1e6 / reqs if reqs else None,
        "sys_us_per_transfer": ru.ru_stime * 1e6 / reqs if reqs else None,
        "client": "wrk", "transfers": reqs, "errors": errors,
        "socket_errors": dict(zip(["connect", "read", "write", "timeout"], socket_errors)),
        "first_error": "" if not errors else "see socket_errors",
        "seconds": secs, "transfers_per_s": reqs / secs if secs else 0,
        "bytes": nbytes, "mb_per_s": nbytes / secs / 1e6 if secs else 0,
        "cpu_s": cpu, "cpu_us_per_transfer": cpu * 1e6 / reqs if reqs else None,
        "peak_rss_kb": hwm, "conns": conns,
        "note": "wrk counts header bytes too and checks neither status nor size",
    }


def parse_h2load(out, ru, hwm):
    m = re.search(r"finished in ([\d.]+)(us|ms|s|m|h), ([\d.]+) req/s", out)
    q = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, "
                  r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    t = re.search(r"traffic: .*?\((\d+)\) total", out)
    d = re.search(r"traffic: .*?\((\d+)\) data", out)
    if not m or not q:
        return {"crash": "cannot parse h2load's output", "stderr": out[-2000:]}
    secs = float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60,
                                "h": 3600}[m.group(2)]
    ok = int(q.group(4))
    errors = int(q.group(1)) - ok
    nbytes = int(d.group(1)) if d else (int(t.group(1)) if t else 0)
    cpu = ru.ru_utime + ru.ru_stime
    return {
        "user_us_per_transfer": ru.ru_utime * 1e6 / ok if ok else None,
        "sys_us_per_transfer": ru.ru_stime * 1e6 / ok if ok else None,
        "client": "h2load", "transfers": ok, "errors": errors,
        "first_error": "" if not errors else "see h2load's output",
        "seconds": secs, "transfers_per_s": ok / secs if secs else 0,
        "bytes": nbytes, "mb_per_s": nbytes / secs / 1e6 if secs else 0,
        "cpu_s": cpu, "cpu_us_per_transfer": cpu * 1e6 / ok if ok else None,
        "peak_rss_kb": hwm, "connections": 1,
        "note": "h2load counts 2xx-5xx as success and checks no size",
    }


# ---- rows ------------------------------------------------------------------


def median_of(results, key):
    vals = []
    for res in results:
        if "crash" in res:
            continue
        try:
            v = METRICS[key][2](res)
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        if v is not None:
            vals.append(v)
    return statistics.median(vals) if vals else None


def classify(r, client, res):
    """'ok', 'na' (the client cannot do this yet) or 'fail'."""
    if "crash" in res:
        return "fail"
    if res.get("errors", 0) == 0:
        return "ok"
    if (client == "ferry" and r["scheme"] == "https" and res.get("transfers") == 0
            and res.get("first_error_code") in NOT_AVAILABLE_CODES
            and not res.get("mixed_error_codes")):
        return "na"
    # libcurl 7.88.1 cannot reuse an HTTP/2 prior-knowledge connection: the
    # second request on it fails with CURLE_HTTP2 (the curl tool too:
    # `curl --http2-prior-knowledge URL URL` fails the second URL). No
    # h2c figures for it, then; h2load is the comparison there.
    if (client == "libcurl" and r["proto"] == "h2c"
            and res.get("first_error_code") == 16):
        return "na"
    return "fail"


def run_ws_row(run, r, quick, runs):
    """ws1k: bench-ws (libcurl code) built against ferry and against a
    libcurl 8, alternating, each against one bench-wsecho server."""
    seconds = r["seconds_quick"] if quick else r["seconds"]
    server = subprocess.Popen([os.path.join(run.bindir, "bench-wsecho")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, preexec_fn=die_with_parent)
    line = server.stdout.readline().split()
    if len(line) != 2 or line[0] != "port":
        server.kill()
        raise RuntimeError("bench-wsecho does not start")
    url = f"ws://127.0.0.1:{line[1]}/"
    binaries = {"ferry": os.path.join(run.bindir, "bench-ws-ferry"),
                "libcurl": run.curl8_ws}
    samples = {"ferry": [], "libcurl": []}
    na = {}
    if run.curl8_ws is None:
        na["libcurl"] = ("n/a (libcurl: Debian's libcurl has no WebSocket; "
                         "set FERRY_BENCH_CURL8 to a libcurl 8 prefix)")
    try:
        for i in range(runs):
            for client in ("ferry", "libcurl"):
                if client in na:
                    continue
                t0 = time.monotonic()
                res = run.run_client(client, [binaries[client], "--url", url,
                                              "-k", str(r["k"]), "--seconds",
                                              str(seconds), "--client", client],
                                     seconds + 120)
                samples[client].append(res)
                log(f"bench: {r['name']:<15} run {i + 1}/{runs} {client:<8} " +
                    summary_line(r, res) + f"  [{time.monotonic() - t0:.1f} s]")
                if classify(r, client, res) != "ok":
                    run.note_failure(r, client, res)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
    out = {"name": r["name"], "title": r["title"], "n": r["k"], "k": r["k"],
           "url": url, "runs": runs, "loadavg_after": round(os.getloadavg()[0], 2),
           "metrics": [], "samples": samples, "libcurl_version": run.curl8_version}
    if na:
        out["not_available"] = na
    for key in r["metrics"]:
        label, better, _ = METRICS[key]
        m = {"key": key, "label": label, "better": better, "wrk": None}
        for client in ("ferry", "libcurl"):
            m[client] = na[client] if client in na else median_of(samples[client], key)
        out["metrics"].append(m)
    return out


def run_row(run, r, quick, runs):
    if r["kind"] == "ws":
        return run_ws_row(run, r, quick, runs)
    n = r["n_quick"] if quick else r["n"]
    seconds = r["seconds_quick"] if quick else r["seconds"]
    wrk_s = r["wrk_s_quick"] if quick else r["wrk_s"]
    url_path = ("slow/" + r["file"]) if r["kind"] == "hold" else r["file"]
    url = run.nginx.url(r["scheme"], url_path, r["tls"], r["proto"], r["host"])
    clients = ["ferry", "libcurl"] + (["wrk"] if r["wrk"] else [])
    samples = {c: [] for c in clients}
    na = {}
    extra = {}
    hold = r.get("hold_quick" if quick else "hold")
    if r["kind"] == "hold":
        extra["held_target"] = min(n, run.hold_limit)
        extra["held_limited"] = n > run.hold_limit
        n = extra["held_target"]
    if r["kind"] in ("callgrind", "strace"):
        runs = 1  # instruction and syscall counts barely vary between runs

    for i in range(runs):
        for client in clients:
            if client in na:
                continue
            t0 = time.monotonic()
            ng0 = run.nginx.worker_cpu_s()
            if client == "wrk" and r["proto"] != "h1":
                res = run.run_h2load(url, n, r["k"], seconds + 90)
            elif client == "wrk":
                res = run_wrk_for_row(run, r, url, n, wrk_s, hold)
            else:
                cmd = run.client_cmd(client, r, n, seconds, url,
                                     hold=hold if r["kind"] == "hold" else None)
                if r["kind"] == "callgrind":
                    res = run_callgrind(run, client, cmd, seconds, r["name"])
                elif r["kind"] == "strace":
                    res = run_strace(run, client, cmd, seconds)
                else:
                    res = run.run_client(client, cmd, seconds + 90)
            ng1 = run.nginx.worker_cpu_s()
            wall = time.monotonic() - t0
            if ng0 is not None and ng1 is not None and wall > 0 and "crash" not in res:
                res["nginx_cpu_pct"] = round(100.0 * (ng1 - ng0) / wall, 1)
            state = classify(r, client, res)
            samples[client].append(res)
            log(f"bench: {r['name']:<15} run {i + 1}/{runs} {client:<8} " +
                summary_line(r, res) + f"  [{time.monotonic() - t0:.1f} s]")
            if state == "na":
                na[client] = f"n/a ({client}: {res.get('first_error')})"
                log(f"bench:   {na[client]}")
            elif state == "fail":
                run.note_failure(r, client, res)

    out = {"name": r["name"], "title": r["title"], "n": n, "k": min(r["k"], n),
           "url": url, "runs": runs, "loadavg_after": round(os.getloadavg()[0], 2),
           "metrics": [], "samples": samples, **extra}
    if na:
        out["not_available"] = na
    for key in r["metrics"]:
        label, better, _ = METRICS[key]
        m = {"key": key, "label": label, "better": better}
        for client in ("ferry", "libcurl", "wrk"):
            if client not in samples:
                m[client] = None
            elif client in na:
                m[client] = na[client]
            else:
                m[client] = median_of(samples[client], key)
        out["metrics"].append(m)
    return out


def summary_line(r, res):
    if "crash" in res:
        return "CRASH " + res["crash"]
    if "held" in res:
        parts = [f"held {res.get('held')}", f"err {res.get('errors')}"]
    elif "messages" in res:
        parts = [f"open {res.get('opened')}", f"err {res.get('errors')}"]
    else:
        parts = [f"ok {res.get('transfers')}", f"err {res.get('errors')}"]
        if res.get("connections") is not None:
            parts.append(f"conns {res.get('connections')}")
    for key in r["metrics"]:
        try:
            v = METRICS[key][2](res)
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        parts.append(f"{METRICS[key][0]} {fmt_num(v)}")
    return ", ".join(parts)


def run_wrk_for_row(run, r, url, n, wrk_s, hold):
    if r["kind"] == "hold":
        # wrk opens every connection at start; keep them for the hold plus
        # the time to connect them all. Its RSS above a 1-connection run,
        # per connection, is what it spends on each.
        if run.wrk_base_rss is None:
            base = run.run_wrk(url, 1, 1, timeout_s=60)
            run.wrk_base_rss = base.get("peak_rss_kb", 0)
        res = run.run_wrk(url, n, wrk_s + int(hold + 0.99), timeout_s=120)
        if "crash" not in res:
            res["held"] = n
            res["base_rss_kb"] = run.wrk_base_rss
            res["rss_per_transfer_kb"] = (res["peak_rss_kb"] - run.wrk_base_rss) / n
            res["errors"] = 0  # a held request never completes: no verdict
        return res
    headers = ["Connection: close"] if r["fresh"] else []
    return run.run_wrk(url, r["k"], wrk_s, headers=headers)


def run_callgrind(run, client, cmd, seconds, rowname="callgrind"):
    outfile = os.path.join(run.outdir, f"{rowname}.{client}.out")
    vg = ["valgrind", "--tool=callgrind", "-q", f"--callgrind-out-file={outfile}"]
    res = run.run_client(client, vg + cmd, seconds + 300)
    if "crash" in res:
        return res
    total = None
    with open(outfile) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                total = int(line.split()[1])
    res["instructions"] = total
    if total and res.get("transfers"):
        res["instructions_per_transfer"] = total / res["transfers"]
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", outfile],
                         capture_output=True, text=True, timeout=120)
    top = os.path.join(run.outdir, f"{rowname}.{client}.txt")
    with open(top, "w") as f:
        f.write(ann.stdout)
    res["profile"] = top
    res["top_functions"] = callgrind_top(ann.stdout, 15)
    return res


def callgrind_top(text, count):
    top = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$", line)
        if m and "PROGRAM TOTALS" not in line:
            top.append({"ir": int(m.group(1).replace(",", "")),
                        "pct": float(m.group(2)), "function": m.group(3)})
            if len(top) >= count:
                break
    return top


def run_strace(run, client, cmd, seconds):
    outfile = os.path.join(run.outdir, f"strace.{client}.txt")
    st = ["strace", "-c", "-f", "-o", outfile]
    res = run.run_client(client, st + cmd, seconds + 120)
    if "crash" in res:
        return res
    total, calls = None, {}
    with open(outfile) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and re.match(r"^[\d.]+$", fields[0]):
                name = fields[-1]
                if name == "total":
                    total = int(fields[3])
                else:
                    calls[name] = int(fields[3])
    res["syscalls"] = total
    n = res.get("transfers") or 0
    if total and n:
        res["syscalls_per_transfer"] = total / n
        res["syscalls_per_transfer_by_name"] = {
            k: round(v / n, 3) for k, v in
            sorted(calls.items(), key=lambda kv: -kv[1])[:8]}
    res["profile"] = outfile
    return res


# ---- output ----------------------------------------------------------------


def table_lines(rows):
    # the third client: wrk for HTTP/1.1 rows, h2load for HTTP/2 rows
    head = ["row", "ferry", "libcurl", "wrk|h2load", "ferry/libcurl", "ferry/3rd"]
    body = []
    for r in rows:
        for m in r["metrics"]:
            label = f"{r['name']}: {m['label']}"
            f, c, w = m.get("ferry"), m.get("libcurl"), m.get("wrk")
            fcell = "n/a" if isinstance(f, str) else fmt_num(f)
            # a figure of the server, not of the clients: no ratios
            plain = m.get("key") == "nginx_cpu"
            body.append([label, fcell, fmt_num(c) if not isinstance(c, str) else "n/a",
                         fmt_num(w) if not isinstance(w, str) else "n/a",
                         "-" if plain else fmt_ratio(f, c),
                         "-" if plain else fmt_ratio(f, w)])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                       for i, h in enumerate(head))]
    lines.append("  ".join("-" * w for w in widths))
    for b in body:
        lines.append("  ".join(x.ljust(widths[0]) if i == 0 else x.rjust(widths[i])
                               for i, x in enumerate(b)))
    return lines


def notes_lines(rows):
    lines = []
    for r in rows:
        for client, text in r.get("not_available", {}).items():
            lines.append(f"{r['name']}: {text}")
        if r.get("libcurl_version"):
            lines.append(f"{r['name']}: libcurl is {r['libcurl_version']} "
                         "(FERRY_BENCH_CURL8), not Debian's")
        if r.get("held_limited"):
            lines.append(f"{r['name']}: held only {r.get('held_target')} "
                         "(RLIMIT_NOFILE hard limit)")
        for client in ("ferry", "libcurl"):
            for s in r["samples"].get(client, []):
                if "syscalls_per_transfer_by_name" in s:
                    top = ", ".join(f"{k} {v}" for k, v in
                                    s["syscalls_per_transfer_by_name"].items())
                    lines.append(f"strace {client}: per transfer: {top}")
                if "top_functions" in s:
                    lines.append(f"callgrind {client}: top self cost "
                                 f"(full listing: {s['profile']}):")
                    for t in s["top_functions"][:10]:
                        lines.append(f"    {t['pct']:5.1f}%  {t['function']}")
    return lines


def git_rev(root):
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return None


# ---- main ------------------------------------------------------------------


def build_curl8_ws(srcdir, bindir):
    """bench-ws.c against the libcurl 8 at $FERRY_BENCH_CURL8 (a prefix with
    include/ and lib/; built outside this repository). (path, version), or
    (None, None) when none is named or the build fails."""
    prefix = os.environ.get("FERRY_BENCH_CURL8")
    if not prefix:
        return None, None
    out = os.path.join(bindir, "bench-ws-curl8")
    cmd = ["cc", "-O2", "-o", out, os.path.join(srcdir, "test", "bench", "bench-ws.c"),
           "-I" + os.path.join(prefix, "include"), "-L" + os.path.join(prefix, "lib"),
           "-Wl,-rpath," + os.path.join(prefix, "lib"), "-lcurl", "-luv"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        log("bench: cannot build bench-ws against FERRY_BENCH_CURL8:\n" + p.stderr)
        return None, None
    version = None
    try:
        with open(os.path.join(prefix, "include", "curl", "curlver.h")) as f:
            m = re.search(r'#define LIBCURL_VERSION "([^"]+)"', f.read())
            version = m.group(1) if m else None
    except OSError:
        pass
    return out, version


def main():
    ap = argparse.ArgumentParser(prog="test/bench/run",
                                 description="ferry vs libcurl vs wrk")
    ap.add_argument("--quick", action="store_true",
                    help="fewer transfers and 1 run per client (a smoke test)")
    ap.add_argument("--rows", default=",".join(ROW_NAMES),
                    help="comma-separated rows: " + ",".join(ROW_NAMES))
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per client and row (default 3, 1 with --quick)")
    ap.add_argument("--builddir", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--srcdir", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--command", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    wanted = [x.strip() for x in args.rows.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in ROW_NAMES]
    if unknown or not wanted:
        ap.error(f"unknown rows {unknown}; known: {','.join(ROW_NAMES)}")
    rows = [r for r in ROWS if r["name"] in wanted]
    runs = args.runs or (1 if args.quick else 3)

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    # Children (nginx, wrk, the clients) inherit this.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    hold_limit = 10000
    if hard != resource.RLIM_INFINITY and hard < 10000 + 512:
        hold_limit = max(100, hard - 512)
        log(f"bench: RLIMIT_NOFILE hard limit is {hard}: holding {hold_limit}")

    bindir = os.path.join(args.builddir, "test", "bench")
    prefix = tempfile.mkdtemp(prefix="ferry-bench-")
    os.chmod(prefix, 0o700)
    nginx = Nginx(prefix, hold_limit)
    run = Runner(args, nginx, bindir, args.builddir)
    run.hold_limit = hold_limit
    run.wrk_base_rss = None
    # ws1k: the WebSocket client built against a libcurl 8, if one is named
    run.curl8_ws, run.curl8_version = build_curl8_ws(args.srcdir, bindir)
    results = []
    try:
        nginx.prepare()
        nginx.start()
        log(f"bench: nginx {nginx.proc.pid} on 127.0.0.1:{nginx.port} (https "
            f"{nginx.tls_port}, resuming {nginx.resume_port}, rsa "
            f"{nginx.rsa_port}), worker_connections {nginx.worker_connections}, "
            f"rlimit {nginx.rlimit}; files in {nginx.docroot}")
        # Warm up: every file once (the 1 GiB one goes into the page cache).
        for name, size in FILES.items():
            if name == "1g.bin" and not any(r["file"] == name for r in rows):
                continue
            res = run.run_client("libcurl", [os.path.join(bindir, "bench-curl"),
                                 "--url", nginx.url("http", name), "--size",
                                 str(size), "-n", "1", "-k", "1"], 120)
            if "crash" in res or res.get("errors"):
                raise RuntimeError(f"warm-up of {name} failed: {res}")
        for r in rows:
            results.append(run_row(run, r, args.quick, runs))
    finally:
        nginx.stop()
        shutil.rmtree(prefix, ignore_errors=True)

    elapsed = time.monotonic() - started
    doc = {
        "format": "ferry-bench/1",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": args.command or " ".join(sys.argv),
        "quick": args.quick, "runs": runs, "elapsed_s": round(elapsed, 1),
        "loadavg_1min_before": round(load_before, 2),
        "host": {"nproc": os.cpu_count(), "kernel": platform.release(),
                 "machine": platform.machine()},
        "versions": {
            "ferry": git_rev(args.srcdir),
            "libcurl": tool_version(["pkg-config", "--modversion", "libcurl"]),
            "libuv": tool_version(["pkg-config", "--modversion", "libuv"]),
            "nginx": tool_version(["/usr/sbin/nginx", "-v"], r"nginx/(\S+)"),
            "wrk": tool_version(["wrk", "--version"], r"wrk (\S+)"),
            "h2load": tool_version(["h2load", "--version"], r"nghttp2/(\S+)"),
        },
        "rows": results,
        "failures": run.failures,
    }
    # A --quick run (the smoke test in test/run) must not replace the last
    # full results, which is what compare uses by default.
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kind = "-quick" if args.quick else ""
    path = os.path.join(args.builddir, f"bench-results{kind}.json")
    copy = os.path.join(args.builddir, f"bench-results{kind}-{stamp}.json")
    for p in (path, copy):
        with open(p, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")

    print()
    print(f"ferry {doc['versions']['ferry']} vs libcurl {doc['versions']['libcurl']}"
          f" vs wrk {doc['versions']['wrk']} / h2load {doc['versions']['h2load']}; nginx {doc['versions']['nginx']}, "
          f"1 worker; {os.cpu_count()} CPUs; {'quick, ' if args.quick else ''}"
          f"median of {runs} run(s)")
    for line in table_lines(results):
        print(line)
    print()
    for r in results:
        print(f"{r['name']:<15} {r['title']} (n={r['n']}, k={r['k']})")
    notes = notes_lines(results)
    if load_before > 0.7:
        notes.append(f"WARNING: load average was {load_before:.1f} before the run "
                     f"on {os.cpu_count()} CPUs: other work competed, times are "
                     "noisy (CPU per transfer and instruction counts less so)")
    if notes:
        print()
        for line in notes:
            print(line)
    print()
    print(f"saved {path} and {copy}; took {elapsed:.0f} s")
    if run.failures:
        print(f"\n{len(run.failures)} client run(s) failed:")
        for f in run.failures:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
