/* One transfer of the addon: the JS options become easy options, ferry's
 * header and write callbacks collect the response (or hand a stream's
 * chunks to JS), and the result becomes JS values. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addon.h"

/* Bodies up to this size are copied into a fresh Buffer; bigger ones are
 * handed over as external memory, so they are not copied at all. */
#define COPY_BODY_MAX (64 * 1024)

/* ---- reading JS options ------------------------------------------------ */

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok)
    return 1;
  return t == napi_undefined || t == napi_null;
}

/* opts[name], or NULL when opts lacks it or holds undefined/null. */
static napi_value opt_get(napi_env env, napi_value opts, const char *name) {
  napi_value v;
  if (opts == NULL || napi_get_named_property(env, opts, name, &v) != napi_ok)
    return NULL;
  return is_nullish(env, v) ? NULL : v;
}

/* A JS string as a malloc'd UTF-8 C string; *len (optional) its length.
 * NULL with a TypeError pending when v is not a string. */
static char *string_dup(napi_env env, napi_value v, const char *what,
                        size_t *len) {
  size_t n;
  char *s;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return NULL;
  }
  s = malloc(n + 1);
  if (s == NULL) {
    napi_throw_error(env, "OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, n + 1, &n);
  if (len)
    *len = n;
  return s;
}

static int has_crlf(const char *s, size_t n) {
  return memchr(s, '\r', n) != NULL || memchr(s, '\n', n) != NULL ||
         memchr(s, '\0', n) != NULL;
}

/* opts.headers: an object of name -> value (string or number). */
static int set_headers(request *r, napi_value obj) {
  napi_env env = r->a->env;
  napi_value names;
  uint32_t n;

  if (napi_get_property_names(env, obj, &names) != napi_ok ||
      napi_get_array_length(env, names, &n) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "opts.headers must be an object");
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value key, val, sval;
    char *name, *value, *line;
    size_t nlen, vlen;
    ferry_slist *l;

    napi_get_element(env, names, i, &key);
    napi_get_property(env, obj, key, &val);
    if (napi_coerce_to_string(env, val, &sval) != napi_ok)
      return -1;
    name = string_dup(env, key, "header name", &nlen);
    if (name == NULL)
      return -1;
    value = string_dup(env, sval, "header value", &vlen);
    if (value == NULL) {
      free(name);
      return -1;
    }
    if (nlen == 0 || has_crlf(name, nlen) || has_crlf(value, vlen) ||
        memchr(name, ':', nlen) != NULL) {
      free(name);
      free(value);
      napi_throw_type_error(env, "ERR_INVALID_HTTP_TOKEN",
                            "invalid header name or value");
      return -1;
    }
    /* "Name;" sends an empty header ("Name:" would remove it). */
    line = malloc(nlen + vlen + 3);
    if (line != NULL) {
      if (vlen == 0)
        memcpy(line, name, nlen), line[nlen] = ';', line[nlen + 1] = '\0';
      else
        memcpy(line, name, nlen), memcpy(line + nlen, ": ", 2),
            memcpy(line + nlen + 2, value, vlen + 1);
    }
    free(name);
    free(value);
    l = line ? ferry_slist_append(r->headers_out, line) : NULL;
    free(line);
    if (l == NULL) {
      napi_throw_error(env, "OUT_OF_MEMORY", "out of memory");
      return -1;
    }
    r->headers_out = l;
  }
  return 0;
}

/* opts.body: a string (sent as UTF-8), a Buffer or any typed array. The
 * easy copies the bytes (COPYPOSTFIELDS). */
static int set_body(request *r, napi_value body) {
  napi_env env = r->a->env;
  napi_valuetype t;
  bool is_buf = false, is_ta = false;
  void *data = NULL;
  size_t len = 0;
  char *copy = NULL;
  ferry_code rc;

  napi_typeof(env, body, &t);
  if (t == napi_string) {
    copy = string_dup(env, body, "opts.body", &len);
    if (copy == NULL)
      return -1;
    data = copy;
  } else {
    napi_is_buffer(env, body, &is_buf);
    if (!is_buf)
      napi_is_typedarray(env, body, &is_ta);
    if (is_buf) {
      napi_get_buffer_info(env, body, &data, &len);
    } else if (is_ta) {
      napi_typedarray_type tt;
      size_t elems, off;
      napi_value ab;
      napi_get_typedarray_info(env, body, &tt, &elems, &data, &ab, &off);
      {
        /* byte length: elements times element size */
        static const size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
        len = elems * ((size_t)tt < sizeof(sizes) / sizeof(sizes[0])
                           ? sizes[tt] : 1);
      }
    } else {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                            "opts.body must be a string, Buffer or typed array");
      return -1;
    }
  }
  rc = ferry_easy_setopt(r->easy, FERRYOPT_POSTFIELDSIZE_LARGE, (ferry_off_t)len);
  if (rc == FERRYE_OK)
    rc = ferry_easy_setopt(r->easy, FERRYOPT_COPYPOSTFIELDS,
                           data ? (const char *)data : "");
  free(copy);
  if (rc != FERRYE_OK) {
    napi_throw_error(env, "OUT_OF_MEMORY", "could not set the request body");
    return -1;
  }
  return 0;
}

