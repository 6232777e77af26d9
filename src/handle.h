/* The transfer handle's fields: struct ferry_easy (what setopt sets, and
 * one transfer's state machine data), the transfer states, and the
 * protocol bits. Data only: every layer that works on a transfer reads
 * this, so it includes only the layers below the transfer (codecs,
 * connections, sessions, the resolver), never the façade (easy.h), the
 * transfer (xfer.h) or the multi (multi.h). */
#ifndef FERRY_HANDLE_H
#define FERRY_HANDLE_H

#include <stdint.h>
#include <netinet/in.h>

#include "ferry.h"
#include "auth.h"
#include "buf.h"
#include "headers.h"
#include "list.h"
#include "lock.h"
#include "raw.h"
#include "rate.h"
#include "resolve.h"
#include "session.h"
#include "url.h"

#define FERRY__EASY_MAGIC 0xfe77e45eu

/* The most body bytes a paused transfer holds in each of pausebuf and
 * pause_encoded (libcurl caps its pause buffer too, with CURLE_TOO_LARGE).
 * Without a stacked bomb neither comes near it: see DECODE_SLICE. */
#define FERRY__PAUSE_MAX (8 * 1024 * 1024)

/* How often a request the server refused (HTTP/2 REFUSED_STREAM or a
 * GOAWAY) is sent again, as libcurl's CONN_MAX_RETRIES. */
#define FERRY__REFUSED_RETRIES 5

/* The states of a transfer. One list: the enum and the printable names both
 * come from it. */
#define FERRY__XFER_STATES(X)                                                  \
  X(INIT)         /* added, not started */                                     \
  X(PENDING)      /* waiting for a connection slot */                          \
  X(RESOLVE)      /* waiting for the name lookup */                            \
  X(CONNECT)      /* TCP connect in progress */                                \
  X(TUNNEL)       /* CONNECT through an HTTP proxy */                          \
  X(TLS)          /* TLS handshake in progress */                              \
  X(SEND)         /* sending the request */                                    \
  X(RECV_HEADERS) /* waiting for / reading the response header */              \
  X(RECV_BODY)    /* reading the response body */                              \
  X(DONE)         /* finished; result is set */

typedef enum {
#define FERRY_X_(s) FERRY__XS_##s,
  FERRY__XFER_STATES(FERRY_X_)
#undef FERRY_X_
  FERRY__XS_COUNT
} ferry__xstate;

struct ferry__conn;
struct ferry__addrs;
struct ferry__cookie_jar;
struct ferry__hsts;

/* The TLS files, blobs and lists: most handles set none of them, so they
 * live in a block made at the first such setopt. Copies owned by it. */
typedef struct ferry__tls_opts {
  char *cainfo, *capath, *sslcert, *sslkey, *keypasswd, *pinnedpubkey;
  char *cipher_list;
  char *ec_curves;            /* SSL_EC_CURVES */
  ferry_blob cainfo_blob, sslcert_blob, sslkey_blob;
  char *sslcerttype;          /* SSLCERTTYPE; NULL: "PEM" */
  char *sslkeytype;           /* SSLKEYTYPE; NULL: "PEM" */
  /* the TLS configuration key of these options (a SHA-256 over all of
   * them, costly for every transfer); setting any TLS option clears
   * key_valid */
  char key[64 + 1];
  unsigned key_valid : 1;
} ferry__tls_opts;

/* The socket callbacks and PREREQFUNCTION, with their data: most handles
 * set none, so they live in a block made at the first such setopt. */
typedef struct ferry__sockcb_opts {
  ferry_opensocket_callback opensocketfn;   /* OPENSOCKETFUNCTION */
  void *opensocketdata;
  ferry_sockopt_callback sockoptfn;         /* SOCKOPTFUNCTION */
  void *sockoptdata;
  ferry_closesocket_callback closesocketfn; /* CLOSESOCKETFUNCTION */
  void *closesocketdata;
  ferry_prereq_callback prereqfn;           /* PREREQFUNCTION */
  void *prereqdata;
} ferry__sockcb_opts;

