/* HTTP proxies: which proxy a hop uses (PROXY, or the environment's
 * http_proxy / https_proxy / all_proxy, minus NOPROXY / no_proxy), the
 * CONNECT request of a tunnel, and the Proxy-Authorization value. */
#ifndef FERRY_PROXY_H
#define FERRY_PROXY_H

#include "ferry.h"
#include "buf.h"
#include "handle.h"

/* Decide the current hop's proxy: sets e->use_proxy, e->tunnel,
 * e->proxy_url and the connection's destination (e->dest_*). FERRYE_OK,
 * FERRYE_UNSUPPORTED_PROTOCOL (a proxy scheme ferry does not speak),
 * FERRYE_COULDNT_RESOLVE_PROXY (a malformed proxy), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__proxy_choose(ferry_easy *e);
/* Does NOPROXY-style list `list` exempt `host`? ("*", or comma-separated
 * names matching the host or a parent domain, with or without a leading
 * dot; IP addresses match exactly.) */
int ferry__proxy_exempt(const char *list, const char *host);
/* "Basic <base64>" for the proxy credentials, or NULL (none, or out of
 * memory: *oom). */
char *ferry__proxy_authorization(const ferry_easy *e, int *oom);
/* The CONNECT request of a tunnel to the hop's host and port. */
ferry_code ferry__proxy_connect_request(ferry_easy *e, ferry__buf *out);

#endif
