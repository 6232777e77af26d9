#!/bin/sh
# Build the ferry Node-API addon: examples/node/build/ferry.node
#
#   examples/node/build.sh          (CC, CFLAGS, LDFLAGS, NODE_INCLUDE may be set;
#                                    FERRY_NODE_BUILD_DIR moves the output)
#
# ferry's sources (the list in src/meson.build) and llhttp's C sources are
# compiled into the addon against Node's own uv.h, so the addon calls the
# libuv inside node (no -luv: node exports it). nghttp2 is node's too: node
# exports its own copy (nghttp2's ABI is stable), and Debian's libnghttp2.a is
# not position-independent. mbedTLS and zlib are linked
# from their static archives. Everything is hidden: -fvisibility=hidden,
# --exclude-libs,ALL and a version script that exports only the Node-API
# entry points. The script ends by checking that with nm.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FERRY_NODE_BUILD_DIR:-"$here/build"}
cc=${CC:-cc}
node_inc=${NODE_INCLUDE:-/usr/include/node}
llhttp_src=${LLHTTP_SRC:-/usr/share/llhttp}
llhttp_inc=${LLHTTP_INCLUDE:-/usr/share/include/llhttp}
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

for f in "$node_inc/node_api.h" "$node_inc/uv.h" "$llhttp_src/llhttp.c" \
         "$llhttp_inc/llhttp.h"; do
  [ -f "$f" ] || { echo "build.sh: missing $f" >&2; exit 1; }
done

# Static archives only: a shared libz or libmbed* would put its symbols in
# the process's global scope next to node's.
libs=
for l in mbedtls mbedx509 mbedcrypto z; do
  a=$($cc -print-file-name="lib$l.a")
  [ -f "$a" ] || { echo "build.sh: lib$l.a not found (libmbedtls-dev, zlib1g-dev)" >&2; exit 1; }
  libs="$libs $a"
done

ferry_srcs=$(sed -n "s/^ *'\([a-z0-9_-]*\.c\)',\{0,1\}\$/\1/p" "$root/src/meson.build")
[ -n "$ferry_srcs" ] || { echo "build.sh: no sources in src/meson.build" >&2; exit 1; }

mkdir -p "$out/obj"
common="-std=gnu11 -D_GNU_SOURCE -O2 -g -fPIC -fvisibility=hidden
  -I$node_inc -I$root/include -I$root/src -I$llhttp_inc ${CFLAGS:-}"
# FERRY_BUILDING is left undefined: FERRY_EXTERN then marks nothing
# "default", so ferry's API is hidden like the rest.
# The quotes are meant literally: they make the macro a C string.
# shellcheck disable=SC2089
ferry_flags="-Wall -Wextra -Wno-unused-parameter -DFERRY_CA_BUNDLE=\"$ca_bundle\"
  -DFERRY_HOST=\"$($cc -dumpmachine)\""
addon_flags="-Wall -Wextra -Wno-unused-parameter -Werror"

jobs=$(nproc 2>/dev/null || echo 2)
objs=
pids=
failed=0
wait_jobs() {
  for p in $pids; do wait "$p" || failed=1; done
  pids=
}
compile() { # src obj flags...  (in batches of $jobs)
  src=$1 obj=$2
  shift 2
  # shellcheck disable=SC2086
  $cc $common "$@" -c "$src" -o "$obj" &
  pids="$pids $!"
  objs="$objs $obj"
  # shellcheck disable=SC2086
  [ "$(echo $pids | wc -w)" -lt "$jobs" ] || wait_jobs
}
for s in $ferry_srcs; do
  # shellcheck disable=SC2086,SC2090
  compile "$root/src/$s" "$out/obj/ferry_${s%.c}.o" $ferry_flags
done
for s in api http llhttp; do
  compile "$llhttp_src/$s.c" "$out/obj/llhttp_$s.o" -w
done
for s in addon request websocket; do
  # shellcheck disable=SC2086
  compile "$here/src/$s.c" "$out/obj/addon_$s.o" $addon_flags
done
wait_jobs
[ $failed -eq 0 ] || { echo "build.sh: compile failed" >&2; exit 1; }

# shellcheck disable=SC2086
$cc -shared -o "$out/ferry.node" $objs $libs \
  -Wl,--exclude-libs,ALL -Wl,--version-script="$here/exports.map" \
  -Wl,-Bsymbolic -Wl,-z,relro,-z,now -Wl,--as-needed ${LDFLAGS:-}

# Check: the only symbols defined and exported are the Node-API entry points.
exported=$(nm -D --defined-only "$out/ferry.node" | awk '{print $3}' | sort)
bad=$(printf '%s\n' "$exported" | grep -v -x -e napi_register_module_v1 \
        -e node_api_module_get_api_version_v1 || true)
if [ -n "$bad" ]; then
  echo "build.sh: the addon exports more than its Node-API entry points:" >&2
  printf '%s\n' "$bad" | head -20 >&2
  exit 1
fi
# ...and it takes nothing of llhttp, zlib, mbedTLS or ferry from outside
# (only napi_*, uv_* from node and libc remain undefined).
if nm -D --undefined-only "$out/ferry.node" |
    grep -E ' (llhttp_|inflate|deflate|zlib|z_|mbedtls_|psa_|ferry_)' >&2; then
  echo "build.sh: the addon leaves the symbols above to the process" >&2
  exit 1
fi
# ...and every nghttp2 function it calls is one the node binary exports.
node_bin=${NODE:-$(command -v node || true)}
if [ -n "$node_bin" ]; then
  missing=$(nm -D --undefined-only "$out/ferry.node" | awk '$2 ~ /^nghttp2_/ {print $2}' |
    sort -u | comm -23 - "$(nm -D --defined-only "$node_bin" |
      awk '$3 ~ /^nghttp2_/ {print $3}' | sort -u > "$out/node-nghttp2.txt"; echo "$out/node-nghttp2.txt")")
  if [ -n "$missing" ]; then
    echo "build.sh: $node_bin does not export these nghttp2 functions:" >&2
    printf '%s\n' "$missing" >&2
    exit 1
  fi
fi
echo "built $out/ferry.node (exports: $(printf '%s\n' "$exported" | tr '\n' ' '))"