/* What setopt sets. Reset and duphandle work on this struct alone. */
typedef struct ferry__opts {
  char *url;
  long port;
  void *writedata;
  ferry_write_callback writefn;
  void *readdata;
  ferry_read_callback readfn;
  void *headerdata;
  ferry_header_callback headerfn;
  void *xferinfodata;          /* XFERINFODATA (= PROGRESSDATA) */
  ferry_xferinfo_callback xferinfofn;
  ferry_progress_callback progressfn; /* PROGRESSFUNCTION: called when
                                         xferinfofn is NULL */
  void *debugdata;
  ferry_debug_callback debugfn;
  char *errorbuffer;
  FILE *stderr_stream;
  long timeout_ms;
  long connecttimeout_ms;
  long low_speed_limit;
  long low_speed_time;
  ferry_off_t infilesize;     /* -1: unknown */
  const char *postfields;     /* borrowed, or == postfields_copy */
  char *postfields_copy;      /* COPYPOSTFIELDS */
  ferry_off_t postfieldsize;  /* -1: strlen */
  char *useragent;
  char *customrequest;
  const ferry_slist *httpheader; /* borrowed */
  const ferry_slist *resolve;    /* borrowed */
  long maxconnects;
  long dns_cache_timeout;     /* seconds; -1 forever */
  long buffersize;
  long ipresolve;
  void *private_ptr;
  char *referer;              /* REFERER */
  char *accept_encoding;      /* ACCEPT_ENCODING; "" = all ferry decodes */
  char *cookie;               /* COOKIE: sent as given, after the jar's */
  ferry_slist *cookiefiles;   /* COOKIEFILE names, owned copies, in order */
  size_t cookiefiles_loaded;  /* how many of them the jar has read */
  char *cookiejar;            /* COOKIEJAR */
  ferry_slist *hstsfiles;     /* HSTS names, owned copies, in order: each
                                 is read at every transfer start, the
                                 last one written at cleanup */
  ferry_hstsread_callback hstsreadfn;   /* HSTSREADFUNCTION */
  void *hstsreaddata;
  ferry_hstswrite_callback hstswritefn; /* HSTSWRITEFUNCTION */
  void *hstswritedata;
  /* TLS: strings and blobs are copies owned by the handle */
  long ssl_verifypeer;        /* default 1 */
  long ssl_verifyhost;        /* default 2 */
  long sslversion;
  ferry__tls_opts *tls;       /* NULL: none set */
  ferry__sockcb_opts *sockcb; /* socket callbacks, PREREQ; NULL: none */
  ferry_off_t maxfilesize;    /* MAXFILESIZE(_LARGE); 0 = no limit */
  char *userpwd;              /* USERPWD "user:password" */
  char *username;             /* USERNAME */
  char *password;             /* PASSWORD */
  char *bearer;               /* XOAUTH2_BEARER */
  unsigned long httpauth;     /* HTTPAUTH bits (FERRYAUTH_BASIC unless
                                 set; 0: none), DIGEST_IE made DIGEST */
  long maxredirs;             /* -1: no limit */
  long postredir;             /* FERRY_REDIR_POST_* bits */
  unsigned protocols;         /* FERRY__PROTO_* allowed for the URL */
  unsigned redir_protocols;   /* ... and for redirects */
  char *proxy;                /* PROXY; NULL: the environment's; "": none */
  char *noproxy;              /* NOPROXY; NULL: the environment's */
  char *proxyuserpwd;         /* PROXYUSERPWD */
  const ferry_slist *proxyheader; /* PROXYHEADER, borrowed */
  long proxyport;             /* PROXYPORT */
  long expect_100_timeout_ms; /* EXPECT_100_TIMEOUT_MS, default 1000 */
  long upkeep_interval_ms;    /* UPKEEP_INTERVAL_MS, default 60000 */
  long happy_eyeballs_ms;     /* HAPPY_EYEBALLS_TIMEOUT_MS, default 200 */
  long (*seekfn)(void *, ferry_off_t, int); /* SEEKFUNCTION */
  void *seekdata;
  ferry_done_callback donefn; /* DONEFUNCTION */
  void *donedata;
  long priority;              /* PRIORITY: higher starts first when queued */
  long stream_weight;         /* STREAM_WEIGHT (HTTP/2), 1..256 */
  unsigned autoreferer : 1;
  unsigned path_as_is : 1;      /* PATH_AS_IS: keep dot segments */
  unsigned unrestricted_auth : 1;
  unsigned digest_ie : 1;     /* HTTPAUTH had DIGEST_IE: the Digest uri is
                                 the path without its query */
  unsigned verbose : 1;
  unsigned header : 1;
  unsigned noprogress : 1;
  unsigned nobody : 1;
  unsigned failonerror : 1;
  unsigned upload : 1;
  unsigned post : 1;
  unsigned fresh_connect : 1;
  unsigned char connect_only; /* CONNECT_ONLY: 0, 1, or 2 (WebSocket) */
  unsigned forbid_reuse : 1;
  unsigned tcp_nodelay : 1;
  unsigned cookiesession : 1; /* COOKIESESSION */
  unsigned certinfo : 1;       /* CERTINFO */
  unsigned content_decoding_off : 1; /* HTTP_CONTENT_DECODING 0 */
  unsigned httpproxytunnel : 1;
  unsigned headeropt_unified : 1; /* HEADEROPT UNIFIED (default SEPARATE) */
  unsigned tcp_keepalive : 1; /* TCP_KEEPALIVE */
  unsigned pipewait : 1;      /* PIPEWAIT */
  unsigned hsts_readonly : 1; /* HSTS_CTRL READONLYFILE */
  unsigned hstsfiles_loaded : 1; /* a transfer has read the HSTS files
                                    since the last one was set */
  /* partial and conditional requests (partial.c) */
  char *range;                /* RANGE, as given */
  ferry_off_t resume_from;    /* RESUME_FROM(_LARGE); -1: upload from the
                                 start, telling the whole size */
  long httpversion;           /* HTTP_VERSION: NONE, 1_0 or 1_1 */
  long timecondition;         /* TIMECONDITION */
  int64_t timevalue;          /* TIMEVALUE(_LARGE), seconds since 1970 */
  ferry_trailer_callback trailerfn; /* TRAILERFUNCTION */
  void *trailerdata;
  /* the connection (route.c, conn.c, pool.c) */
  long maxage_conn;           /* MAXAGE_CONN, s idle; 0: no limit */
  long maxlifetime_conn;      /* MAXLIFETIME_CONN, s since made; 0: none */
  long tcp_keepidle, tcp_keepintvl, tcp_keepcnt; /* TCP_KEEP* (60, 60, 9) */
  const ferry_slist *connect_to; /* CONNECT_TO, borrowed */
  char *unix_socket_path;     /* UNIX_SOCKET_PATH */
  char *interface;            /* INTERFACE, as given */
  long localport;             /* LOCALPORT; 0: any */
  long localportrange;        /* LOCALPORTRANGE */
  ferry_off_t max_recv_speed; /* MAX_RECV_SPEED_LARGE, bytes/s; 0: none */
  ferry_off_t max_send_speed; /* MAX_SEND_SPEED_LARGE */
  /* multipart forms (mime.c, form.c) */
  ferry_mime *mimepost;       /* MIMEPOST: borrowed, or == mimepost_copy */
  ferry_mime *mimepost_copy;  /* duphandle's copy of the original's, owned */
  struct ferry_httppost *httppost; /* HTTPPOST: borrowed */
  long mime_options;          /* MIME_OPTIONS bits */
  long ws_options;            /* WS_OPTIONS: FERRYWS_RAW_MODE, NOAUTOPONG */
  unsigned form_post : 1;     /* the body is the form: MIMEPOST or HTTPPOST
                                 was set last among the options that choose
                                 the request's body */
  unsigned form_httppost : 1; /* ... and it is the HTTPPOST list */
  /* the rest of libcurl's small options (http.c, netrc.c, tls.c) */
  char *default_protocol;     /* DEFAULT_PROTOCOL: the scheme of a URL
                                 without one; NULL: guess (http) */
  char *request_target;       /* REQUEST_TARGET, sent instead of the URL's
                                 path and query */
  long netrc;                 /* NETRC: FERRY_NETRC_IGNORED/OPTIONAL/REQUIRED */
  char *netrc_file;           /* NETRC_FILE; NULL: $NETRC, else ~/.netrc */
  long ca_cache_timeout;      /* CA_CACHE_TIMEOUT, s; -1 forever; 86400 */
  unsigned long address_scope; /* ADDRESS_SCOPE: IPv6 scope id; 0: none */
  long server_response_timeout_ms; /* SERVER_RESPONSE_TIMEOUT(_MS): kept,
                                      no HTTP use (as in libcurl) */
  unsigned char follow_mode;  /* FOLLOWLOCATION: 0, or FERRYFOLLOW_* */
  unsigned no_session_cache : 1; /* SSL_SESSIONID_CACHE 0 */
  unsigned quick_exit : 1;    /* QUICK_EXIT */
} ferry__opts;

