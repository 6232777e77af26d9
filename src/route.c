/* Where a hop's connection goes. See route.h. CONNECT_TO entries are read
 * the way libcurl's parse_connect_to_slist reads them. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "route.h"
#include "trace.h"

/* The target part of a matching entry: "host:port", "[v6]:port", "host",
 * ":port" or "". Copies the host (brackets off) into host[256] ("" for
 * none) and sets *port (-1 for none). FERRYE_OK or
 * FERRYE_SETOPT_OPTION_SYNTAX / FERRYE_COULDNT_RESOLVE_HOST. */
static ferry_code parse_target(ferry_easy *e, const char *s, char *host,
                               int *port) {
  const char *h = s, *hend, *portp;

  host[0] = '\0';
  *port = -1;
  if (*s == '[') {
    /* an RFC 6874-style IPv6 address, maybe with a zone id */
    const char *p = ++h;
    while (*p && (strchr("0123456789abcdefABCDEF:.", *p) != NULL))
      p++;
    if (*p == '%') {
      p++;
      while (*p && (strchr("-._~", *p) != NULL ||
                    (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' &&
                                                 (*p | 0x20) <= 'z')))
        p++;
    }
    hend = p;
    portp = *p == ']' ? p + 1 : p;
  } else {
    hend = strchr(s, ':');
    if (hend == NULL)
      hend = s + strlen(s);
    portp = hend;
  }
  portp = strchr(portp, ':');
  if (portp != NULL && portp[1] != '\0') {
    char *end;
    long v = strtol(portp + 1, &end, 10);
    if (*end != '\0' || v < 0 || v > 65535 || end == portp + 1) {
      snprintf(e->errtext, sizeof(e->errtext),
               "No valid port number in connect to host string (%s)",
               portp + 1);
      return FERRYE_SETOPT_OPTION_SYNTAX;
    }
    *port = (int)v;
  }
  if ((size_t)(hend - h) > 255) {
    snprintf(e->errtext, sizeof(e->errtext),
             "CONNECT_TO host longer than 255 bytes");
    return FERRYE_COULDNT_RESOLVE_HOST;
  }
  memcpy(host, h, (size_t)(hend - h));
  host[hend - h] = '\0';
  return FERRYE_OK;
}

/* Does entry s match the URL's host and port? Sets *target to what comes
 * after "host:port:". */
static int entry_matches(const ferry_easy *e, const char *s,
                         const char **target) {
  const char *p = s;

  if (*p == ':') {
    p++; /* an empty host matches every host */
  } else {
    int v6 = e->url.host_kind == FERRY__HOST_IPV6;
    size_t n = strlen(e->url.host);
    if (v6) {
      if (*p++ != '[')
        return 0;
    }
    if (strncasecmp(p, e->url.host, n) != 0)
      return 0;
    p += n;
    if (v6 && *p++ != ']')
      return 0;
    if (*p++ != ':')
      return 0;
  }
  if (*p == ':') {
    p++; /* an empty port matches every port */
  } else {
    const char *next = strchr(p, ':');
    char *end;
    long port;
    if (next == NULL)
      return 0;
    port = strtol(p, &end, 10);
    if (end != next || end == p || port != e->url.port)
      return 0;
    p = next + 1;
  }
  *target = p;
  return 1;
}

/* CONNECT_TO for a direct hop: set e->dest_* to the first target. */
static ferry_code apply_connect_to(ferry_easy *e, int *applied) {
  const ferry_slist *l;

  *applied = 0;
  for (l = e->set.connect_to; l != NULL; l = l->next) {
    const char *target;
    char host[256];
    int port;
    ferry_code rc;
    if (l->data == NULL || !entry_matches(e, l->data, &target))
      continue;
    rc = parse_target(e, target, host, &port);
    if (rc != FERRYE_OK)
      return rc;
    if (host[0] == '\0' && port < 0)
      continue; /* matched, but names no target: the next may */
    if (host[0] != '\0') {
      struct in6_addr a6;
      struct in_addr a4;
      char *copy = ferry__strdup(host);
      if (copy == NULL)
        return FERRYE_OUT_OF_MEMORY;
      ferry__free(e->connect_to_host);
      e->connect_to_host = copy;
      e->dest_host = copy;
      e->dest_kind = inet_pton(AF_INET, e->dest_host, &a4) == 1
                         ? FERRY__HOST_IPV4
                     : strchr(e->dest_host, ':') != NULL ||
                             inet_pton(AF_INET6, e->dest_host, &a6) == 1
                         ? FERRY__HOST_IPV6
                         : FERRY__HOST_NAME;
      if (ferry__trace_on(e))
        ferry__infof(e, "Connecting to hostname: %s", e->dest_host);
    }
    if (port >= 0) {
      e->dest_port = port;
      if (ferry__trace_on(e))
        ferry__infof(e, "Connecting to port: %d", port);
    }
    *applied = 1;
    return FERRYE_OK;
  }
  return FERRYE_OK;
}

ferry_code ferry__route_hop(ferry_easy *e) {
  const ferry__opts *o = &e->set;
  ferry__buf k;
  int applied = 0, bad = 0;
  ferry_code rc;

  if (o->connect_to != NULL && !e->use_proxy && o->unix_socket_path == NULL) {
    rc = apply_connect_to(e, &applied);
    if (rc != FERRYE_OK)
      return rc;
  }
  if (!applied && o->unix_socket_path == NULL && o->interface == NULL &&
      o->localport == 0)
    return FERRYE_OK;
  ferry__buf_init(&k, SIZE_MAX / 2);
  bad = ferry__buf_adds(&k, e->conn_key);
  if (o->unix_socket_path != NULL)
    bad = bad || ferry__buf_cat(&k, " unix ", o->unix_socket_path, NULL);
  else if (applied)
    bad = bad || ferry__buf_cat(&k, " via ", e->dest_host, " ", NULL) ||
          ferry__buf_add_int(&k, e->dest_port);
  if (o->interface != NULL || o->localport != 0)
    bad = bad || ferry__buf_cat(&k, " bind ", o->interface ? o->interface : "",
                                " ", NULL) ||
          ferry__buf_add_int(&k, o->localport) || ferry__buf_adds(&k, "+") ||
          ferry__buf_add_int(&k, o->localportrange);
  if (bad) {
    ferry__buf_free(&k);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry__free(e->conn_key);
  e->conn_key = k.data;
  return FERRYE_OK;
}
