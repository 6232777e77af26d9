/* HTTP semantics above the codec: which request a transfer sends (method,
 * body, credentials, referer) and where a redirect leads. */
#ifndef FERRY_HTTP_H
#define FERRY_HTTP_H

#include "ferry.h"
#include "handle.h"

/* POSTFIELDS up to this size travel in the same write as the head. */
#define FERRY__INLINE_BODY_MAX 16384

/* The request method the transfer's current hop uses. */
const char *ferry__http_method(const ferry_easy *e);
/* Serialise the current hop's request head (and a small body) into e->req
 * and set up the body fields. FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__http_build_request(ferry_easy *e);
/* A final response's header section ended: is its Location followed
 * (sets e->follow)? Any 3xx with a Location is, with FOLLOWLOCATION, as
 * in libcurl; where it leads is worked out by ferry__http_next_hop once
 * the response is in. Returns FERRYE_OK. */
ferry_code ferry__http_check_redirect(ferry_easy *e, int status);
/* After the response's header, and ferry__http_check_redirect: take in a
 * 401's challenges (what is offered, the handle's Digest challenge) and
 * decide, as libcurl does, whether the request is made again: with the
 * method a 401 lets it pick, or with its body after a probe the server
 * did not challenge. Sets e->follow and e->auth_retry then. Returns
 * FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__http_check_auth(ferry_easy *e, int status);
/* A transfer starts: what its authentication learns starts afresh, what
 * the handle learnt before stays (a method picked stays while HTTPAUTH
 * allows it). */
void ferry__http_auth_start(ferry_easy *e);
/* Forget what the handle learnt about authentication (ferry_easy_reset,
 * cleanup). */
void ferry__http_auth_forget(ferry_easy *e);
/* The response is followed (a Location, or an authentication retry of
 * the same URL): count it against MAXREDIRS (FERRYE_TOO_MANY_REDIRECTS,
 * with REDIRECT_URL where it would have led) and in REDIRECT_COUNT, make
 * AUTOREFERER's Referer, then for a Location resolve it
 * (FERRYE_URL_MALFORMAT, or FERRYE_UNSUPPORTED_PROTOCOL for another
 * scheme), check the protocols allowed, turn POST into GET where libcurl
 * does, and decide whether credentials may go to the new host. On success
 * *next is the next hop's URL, for the caller to own. */
ferry_code ferry__http_next_hop(ferry_easy *e, ferry__url *next);
/* A response that is not followed ended: REDIRECT_URL for the Location of
 * a 3xx (as it came, when it leads nowhere ferry can go). FERRYE_OK or
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__http_redirect_url(ferry_easy *e);
/* "scheme://host:port" ("[v6]" bracketed) of a URL; NULL when out of
 * memory. The caller frees it. */
char *ferry__http_origin(const ferry__url *u);
/* Remember the first hop's origin, where credentials may go, and the
 * first URL's userinfo, which later hops without userinfo use there. */
ferry_code ferry__http_first_hop(ferry_easy *e);
/* The FERRYAUTH_* bits of the schemes ferry speaks (Basic, Digest,
 * Bearer) that WWW-Authenticate or Proxy-Authenticate values offer. */
unsigned long ferry__http_auth_bits(const char *challenges);
/* Zero the infos a transfer adds up (HTTPAUTH_AVAIL, QUEUE_TIME_T,
 * POSTTRANSFER_TIME_T, SIZE_DELIVERED, HTTPAUTH_USED, PROXYAUTH_USED):
 * ferry__http_first_hop does, and ferry_easy_reset. */
void ferry__http_reset_infos(ferry_easy *e);
/* Free (and wipe) what ferry__http_first_hop kept of the userinfo, and
 * the hop's NETRC credentials. */
void ferry__http_forget_first_userinfo(ferry_easy *e);
/* Parse "http,https,ws,wss" (PROTOCOLS_STR). 0 on a bad list. */
unsigned ferry__http_parse_protocols(const char *list);
/* The FERRY__PROTO_* bit of a URL's scheme. */
unsigned ferry__http_proto_bit(const ferry__url *u);

/* Cookies. The jar (e->cookies) is created by the options that turn the
 * engine on, or is the share's (SHARE); every function here locks it when
 * it is a share's, and returns FERRYE_OK or FERRYE_OUT_OF_MEMORY unless it
 * says otherwise. */
/* Turn the cookie engine on (an empty jar) if it is off. */
ferry_code ferry__http_cookies_enable(ferry_easy *e);
/* COOKIEFILE: name is copied onto the list of files to read at the next
 * transfer ("" only turns the engine on); NULL empties the list and turns
 * the engine off, dropping the jar. */
ferry_code ferry__http_cookiefile(ferry_easy *e, const char *name);
/* Read the COOKIEFILE files not read yet, or with all every one of them
 * (COOKIELIST "RELOAD"). A file that cannot be read is skipped. */