struct ferry_easy {
  unsigned magic;
  ferry__opts set;

  ferry_multi *multi;      /* the multi it is added to, or NULL */
  ferry_multi *own_multi;  /* private multi of ferry_easy_perform */
  ferry__list multi_node;  /* in multi->easies */
  ferry__list queue_node;  /* in multi->soon or multi->pending */
  size_t heap_idx;         /* position in the multi's timer heap */
  uint64_t deadline_ms;    /* next time the timer must look at it; 0 none */

  ferry__xstate state;
  ferry_code result;
  ferry_msg msg;
  ferry__list msg_node;    /* in multi->msgs while queued */
  ferry__list done_node;   /* in multi->done_calls until its done callback */
  ferry__list notify_node; /* in multi->notify_done until EASY_DONE is told */

  /* where to; for a redirect hop, the hop's URL */
  ferry__url url;
  unsigned url_cached : 1; /* e->url is the parse of the URL option, not
                              set since (a handle re-added with the same
                              URL skips the parse) ... */
  long url_src_port;       /* ... with this PORT option applied to it */
  /* where the TCP connection goes: the URL's host, or the proxy's; the
   * pointers borrow from e->url or e->proxy_url */
  const char *dest_host;
  int dest_port;
  int dest_kind;
  /* an HTTP proxy for this hop */
  ferry__url proxy_url;
  unsigned use_proxy : 1;  /* the hop goes through proxy_url */
  unsigned tunnel : 1;     /* ... with CONNECT first */
  unsigned in_tunnel : 1;  /* the CONNECT response is being read */
  long connectcode;        /* HTTP_CONNECTCODE */
  /* redirects */
  long redirect_count;
  char *location;          /* Location of the current response, raw */
  char *redirect_url;      /* where Location points (REDIRECT_URL) */
  char *hop_referer;       /* AUTOREFERER value for the next hop */
  /* HTTP authentication (http.c). The method picked, what the 401s
   * offered and the Digest challenge belong to the handle, as in libcurl:
   * a later transfer on it answers at once with what an earlier one
   * learnt (the Digest nonce counted on). ferry_easy_reset forgets them;
   * a duphandle copy starts without. */
  char *www_auth;          /* WWW-Authenticate values of the response */
  ferry__digest digest;    /* the Digest challenge being answered */
  unsigned long auth_picked; /* the method in use: HTTPAUTH's bits until a
                                401 picks one (FERRY__AUTH_PICKNONE when
                                none could be) */
  unsigned long auth_avail;  /* methods 401s offered, not picked from yet */
  unsigned auth_done : 1;  /* the last request needed no more round trip */
  unsigned auth_problem : 1; /* this transfer gave up authenticating */
  unsigned auth_probe : 1; /* this request is a probe: an empty body, the
                              real one waits for the challenge (libcurl's
                              authneg) */
  unsigned auth_retry : 1; /* this response is answered by asking again */
  char *first_host;        /* "scheme://host:port" credentials belong to */
  char *first_user;        /* the first URL's userinfo, which goes to */
  char *first_password;    /* first_host on every hop, as in libcurl */
  char *netrc_user;        /* NETRC's credentials for this hop's host; */
  char *netrc_password;    /* NULL when NETRC gave none (http.c) */
  unsigned follow : 1;     /* following this response's Location */
  unsigned hop_get : 1;    /* a redirect turned the request into a GET */
  unsigned followed : 1;   /* a Location was followed: REDIR_PROTOCOLS_STR
                              applies to the hops from there on */
  unsigned ignore_custom : 1; /* a FOLLOWLOCATION mode dropped CUSTOMREQUEST */
  unsigned strip_auth : 1; /* a redirect left the host of the credentials */
  char *conn_key;          /* "scheme://host:port" */
  struct ferry__addrs *addrs;
  ferry__dns_query dns;    /* the name lookup of the hop's destination */
  struct ferry__conn *conn;
  /* the connection a CONNECT_ONLY transfer handed over (ferry_easy_send,
   * ferry_easy_recv); it lives in the pool of the multi that made it */
  ferry__raw raw;
  ferry_multi *raw_multi;
  /* a ws:// or wss:// transfer's WebSocket state (websocket.h): the
   * opening handshake, then the endpoint of a CONNECT_ONLY connection or
   * what the write callback is told; NULL for other transfers */
  struct ferry__wsx *ws;
  uint64_t ws_linger_ms;   /* the close handshake is done: the server's
                              close of the connection is awaited until
                              then (0: not waiting) */

