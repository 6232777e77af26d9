/* libFuzzer target: the TLS layer (src/tls.c) as a client, fed a server's
 * handshake flight and the records after it. The input format and the
 * checks are in fuzz-tls-common.h/.c; the seed corpus, recorded from real
 * mbedTLS servers by gen-tls-corpus, replays to completed handshakes.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/test/fuzz/fuzz-tls test/fuzz/corpus/tls
 */
#include <stdint.h>

#include "fuzz-tls-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_tls_outcome out;
  fuzz_tls_run(data, size, &out);
  return 0;
}
