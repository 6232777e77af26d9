/* A list of socket addresses to connect to, shared by reference between
 * the resolver's cache, transfers and connection attempts. */
#ifndef FERRY_ADDRS_H
#define FERRY_ADDRS_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct ferry__addrs {
  unsigned refs;
  size_t n;
  struct sockaddr_storage a[];
} ferry__addrs;

/* A new list with room for n addresses (none filled: n is 0), one
 * reference held by the caller; NULL when out of memory. */
ferry__addrs *ferry__addrs_new(size_t n);
ferry__addrs *ferry__addrs_ref(ferry__addrs *a);
/* Drop a reference; NULL is ignored. */
void ferry__addrs_unref(ferry__addrs *a);

#endif