  /* the request and its response, on a session */
  ferry__stream stream;
  size_t upload_read;         /* bytes the read callback gave this attempt */
  ferry_mime *upload_mime;    /* a form this hop sends: read through
                                 ferry__mime_read/seek, not READFUNCTION */
  ferry_mime *form_mime;      /* HTTPPOST as a mime, made for the transfer */
  unsigned reused : 1;        /* this attempt runs on a pooled connection */
  unsigned retried : 1;       /* a retry on a fresh connection was made */
  unsigned char refused_retries; /* retries of a refused HTTP/2 stream */
  unsigned pause_recv : 1;
  unsigned pause_send : 1;
  unsigned response_done : 1; /* the session has the whole response */
  unsigned expect_wait : 1;   /* the body waits for 100 Continue */
  unsigned body_raw_seen : 1; /* the session shows the body's bytes as they
                                 came (DATA_IN), not on_body's pieces */
  unsigned coding_refused : 1;/* Content-Encoding names a coding ferry has
                                 not: the body's first byte fails, as in
                                 libcurl */
  uint64_t expect_until_ms;   /* when to send the body anyway */

  /* response */
  long response_code;
  long http_version;
  char *content_type;
  char *content_encoding;     /* Content-Encoding of the final response */
  /* what the response's Connection and Transfer-Encoding said: whether
   * the connection ends with it (a followed response's body is then not
   * read, as libcurl does not read it) */
  unsigned resp_close : 1;    /* Connection: close */
  unsigned resp_keep_alive : 1; /* Connection: keep-alive */
  unsigned resp_chunked : 1;  /* Transfer-Encoding ends in chunked */
  unsigned tls_hop : 1;       /* an https hop: set.tls holds its TLS
                                 configuration key, which also ends
                                 conn_key after a '#' */
  long ssl_verifyresult;
  struct ferry_certinfo certinfo; /* CERTINFO's chain; freed on reset */
  struct ferry__decoder *decoder;
  ferry_off_t dl_bytes;
  ferry_off_t ul_bytes;
  ferry_off_t content_length;
  long header_size;
  long request_size;
  long os_errno;
  long num_connects;
  ferry__buf pausebuf;        /* body bytes held while receiving is paused */
  ferry__buf pause_encoded;   /* ... and encoded ones not yet decoded */