/* ---- ferry callbacks ---------------------------------------------------- */

static int grow(char **buf, size_t *cap, size_t need) {
  size_t c = *cap ? *cap : 1024;
  char *p;
  if (need <= *cap)
    return 0;
  while (c < need)
    c *= 2;
  p = realloc(*buf, c);
  if (p == NULL)
    return -1;
  *buf = p;
  *cap = c;
  return 0;
}

/* The raw header block has line `name:`? (case-insensitive) */
static int has_header(const request *r, const char *name) {
  size_t nl = strlen(name);
  const char *s = r->hdr, *end = r->hdr + r->hdr_len;
  while (s < end) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s);
    if (n > nl && strncasecmp(s, name, nl) == 0 && s[nl] == ':')
      return 1;
    s += n + 1;
  }
  return 0;
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud) {
  request *r = ud;
  size_t len = size * nitems;

  if (r->cancelled)
    return 0;
  if (len >= 12 && memcmp(p, "HTTP/", 5) == 0) {
    /* a new response (a 1xx, a redirect followed, or the final one) */
    const char *sp = memchr(p, ' ', len);
    r->hdr_len = 0;
    r->status = sp && (size_t)(sp - p) + 4 <= len ? atoi(sp + 1) : 0;
    return len;
  }
  if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
    /* The header block ended. A stream shows the head now, unless ferry
     * is about to follow this redirect (then the body never comes). */
    int redirect = r->follow && (r->status == 301 || r->status == 302 ||
                                 r->status == 303 || r->status == 307 ||
                                 r->status == 308) &&
                   has_header(r, "location");
    if (r->streaming && !r->head_sent && r->status >= 200 && !redirect &&
        fnode_emit_head(r) < 0)
      return 0;
    return len;
  }
  if (grow(&r->hdr, &r->hdr_cap, r->hdr_len + len) != 0)
    return 0;
  memcpy(r->hdr + r->hdr_len, p, len);
  r->hdr_len += len;
  return len;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
  request *r = ud;
  size_t len = size * nmemb;

  if (r->cancelled)
    return 0;
  if (r->streaming) {
    if (!r->head_sent && fnode_emit_head(r) < 0)
      return 0;
    if (fnode_emit_data(r, p, len) < 0)
      return 0;
    return len;
  }
  if (grow(&r->body, &r->body_cap, r->body_len + len) != 0)
    return 0; /* FERRYE_WRITE_ERROR */
  memcpy(r->body + r->body_len, p, len);
  r->body_len += len;
  return len;
}

/* ---- start and free ----------------------------------------------------- */

#define SETOPT(opt, val)                                                       \
  do {                                                                         \
    ferry_code rc_ = ferry_easy_setopt(r->easy, opt, val);                     \
    if (rc_ != FERRYE_OK) {                                                    \
      napi_throw_error(env, NULL, r->errbuf[0] ? r->errbuf                     \
                                               : ferry_easy_strerror(rc_));    \
      goto failed;                                                             \
    }                                                                          \
  } while (0)

