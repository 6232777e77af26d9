/* Where a hop's connection goes, beyond the URL and the proxy:
 *
 *  - CONNECT_TO ("host:port:connect-to-host:connect-to-port", an empty
 *    host or port matching any, an empty target part keeping the URL's)
 *    sends the TCP connection of a direct hop elsewhere, while the request,
 *    its Host header and the TLS server name stay the URL's. The first
 *    entry that matches and names a target wins.
 *  - UNIX_SOCKET_PATH sends it to a Unix domain socket (resolve.c makes
 *    the address; no proxy is used then, as in libcurl).
 *  - INTERFACE and LOCALPORT/LOCALPORTRANGE bind its local end (conn.c).
 *
 * Each of these is part of the pool key, so that a connection is shared
 * only by transfers that would have made the same one. Sans-IO. */
#ifndef FERRY_ROUTE_H
#define FERRY_ROUTE_H

#include "ferry.h"
#include "handle.h"

/* After the proxy is chosen and e->conn_key made for the current hop:
 * apply CONNECT_TO to e->dest_* and add the route to e->conn_key.
 * FERRYE_OK, FERRYE_SETOPT_OPTION_SYNTAX (a CONNECT_TO entry with a bad
 * port; e->errtext says which), FERRYE_COULDNT_RESOLVE_HOST (a target
 * host longer than 255 bytes), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__route_hop(ferry_easy *e);

#endif