  /* times, ns on uv_hrtime's clock */
  uint64_t t_start, t_namelookup, t_connect, t_appconnect, t_pretransfer,
      t_starttransfer, t_total;
  /* QUEUE_TIME_T and POSTTRANSFER_TIME_T add up over the hops, each from
   * its hop's start (t_hop, set when its request is made) */
  uint64_t t_hop;
  ferry_off_t queue_us;        /* until the hop had a connection to use */
  ferry_off_t posttransfer_us; /* until the hop's request was sent */
  unsigned hop_queued : 1;     /* queue_us has this hop's share */
  /* XFER_ID (given when added to a multi) and CONN_ID (of the connection
   * used last); -1 before any */
  ferry_off_t xfer_id, conn_id;
  ferry_off_t delivered;       /* SIZE_DELIVERED: bytes given to the
                                  write callback */
  unsigned long auth_used;     /* HTTPAUTH_USED: FERRYAUTH_* bit or 0 */
  unsigned long proxyauth_used; /* PROXYAUTH_USED */
  unsigned long httpauth_avail; /* HTTPAUTH_AVAIL: schemes 401s offered */

  /* progress and low-speed check */
  uint64_t next_progress_ms;
  uint64_t low_speed_since_ms;
  ferry_off_t speed_mark_bytes;