ferry_code ferry__http_cookies_load(ferry_easy *e, int all);
/* Write the jar to COOKIEJAR, if both are set. FERRYE_WRITE_ERROR when
 * the file cannot be written. */
ferry_code ferry__http_cookies_flush(ferry_easy *e);
/* A raw response header line: a Set-Cookie goes to the jar, for the
 * current hop's URL. */
ferry_code ferry__http_set_cookie(ferry_easy *e, const char *line, size_t len);
/* COOKIELIST: "ALL", "SESS", "FLUSH", "RELOAD" (any case), or a cookie as
 * a "Set-Cookie:" line or a Netscape file line. NULL does nothing. */
ferry_code ferry__http_cookielist(ferry_easy *e, const char *cmd);
/* FERRYINFO_COOKIELIST: the jar's cookies as Netscape lines in a new list
 * (*out NULL when the engine is off or the jar empty). */
ferry_code ferry__http_cookie_list(ferry_easy *e, ferry_slist **out);
/* Turn the cookie engine off: free the handle's own jar (a share's stays). */
void ferry__http_cookies_free(ferry_easy *e);
/* Turn HSTS off: free the handle's own store (a share's stays). */
void ferry__http_hsts_free(ferry_easy *e);
/* SHARE: detach the handle from its share, if any, then attach it to sh
 * (NULL: none), pointing its jar, HSTS store and DNS store at the
 * share's (see FERRYOPT_SHARE in ferry.h). FERRYE_OK, or
 * FERRYE_BAD_FUNCTION_ARGUMENT for a pointer that is not a share, or
 * while the handle's transfer runs (nothing changes then). */
ferry_code ferry__http_use_share(ferry_easy *e, ferry_share *sh);
/* HSTS. The store (e->hsts) exists while HSTS is on for the handle; it
 * outlives ferry_easy_reset, as libcurl's does. Every function here
 * returns FERRYE_OK or FERRYE_OUT_OF_MEMORY unless it says otherwise. */
/* HSTS_CTRL: with FERRYHSTS_ENABLE the store is made if there is none,
 * without it the store is dropped; READONLYFILE is kept for cleanup. */
ferry_code ferry__http_hsts_ctrl(ferry_easy *e, long bits);
/* HSTS: turn HSTS on and add name (copied) to the files read at every
 * transfer start, the last of which cleanup writes ("" only turns HSTS
 * on). NULL empties the list and turns HSTS off, dropping the store. */
ferry_code ferry__http_hsts_file(ferry_easy *e, const char *name);
/* At a transfer's start, as libcurl does it: read every HSTS file (one
 * that cannot be read is skipped), then call the HSTSREADFUNCTION until it
 * is done. FERRYE_ABORTED_BY_CALLBACK or FERRYE_BAD_FUNCTION_ARGUMENT
 * from the callback (see ferry_hstsread_callback), with e->errtext set. */
ferry_code ferry__http_hsts_load(ferry_easy *e);
/* If u is an http:// URL to a known HSTS host, make it https:// (a port
 * the URL did not name becomes 443; a named one stays, as in libcurl)
 * and trace it. Sets *switched (optional). Out of memory fails: a
 * known host never gets a byte in the clear. */
ferry_code ferry__http_hsts_upgrade(ferry_easy *e, ferry__url *u,
                                   int *switched);
/* A raw response header line: the first Strict-Transport-Security of a
 * final response goes to the store, when the hop is https with its
 * certificate verified (VERIFYPEER and VERIFYHOST on) and its host a
 * name, not an IP address. */
ferry_code ferry__http_sts_header(ferry_easy *e, const char *line, size_t len);
/* At cleanup: write the store to the last HSTS file unless READONLYFILE
 * (files no transfer has read yet are read first, so none loses what it
 * held), hand every entry to the HSTSWRITEFUNCTION, and drop the store.
 * Failures are only traced. */
void ferry__http_hsts_flush(ferry_easy *e);
/* ferry_easy_duphandle: the copy of a handle with HSTS on gets a store of
 * its own, filled from the HSTS files and the read callback at once, as
 * libcurl does (their failures, but running out of memory, are
 * ignored). */
ferry_code ferry__http_hsts_dup(ferry_easy *e);
/* Does the hop ask to upgrade to HTTP/2 on http:// (HTTP_VERSION 2_0,
 * no TLS, not a request a proxy takes)? */
int ferry__http_h2c_upgrade(const ferry_easy *e);

/* The trailers of an upload of unknown size: the TRAILERFUNCTION's
 * well-formed lines, each "Name: value\r\n", appended to out (nothing
 * without a TRAILERFUNCTION). Calls the callback, and frees the list it
 * makes. FERRYE_OK, FERRYE_ABORTED_BY_CALLBACK (the callback said
 * FERRY_TRAILERFUNC_ABORT; e->errtext set), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__http_trailers(ferry_easy *e, ferry__buf *out);

#endif