request *fnode_request_new(addon *a, napi_value url, napi_value opts) {
  napi_env env = a->env;
  request *r;
  napi_value v;
  char *s = NULL;
  bool b;
  int64_t n;

  r = calloc(1, sizeof(*r));
  if (r == NULL) {
    napi_throw_error(env, "OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  r->a = a;
  r->easy = ferry_easy_init();
  if (r->easy == NULL) {
    free(r);
    napi_throw_error(env, "OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  SETOPT(FERRYOPT_ERRORBUFFER, r->errbuf);
  SETOPT(FERRYOPT_PRIVATE, (void *)r);
  SETOPT(FERRYOPT_WRITEFUNCTION, on_write);
  SETOPT(FERRYOPT_WRITEDATA, (void *)r);
  SETOPT(FERRYOPT_HEADERFUNCTION, on_header);
  SETOPT(FERRYOPT_HEADERDATA, (void *)r);

  s = string_dup(env, url, "url must be a string", NULL);
  if (s == NULL)
    goto failed;
  SETOPT(FERRYOPT_URL, s);
  free(s);
  s = NULL;

  if (opts != NULL && !is_nullish(env, opts)) {
    if ((v = opt_get(env, opts, "headers")) != NULL && set_headers(r, v) != 0)
      goto failed;
    if (r->headers_out)
      SETOPT(FERRYOPT_HTTPHEADER, r->headers_out);
    if ((v = opt_get(env, opts, "body")) != NULL && set_body(r, v) != 0)
      goto failed;
    if ((v = opt_get(env, opts, "method")) != NULL) {
      s = string_dup(env, v, "opts.method must be a string", NULL);
      if (s == NULL)
        goto failed;
      int has_body = opt_get(env, opts, "body") != NULL;
      if (strcmp(s, "HEAD") == 0)
        SETOPT(FERRYOPT_NOBODY, 1L);
      else if (strcmp(s, "POST") == 0 && !has_body)
        SETOPT(FERRYOPT_COPYPOSTFIELDS, ""); /* a POST with an empty body */
      else if ((strcmp(s, "GET") == 0 && has_body) ||
               (strcmp(s, "GET") != 0 && strcmp(s, "POST") != 0))
        SETOPT(FERRYOPT_CUSTOMREQUEST, s); /* a body alone would mean POST */
      free(s);
      s = NULL;
    }
    if ((v = opt_get(env, opts, "timeout")) != NULL) {
      if (napi_get_value_int64(env, v, &n) != napi_ok || n < 0) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              "opts.timeout must be a number of ms");
        goto failed;
      }
      SETOPT(FERRYOPT_TIMEOUT_MS, (long)n);
    }
    if ((v = opt_get(env, opts, "followRedirects")) != NULL &&
        napi_coerce_to_bool(env, v, &v) == napi_ok &&
        napi_get_value_bool(env, v, &b) == napi_ok && b) {
      SETOPT(FERRYOPT_FOLLOWLOCATION, 1L);
      r->follow = 1;
    }
    if ((v = opt_get(env, opts, "maxRedirects")) != NULL &&
        napi_get_value_int64(env, v, &n) == napi_ok)
      SETOPT(FERRYOPT_MAXREDIRS, (long)n);
    if ((v = opt_get(env, opts, "insecure")) != NULL &&
        napi_coerce_to_bool(env, v, &v) == napi_ok &&
        napi_get_value_bool(env, v, &b) == napi_ok && b) {
      SETOPT(FERRYOPT_SSL_VERIFYPEER, 0L);
      SETOPT(FERRYOPT_SSL_VERIFYHOST, 0L);
    }
    if ((v = opt_get(env, opts, "caFile")) != NULL) {
      s = string_dup(env, v, "opts.caFile must be a string", NULL);
      if (s == NULL)
        goto failed;
      SETOPT(FERRYOPT_CAINFO, s);
      free(s);
      s = NULL;
    }
    if ((v = opt_get(env, opts, "decompress")) != NULL &&
        napi_coerce_to_bool(env, v, &v) == napi_ok &&
        napi_get_value_bool(env, v, &b) == napi_ok && b)
      SETOPT(FERRYOPT_ACCEPT_ENCODING, ""); /* every encoding ferry decodes */
  }
  return r;

failed:
  free(s);
  fnode_request_free(r);
  return NULL;
}

int fnode_request_add(request *r) {
  addon *a = r->a;

  if (ferry_multi_add_handle(a->multi, r->easy) != FERRYM_OK)
    return -1;
  r->id = ++a->next_id;
  if (r->id == 0)
    r->id = ++a->next_id;
  r->next = a->live;
  if (a->live)
    a->live->prev = r;
  a->live = r;
  a->nlive++;
  a->started++;
  return 0;
}

request *fnode_request_start(addon *a, napi_value url, napi_value opts,
                             int streaming) {
  request *r = fnode_request_new(a, url, opts);

  if (r == NULL)
    return NULL;
  r->streaming = streaming;
  if (fnode_request_add(r) != 0) {
    napi_throw_error(a->env, NULL, "could not add the transfer");
    fnode_request_free(r);
    return NULL;
  }
  return r;
}

void fnode_request_free(request *r) {
  ferry_easy_cleanup(r->easy); /* before the header list it borrows */
  fnode_ws_free(r->ws);
  ferry_slist_free_all(r->headers_out);
  free(r->hdr);
  free(r->body);
  free(r);
}

/* ---- results as JS values ---------------------------------------------- */

typedef struct hfield {
  const char *name, *value;
  size_t nlen, vlen;
} hfield;

#define MAX_FIELDS 256

napi_status fnode_request_headers(request *r, napi_value *out) {
  napi_env env = r->a->env;
  hfield f[MAX_FIELDS];
  size_t nf = 0;
  const char *s = r->hdr, *end = r->hdr + r->hdr_len;
  char lname[256], *joined = NULL;
  size_t joined_cap = 0;
  napi_status st;

  st = napi_create_object(env, out);
  if (st != napi_ok)
    return st;
  /* split "Name: value\r\n" lines; ferry caps the header section */
  while (s < end && nf < MAX_FIELDS) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    const char *le = eol ? eol : end, *colon;
    const char *v, *ve = le;
    if (ve > s && ve[-1] == '\r')
      ve--;
    colon = memchr(s, ':', (size_t)(ve - s));
    if (colon != NULL && colon > s) {
      v = colon + 1;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      f[nf].name = s;
      f[nf].nlen = (size_t)(colon - s);
      f[nf].value = v;
      f[nf].vlen = (size_t)(ve - v);
      nf++;
    }
    s = le + 1;
  }
  for (size_t i = 0; i < nf; i++) {
    napi_value key, val;
    size_t nlen = f[i].nlen < sizeof(lname) ? f[i].nlen : sizeof(lname) - 1;
    size_t total = f[i].vlen, count = 1;
    int seen = 0;

    for (size_t j = 0; j < i && !seen; j++)
      seen = f[j].nlen == f[i].nlen &&
             strncasecmp(f[j].name, f[i].name, f[i].nlen) == 0;
    if (seen)
      continue; /* folded into the first occurrence */
    for (size_t k = 0; k < nlen; k++) {
      char c = f[i].name[k];
      lname[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    lname[nlen] = '\0';
    for (size_t j = i + 1; j < nf; j++)
      if (f[j].nlen == f[i].nlen &&
          strncasecmp(f[j].name, f[i].name, f[i].nlen) == 0)
        total += 2 + f[j].vlen, count++;
    if (count > 1 && strcmp(lname, "set-cookie") == 0) {
      uint32_t idx = 0;
      napi_create_array_with_length(env, count, &val);
      for (size_t j = i; j < nf; j++)
        if (f[j].nlen == f[i].nlen &&
            strncasecmp(f[j].name, f[i].name, f[i].nlen) == 0) {
          napi_value item;
          napi_create_string_latin1(env, f[j].value, f[j].vlen, &item);
          napi_set_element(env, val, idx++, item);
        }
    } else if (count > 1) {
      size_t off = 0;
      if (grow(&joined, &joined_cap, total) != 0) {
        free(joined);
        return napi_generic_failure;
      }
      for (size_t j = i; j < nf; j++)
        if (f[j].nlen == f[i].nlen &&
            strncasecmp(f[j].name, f[i].name, f[i].nlen) == 0) {
          if (off)
            memcpy(joined + off, ", ", 2), off += 2;
          memcpy(joined + off, f[j].value, f[j].vlen);
          off += f[j].vlen;
        }
      napi_create_string_latin1(env, joined, off, &val);
    } else {
      napi_create_string_latin1(env, f[i].value, f[i].vlen, &val);
    }
    napi_create_string_latin1(env, lname, nlen, &key);
    napi_set_property(env, *out, key, val);
  }
  free(joined);
  return napi_ok;
}

static void free_body(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

napi_status fnode_request_body(request *r, napi_value *out) {
  napi_env env = r->a->env;
  napi_status st;
  if (r->body_len <= COPY_BODY_MAX)
    return napi_create_buffer_copy(r->a->env, r->body_len,
                                   r->body ? r->body : "", NULL, out);
  st = napi_create_external_buffer(env, r->body_len, r->body, free_body, NULL,
                                   out);
  if (st == napi_ok) {
    r->body = NULL; /* the Buffer owns it now */
    r->body_len = r->body_cap = 0;
  } else {
    /* external buffers may be refused (a V8 sandbox): copy instead */
    st = napi_create_buffer_copy(env, r->body_len, r->body, NULL, out);
  }
  return st;
}