  char primary_ip[INET6_ADDRSTRLEN];
  long primary_port;
  char local_ip[INET6_ADDRSTRLEN];
  long local_port;
  char *effective_url;
  ferry__headers headers;  /* every response header, for ferry_easy_header */
  struct ferry__cookie_jar *cookies; /* the cookie engine when enabled;
                                        lives as long as the handle; or the
                                        share's, which the share owns */
  unsigned cookie_engine : 1; /* a cookie option turned the engine on (for
                                 life, as libcurl's): a jar that is the
                                 share's sends and takes cookies only then */
  struct ferry__hsts *hsts;   /* the HSTS store when enabled; lives as long
                                 as the handle (reset keeps it); or the
                                 share's, which the share owns */
  /* SHARE: the share the handle uses, and its lock hook for the share's
   * stores (lock.h; cleared when there is none). cookies and hsts point
   * at the share's when it shares them, dns.store and dns.lock likewise */
  ferry_share *share;
  ferry__lock lock;
  unsigned hsts_taken : 1;    /* this request's response gave its
                                 Strict-Transport-Security: only the first
                                 one counts (RFC 6797 section 8.1) */
  /* partial and conditional requests of this hop (partial.c) */
  ferry_off_t resume_from;    /* the offset asked for; 0 when none, or when
                                 the server said it sends it all */
  int64_t last_modified;      /* Last-Modified of the response; 0: none */
  int partial_status;         /* status of the response being read */
  unsigned range_asked : 1;   /* RANGE or RESUME_FROM made a Range */
  unsigned content_range_ok : 1; /* Content-Range starts at resume_from */
  unsigned skip_body : 1;     /* the body is read and dropped (a 416
                                 answer to a resume) */
  unsigned timecond_unmet : 1; /* CONDITION_UNMET */
  ferry_off_t upload_skip;    /* upload bytes a resume leaves out */
  /* where this hop's connection goes (route.c) */
  char *connect_to_host;      /* a CONNECT_TO host; dest_host points here */
  /* MAX_RECV_SPEED / MAX_SEND_SPEED (rate.c) */
  ferry__rate rate_recv, rate_send;
  uint64_t rate_resume_ms;    /* throttled until then; 0: not throttled */
  char errtext[FERRY_ERROR_SIZE];
};

/* Is this a live easy handle? */
static inline int ferry__easy_valid(const ferry_easy *e) {
  return e != NULL && e->magic == FERRY__EASY_MAGIC;
}

/* Protocols for PROTOCOLS_STR / REDIR_PROTOCOLS_STR. */
#define FERRY__PROTO_HTTP 1u
#define FERRY__PROTO_HTTPS 2u
#define FERRY__PROTO_WS 4u
#define FERRY__PROTO_WSS 8u
#define FERRY__PROTO_ALL                                                       \
  (FERRY__PROTO_HTTP | FERRY__PROTO_HTTPS | FERRY__PROTO_WS | FERRY__PROTO_WSS)

#endif
