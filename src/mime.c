/* The MIME API: a tree of parts, and the reader that turns it into a
 * multipart body as it is sent (see mime.h). The bytes follow what
 * libcurl 7.88 sends for the same calls; the tests hold them. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "mime.h"

/* 24 dashes, then 22 random letters and digits (as libcurl 8). */
#define BOUNDARY_DASHES 24
#define BOUNDARY_RANDOM 22

/* Base64 and quoted-printable lines are at most this long. */
#define LINE_MAX_CHARS 76

/* Raw bytes an encoder holds, and encoded bytes waiting for the reader. */
#define ENC_IN 4096
#define ENC_OUT 4096

struct ferry__mime_enc {
  unsigned char in[ENC_IN];
  size_t in_pos, in_len;
  int in_eof;            /* the content has no bytes beyond in[] */
  char out[ENC_OUT];
  size_t out_pos, out_len;
  unsigned line;         /* characters on the current output line */
};

/* What a step of the reader came to. */
typedef enum {
  RD_OK,    /* *got > 0 bytes were written */
  RD_EOF,   /* nothing more: this piece has ended */
  RD_PAUSE, /* a callback part paused */
  RD_FAIL   /* the body cannot go on; the top mime has the error */
} rd;

static const struct {
  const char *name;
  ferry__mime_enc_kind kind;
} encoders[] = {
    {"binary", FERRY__ENC_BINARY},
    {"8bit", FERRY__ENC_8BIT},
    {"7bit", FERRY__ENC_7BIT},
    {"base64", FERRY__ENC_BASE64},
    {"quoted-printable", FERRY__ENC_QP},
};

static const char *encoder_name(ferry__mime_enc_kind k) {
  for (size_t i = 0; i < sizeof(encoders) / sizeof(encoders[0]); i++)
    if (encoders[i].kind == k)
      return encoders[i].name;
  return NULL;
}

/* ---- the boundary ----------------------------------------------------- */

/* Random bytes: the kernel's, or when it has none to give, a generator
 * seeded from the clock and an address (a boundary needs to be unlikely
 * in the content, not secret). */
static void random_bytes(unsigned char *p, size_t n) {
  static uint64_t state;
  ssize_t got = getrandom(p, n, GRND_NONBLOCK);

  if (got == (ssize_t)n)
    return;
  if (state == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    state = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
            (uint64_t)(uintptr_t)&state;
    state |= 1;
  }
  for (size_t i = 0; i < n; i++) {
    state ^= state << 13; /* xorshift64 */
    state ^= state >> 7;
    state ^= state << 17;
    p[i] = (unsigned char)(state >> 24);
  }
}

static void make_boundary(ferry_mime *m) {
  static const char alnum[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  unsigned char r[64];
  size_t have = 0, used = sizeof(r);

  memset(m->boundary, '-', BOUNDARY_DASHES);
  while (have < BOUNDARY_RANDOM) {
    if (used == sizeof(r)) {
      random_bytes(r, sizeof(r));
      used = 0;
    }
    /* 248 = 4 * 62: taking only bytes below it keeps every character
     * equally likely */
    if (r[used] < 248)
      m->boundary[BOUNDARY_DASHES + have++] = alnum[r[used] % 62];
    used++;
  }
  m->blen = BOUNDARY_DASHES + BOUNDARY_RANDOM;
  m->boundary[m->blen] = '\0';
}

ferry_code ferry__mime_set_boundary(ferry_mime *m, const char *b) {
  size_t n;

  if (m == NULL || b == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  n = strlen(b);
  if (n == 0 || n > FERRY__MIME_BOUNDARY_MAX || strpbrk(b, "\r\n"))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  memcpy(m->boundary, b, n + 1);
  m->blen = n;
  return FERRYE_OK;
}

/* ---- building the tree ------------------------------------------------ */

ferry_mime *ferry_mime_init(ferry_easy *easy) {
  ferry_mime *m = ferry__calloc(1, sizeof(*m));

  (void)easy;
  if (m == NULL)
    return NULL;
  make_boundary(m);
  m->size = -1;
  m->stage = FERRY__MIME_DONE;
  return m;
}

static void part_close_file(ferry_mimepart *p) {
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
}

/* Drop the part's content (calling its freefunc, freeing its subparts);
 * the part then has none. */
static void part_clear_content(ferry_mimepart *p) {
  switch (p->kind) {
  case FERRY__MIME_DATA:
  case FERRY__MIME_FILE:
    ferry__free(p->data);
    break;
  case FERRY__MIME_CALLBACK:
    if (p->freefn)
      p->freefn(p->arg);
    break;
  case FERRY__MIME_MULTIPART:
    if (p->sub) {
      p->sub->parent = NULL;
      ferry_mime_free(p->sub);
    }
    break;
  case FERRY__MIME_NONE:
    break;
  }
  part_close_file(p);
  p->kind = FERRY__MIME_NONE;
  p->data = NULL;
  p->datalen = 0;
  p->cbsize = -1;
  p->readfn = NULL;
  p->seekfn = NULL;
  p->freefn = NULL;
  p->arg = NULL;
  p->sub = NULL;
}

static void part_set_headers(ferry_mimepart *p, ferry_slist *h, int own) {
  if (p->headers_owned && p->headers != h)
    ferry_slist_free_all(p->headers);
  p->headers = h;
  p->headers_owned = h != NULL && own;
}

static void part_free(ferry_mimepart *p) {
  part_clear_content(p);
  part_set_headers(p, NULL, 0);
  ferry__free(p->name);
  ferry__free(p->filename);
  ferry__free(p->type);
  ferry__free(p->head);
  ferry__free(p->enc);
  ferry__free(p);
}

void ferry_mime_free(ferry_mime *m) {
  ferry_mimepart *p, *next;

  if (m == NULL)
    return;
  if (m->parent) {
    /* nested in a part: that part has no content any more */
    m->parent->sub = NULL;
    m->parent->kind = FERRY__MIME_NONE;
    m->parent = NULL;
  }
  for (p = m->first; p != NULL; p = next) {
    next = p->next;
    part_free(p);
  }
  ferry__free(m->content_type);
  ferry__free(m);
}

ferry_mimepart *ferry_mime_addpart(ferry_mime *m) {
  ferry_mimepart *p;

  if (m == NULL)
    return NULL;
  p = ferry__calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->owner = m;
  p->fd = -1;
  p->cbsize = -1;
  p->rawsize = -1;
  p->size = -1;
  if (m->last)
    m->last->next = p;
  else
    m->first = p;
  m->last = p;
  return p;
}

/* Replace *dst with a copy of s (NULL clears it). */
static ferry_code set_copy(char **dst, const char *s) {
  char *copy = NULL;

  if (s != NULL && (copy = ferry__strdup(s)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry__free(*dst);
  *dst = copy;
  return FERRYE_OK;
}

ferry_code ferry_mime_name(ferry_mimepart *p, const char *name) {
  return p ? set_copy(&p->name, name) : FERRYE_BAD_FUNCTION_ARGUMENT;
}

ferry_code ferry_mime_filename(ferry_mimepart *p, const char *filename) {
  return p ? set_copy(&p->filename, filename) : FERRYE_BAD_FUNCTION_ARGUMENT;
}

ferry_code ferry_mime_type(ferry_mimepart *p, const char *mimetype) {
  return p ? set_copy(&p->type, mimetype) : FERRYE_BAD_FUNCTION_ARGUMENT;
}

ferry_code ferry_mime_encoder(ferry_mimepart *p, const char *encoding) {
  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (encoding == NULL) {
    p->encoder = FERRY__ENC_NONE;
    return FERRYE_OK;
  }
  for (size_t i = 0; i < sizeof(encoders) / sizeof(encoders[0]); i++) {
    if (strcasecmp(encoding, encoders[i].name) == 0) {
      p->encoder = encoders[i].kind;
      return FERRYE_OK;
    }
  }
  return FERRYE_BAD_FUNCTION_ARGUMENT;
}

ferry_code ferry_mime_data(ferry_mimepart *p, const char *data,
                           size_t datasize) {
  char *copy;

  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (data == NULL) {
    part_clear_content(p);
    return FERRYE_OK;
  }
  if (datasize == FERRY_ZERO_TERMINATED)
    datasize = strlen(data);
  if (datasize == SIZE_MAX || (copy = ferry__memdup0(data, datasize)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  part_clear_content(p);
  p->kind = FERRY__MIME_DATA;
  p->data = copy;
  p->datalen = datasize;
  return FERRYE_OK;
}

/* The last component of a path, as POSIX basename() makes it (trailing
 * slashes dropped; "/" for a path of slashes). A new string or NULL. */
static char *path_base(const char *path) {
  size_t end = strlen(path), start;

  while (end > 1 && path[end - 1] == '/')
    end--;
  start = end;
  while (start > 0 && path[start - 1] != '/')
    start--;
  if (start == end && end > 0) /* only slashes */
    return ferry__memdup0("/", 1);
  return ferry__memdup0(path + start, end - start);
}

ferry_code ferry_mime_filedata(ferry_mimepart *p, const char *filename) {
  char *path, *base;

  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (filename == NULL) {
    part_clear_content(p);
    return FERRYE_OK;
  }
  path = ferry__strdup(filename);
  base = path ? path_base(filename) : NULL;
  if (base == NULL) {
    ferry__free(path);
    return FERRYE_OUT_OF_MEMORY;
  }
  part_clear_content(p);
  p->kind = FERRY__MIME_FILE;
  p->data = path;
  ferry__free(p->filename);
  p->filename = base;
  /* libcurl sets the part all the same and tells the caller */
  return access(filename, R_OK) == 0 ? FERRYE_OK : FERRYE_READ_ERROR;
}

ferry_code ferry_mime_data_cb(ferry_mimepart *p, ferry_off_t datasize,
                              ferry_read_callback readfunc,
                              ferry_seek_callback seekfunc,
                              ferry_free_callback freefunc, void *arg) {
  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  part_clear_content(p);
  if (readfunc == NULL)
    return FERRYE_OK;
  p->kind = FERRY__MIME_CALLBACK;
  p->cbsize = datasize < 0 ? -1 : datasize;
  p->readfn = readfunc;
  p->seekfn = seekfunc;
  p->freefn = freefunc;
  p->arg = arg;
  return FERRYE_OK;
}

ferry_code ferry_mime_subparts(ferry_mimepart *p, ferry_mime *sub) {
  const ferry_mime *m;

  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (sub == NULL) {
    part_clear_content(p);
    return FERRYE_OK;
  }
  if (p->kind == FERRY__MIME_MULTIPART && p->sub == sub)
    return FERRYE_OK;
  if (sub->parent != NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT; /* another part has it */
  /* the part must not lie inside sub: that would be a loop */
  for (m = p->owner; m != NULL; m = m->parent ? m->parent->owner : NULL)
    if (m == sub)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
  part_clear_content(p);
  p->kind = FERRY__MIME_MULTIPART;
  p->sub = sub;
  sub->parent = p;
  return FERRYE_OK;
}

ferry_code ferry_mime_headers(ferry_mimepart *p, ferry_slist *headers,
                              int take_ownership) {
  if (p == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  part_set_headers(p, headers, take_ownership);
  return FERRYE_OK;
}

/* ---- copying (duphandle) ---------------------------------------------- */

static ferry_code dup_slist(ferry_slist **dst, const ferry_slist *src) {
  *dst = NULL;
  for (; src != NULL; src = src->next) {
    ferry_slist *l;
    if (src->data == NULL)
      continue;
    l = ferry_slist_append(*dst, src->data);
    if (l == NULL) {
      ferry_slist_free_all(*dst);
      *dst = NULL;
      return FERRYE_OUT_OF_MEMORY;
    }
    *dst = l;
  }
  return FERRYE_OK;
}

static ferry_code dup_part(ferry_mime *into, const ferry_mimepart *s) {
  ferry_mimepart *d = ferry_mime_addpart(into);
  ferry_slist *h = NULL;
  ferry_mime *sub = NULL;

  if (d == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (set_copy(&d->name, s->name) || set_copy(&d->filename, s->filename) ||
      set_copy(&d->type, s->type) || dup_slist(&h, s->headers))
    return FERRYE_OUT_OF_MEMORY;
  part_set_headers(d, h, 1);
  d->encoder = s->encoder;
  switch (s->kind) {
  case FERRY__MIME_DATA:
  case FERRY__MIME_FILE:
    d->data = ferry__memdup0(s->data, s->kind == FERRY__MIME_DATA
                                          ? s->datalen
                                          : strlen(s->data));
    if (d->data == NULL)
      return FERRYE_OUT_OF_MEMORY;
    d->kind = s->kind;
    d->datalen = s->datalen;
    break;
  case FERRY__MIME_CALLBACK:
    d->kind = s->kind;
    d->cbsize = s->cbsize;
    d->readfn = s->readfn;
    d->seekfn = s->seekfn;
    d->freefn = s->freefn;
    d->arg = s->arg;
    break;
  case FERRY__MIME_MULTIPART:
    if (ferry__mime_dup(&sub, s->sub) != FERRYE_OK)
      return FERRYE_OUT_OF_MEMORY;
    if (sub != NULL) {
      d->kind = s->kind;
      d->sub = sub;
      sub->parent = d;
    }
    break;
  case FERRY__MIME_NONE:
    break;
  }
  return FERRYE_OK;
}

ferry_code ferry__mime_dup(ferry_mime **out, const ferry_mime *src) {
  ferry_mime *m;

  *out = NULL;
  if (src == NULL)
    return FERRYE_OK;
  m = ferry_mime_init(NULL);
  if (m == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (const ferry_mimepart *p = src->first; p != NULL; p = p->next) {
    if (dup_part(m, p) != FERRYE_OK) {
      ferry_mime_free(m);
      return FERRYE_OUT_OF_MEMORY;
    }
  }
  *out = m;
  return FERRYE_OK;
}

/* ---- sizes -------------------------------------------------------------- */

static ferry_off_t base64_size(ferry_off_t n) {
  ferry_off_t groups = (n + 2) / 3;

  if (n <= 0)
    return 0;
  /* 19 groups (76 characters) a line; CRLF between lines */
  return 4 * groups + 2 * ((groups - 1) / (LINE_MAX_CHARS / 4));
}

/* Quoted-printable, as libcurl writes it: bytes 33 to 126 but '=' go as
 * they are, and so do a space and a tab unless a CRLF or the end follows
 * them; every other byte goes as "=XX". A CRLF of the content ends the
 * line. A line holds at most 75 characters and a soft break ("="), or 76
 * when the last one is followed by a CRLF or the end.
 *
 * Encodes from in[*pos] on, len bytes in all, into out (room bytes; out
 * NULL only counts). Without eof it stops where fewer than 3 bytes are
 * left, since whether a CRLF follows is not known yet. Returns the bytes
 * written (or counted); *pos moves past the bytes encoded. */
static size_t qp_encode(unsigned *line, const unsigned char *in, size_t len,
                        int eof, size_t *pos, char *out, size_t room) {
  static const char hex[] = "0123456789ABCDEF";
  size_t i = *pos, w = 0;

  while (i < len && (eof || len - i >= 3)) {
    unsigned char c = in[i];
    int at_end, crlf_next, literal;
    unsigned tok, limit;
    size_t need;

    if (c == '\r' && i + 1 < len && in[i + 1] == '\n') {
      if (room - w < 2)
        break;
      if (out) {
        out[w] = '\r';
        out[w + 1] = '\n';
      }
      w += 2;
      *line = 0;
      i += 2;
      continue;
    }
    at_end = eof && i + 1 == len;
    crlf_next = i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n';
    literal = (c >= 33 && c <= 126 && c != '=') ||
              ((c == ' ' || c == '\t') && !at_end && !crlf_next);
    tok = literal ? 1 : 3;
    limit = at_end || crlf_next ? LINE_MAX_CHARS : LINE_MAX_CHARS - 1;
    need = tok + (*line + tok > limit ? 3 : 0);
    if (room - w < need)
      break;
    if (*line + tok > limit) {
      if (out)
        memcpy(out + w, "=\r\n", 3);
      w += 3;
      *line = 0;
    }
    if (out) {
      if (literal) {
        out[w] = (char)c;
      } else {
        out[w] = '=';
        out[w + 1] = hex[c >> 4];
        out[w + 2] = hex[c & 15];
      }
    }
    w += tok;
    *line += tok;
    i++;
  }
  *pos = i;
  return w;
}

/* Base64 of in[*pos..len) into out: groups of 3 bytes (the last may be
 * shorter, at eof) as 4 characters, CRLF after each 76 characters when
 * more follow. Returns the bytes written; *pos moves on. */
static size_t base64_encode(unsigned *line, const unsigned char *in,
                            size_t len, int eof, size_t *pos, char *out,
                            size_t room) {
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = *pos, w = 0;

  while (room - w >= 6 && i < len && (eof || len - i >= 3)) {
    size_t take = len - i >= 3 ? 3 : len - i;
    unsigned v = (unsigned)in[i] << 16;

    if (take > 1)
      v |= (unsigned)in[i + 1] << 8;
    if (take > 2)
      v |= in[i + 2];
    if (*line >= LINE_MAX_CHARS) {
      out[w++] = '\r';
      out[w++] = '\n';
      *line = 0;
    }
    out[w++] = tab[(v >> 18) & 63];
    out[w++] = tab[(v >> 12) & 63];
    out[w++] = take > 1 ? tab[(v >> 6) & 63] : '=';
    out[w++] = take > 2 ? tab[v & 63] : '=';
    *line += 4;
    i += take;
  }
  *pos = i;
  return w;
}

/* The content's size once encoded, -1 when it cannot be known before it
 * is read (quoted-printable of anything but bytes in memory). */
static ferry_off_t encoded_size(const ferry_mimepart *p) {
  switch (p->encoder) {
  case FERRY__ENC_BASE64:
    return p->rawsize < 0 ? -1 : base64_size(p->rawsize);
  case FERRY__ENC_QP:
    if (p->rawsize == 0)
      return 0;
    if (p->kind == FERRY__MIME_DATA) {
      unsigned line = 0;
      size_t pos = 0;
      return (ferry_off_t)qp_encode(&line, (const unsigned char *)p->data,
                                    p->datalen, 1, &pos, NULL, SIZE_MAX);
    }
    return -1;
  default:
    return p->rawsize;
  }
}

/* ---- prepare: headers and sizes --------------------------------------- */

/* Is line a header called name (any case), "Name:"? Returns its value
 * (blanks after the colon skipped) or NULL. */
static const char *header_value(const char *line, const char *name) {
  size_t n = strlen(name);

  if (line == NULL || strncasecmp(line, name, n) != 0 || line[n] != ':')
    return NULL;
  line += n + 1;
  while (*line == ' ' || *line == '\t')
    line++;
  return line;
}

static const char *find_header(const ferry_slist *h, const char *name) {
  for (; h != NULL; h = h->next) {
    const char *v = header_value(h->data, name);
    if (v)
      return v;
  }
  return NULL;
}

/* Is the media type of a Content-Type value multipart/form-data? */
static int is_form_data(const char *type) {
  static const char fd[] = "multipart/form-data";
  size_t n = sizeof(fd) - 1;

  return type && strncasecmp(type, fd, n) == 0 &&
         (type[n] == '\0' || type[n] == ';' || type[n] == ' ' ||
          type[n] == '\t');
}

const char *ferry__mime_type_of(const char *filename) {
  static const struct {
    const char *ext, *type;
  } known[] = {
      {".gif", "image/gif"},       {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},     {".png", "image/png"},
      {".svg", "image/svg+xml"},   {".txt", "text/plain"},
      {".htm", "text/html"},       {".html", "text/html"},
      {".pdf", "application/pdf"}, {".xml", "application/xml"},
  };
  size_t len;

  if (filename == NULL)
    return NULL;
  len = strlen(filename);
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    size_t el = strlen(known[i].ext);
    if (len >= el && strcasecmp(filename + len - el, known[i].ext) == 0)
      return known[i].type;
  }
  return NULL;
}

/* Append a name or filename for a quoted parameter: '"', CR and LF as
 * %22, %0D and %0A, or with FORMESCAPE '\' and '"' after a backslash. */
static int add_escaped(ferry__buf *b, const char *s, long options) {
  for (; *s; s++) {
    const char *rep = NULL;
    char one[3] = {'\\', *s, '\0'};

    if (options & FERRYMIMEOPT_FORMESCAPE) {
      if (*s == '\\' || *s == '"')
        rep = one;
    } else {
      rep = *s == '"'    ? "%22"
            : *s == '\r' ? "%0D"
            : *s == '\n' ? "%0A"
                         : NULL;
    }
    if (rep ? ferry__buf_adds(b, rep) : ferry__buf_add(b, s, 1))
      return -1;
  }
  return 0;
}

static ferry_code mime_prepare(ferry_mime *m, const char *disposition,
                               long options);

/* The part's type when neither curl_mime_type nor a header of its own
 * sets one. */
static const char *default_type(const ferry_mimepart *p) {
  const char *t;

  switch (p->kind) {
  case FERRY__MIME_MULTIPART:
    return "multipart/mixed";
  case FERRY__MIME_FILE:
    if (p->filename == NULL)
      return NULL;
    t = ferry__mime_type_of(p->filename);
    if (t == NULL)
      t = ferry__mime_type_of(p->data);
    return t ? t : "application/octet-stream";
  default:
    return ferry__mime_type_of(p->filename);
  }
}

/* The size of the content as it stands now. */
static ferry_off_t raw_size(const ferry_mimepart *p) {
  struct stat st;

  switch (p->kind) {
  case FERRY__MIME_NONE:
    return 0;
  case FERRY__MIME_DATA:
    return (ferry_off_t)p->datalen;
  case FERRY__MIME_FILE:
    /* only a regular file's size can be known before it is read */
    if (stat(p->data, &st) == 0 && S_ISREG(st.st_mode))
      return (ferry_off_t)st.st_size;
    return -1;
  case FERRY__MIME_CALLBACK:
    return p->cbsize;
  case FERRY__MIME_MULTIPART:
    return p->sub->size;
  }
  return -1;
}

/* The part's header block and sizes. disposition is "form-data" when the
 * part is in a multipart/form-data, else NULL. */
static ferry_code part_prepare(ferry_mimepart *p, const char *disposition,
                               long options) {
  const char *own_type = find_header(p->headers, "Content-Type");
  const char *type = p->type ? p->type : own_type ? own_type : default_type(p);
  ferry__buf b;
  int bad = 0;

  if (p->kind == FERRY__MIME_MULTIPART) {
    ferry_code rc = mime_prepare(p->sub, is_form_data(type) ? "form-data"
                                                            : NULL,
                                 options);
    if (rc != FERRYE_OK)
      return rc;
  }
  ferry__buf_init(&b, SIZE_MAX / 2);
  if (!find_header(p->headers, "Content-Disposition")) {
    if (disposition == NULL && (p->name || p->filename))
      disposition = "attachment";
    if (disposition) {
      bad |= ferry__buf_cat(&b, "Content-Disposition: ", disposition, NULL);
      if (p->name)
        bad |= ferry__buf_adds(&b, "; name=\"") ||
               add_escaped(&b, p->name, options) || ferry__buf_adds(&b, "\"");
      if (p->filename)
        bad |= ferry__buf_adds(&b, "; filename=\"") ||
               add_escaped(&b, p->filename, options) ||
               ferry__buf_adds(&b, "\"");
      bad |= ferry__buf_adds(&b, "\r\n");
    }
  }
  if (type) {
    bad |= ferry__buf_cat(&b, "Content-Type: ", type, NULL);
    if (p->kind == FERRY__MIME_MULTIPART)
      bad |= ferry__buf_cat(&b, "; boundary=", p->sub->boundary, NULL);
    bad |= ferry__buf_adds(&b, "\r\n");
  }
  if (p->encoder != FERRY__ENC_NONE &&
      !find_header(p->headers, "Content-Transfer-Encoding"))
    bad |= ferry__buf_cat(&b, "Content-Transfer-Encoding: ",
                          encoder_name(p->encoder), "\r\n", NULL);
  for (const ferry_slist *h = p->headers; h != NULL; h = h->next) {
    if (h->data == NULL || header_value(h->data, "Content-Type"))
      continue;
    bad |= ferry__buf_cat(&b, h->data, "\r\n", NULL);
  }
  bad |= ferry__buf_adds(&b, "\r\n");
  if ((p->encoder == FERRY__ENC_BASE64 || p->encoder == FERRY__ENC_QP) &&
      p->enc == NULL && (p->enc = ferry__malloc(sizeof(*p->enc))) == NULL)
    bad = 1;
  if (bad) {
    ferry__buf_free(&b);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry__free(p->head);
  p->headlen = b.len;
  p->head = ferry__buf_take(&b);
  p->rawsize = raw_size(p);
  p->size = encoded_size(p);
  return FERRYE_OK;
}

/* Prepare every part of m; m->size is the body's size or -1. */
static ferry_code mime_prepare(ferry_mime *m, const char *disposition,
                               long options) {
  ferry_off_t size = 0;
  ferry_off_t delim = 2 + (ferry_off_t)m->blen + 2; /* "--" b CRLF */

  for (ferry_mimepart *p = m->first; p != NULL; p = p->next) {
    ferry_code rc = part_prepare(p, disposition, options);
    if (rc != FERRYE_OK)
      return rc;
    if (size >= 0 && p->size >= 0)
      size += delim + (ferry_off_t)p->headlen + p->size + 2;
    else
      size = -1;
  }
  m->size = size < 0 ? -1 : size + 2 + (ferry_off_t)m->blen + 4;
  return FERRYE_OK;
}

static rd fail(ferry_mime *root, ferry_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

ferry_code ferry__mime_prepare(ferry_mime *m, const char *content_type,
                               long options) {
  const char *type = content_type ? content_type : "multipart/form-data";
  ferry__buf b;
  ferry_code rc;

  if (m == NULL || m->parent != NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = mime_prepare(m, is_form_data(type) ? "form-data" : NULL, options);
  if (rc != FERRYE_OK)
    return rc;
  ferry__buf_init(&b, SIZE_MAX / 2);
  if (ferry__buf_cat(&b, type, "; boundary=", m->boundary, NULL)) {
    ferry__buf_free(&b);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry__free(m->content_type);
  m->content_type = ferry__buf_take(&b);
  /* callback parts a former transfer read start again */
  if (ferry__mime_seek(m, 0, SEEK_SET) != FERRY_SEEKFUNC_OK) {
    fail(m, FERRYE_SEND_FAIL_REWIND,
         "a part's read callback cannot be rewound to send it again");
    return FERRYE_SEND_FAIL_REWIND;
  }
  return FERRYE_OK;
}

ferry_off_t ferry__mime_size(const ferry_mime *m) { return m ? m->size : -1; }

const char *ferry__mime_content_type(const ferry_mime *m) {
  return m ? m->content_type : NULL;
}

ferry_code ferry__mime_error(const ferry_mime *m) {
  return m ? m->error : FERRYE_OK;
}

/* ---- reading ------------------------------------------------------------ */

static rd fail(ferry_mime *root, ferry_code code, const char *fmt, ...) {
  va_list ap;

  if (root->error == FERRYE_OK) {
    root->error = code;
    va_start(ap, fmt);
    vsnprintf(root->errtext, sizeof(root->errtext), fmt, ap);
    va_end(ap);
  }
  return RD_FAIL;
}

/* Copy the rest of the string a b c (a virtual concatenation) from *off
 * on into buf; 0 when *off is at its end. */
static size_t give_fixed(char *buf, size_t n, size_t *off, const char *a,
                         const char *b, size_t blen, const char *c) {
  const char *seg[3] = {a, b, c};
  size_t len[3] = {strlen(a), blen, strlen(c)};
  size_t skip = *off, w = 0;

  for (int i = 0; i < 3 && w < n; i++) {
    size_t k;
    if (skip >= len[i]) {
      skip -= len[i];
      continue;
    }
    k = len[i] - skip;
    if (k > n - w)
      k = n - w;
    memcpy(buf + w, seg[i] + skip, k);
    w += k;
    skip = 0;
  }
  *off += w;
  return w;
}

static rd mime_body_read(ferry_mime *root, ferry_mime *m, char *buf, size_t n,
                         size_t *got);

/* The part's content, as it is (before encoding). */
static rd raw_read(ferry_mime *root, ferry_mimepart *p, char *buf, size_t n,
                   size_t *got) {
  size_t want = n, r;
  ssize_t k;

  if (p->rawsize >= 0 && (ferry_off_t)want > p->rawsize - p->done)
    want = (size_t)(p->rawsize - p->done);
  switch (p->kind) {
  case FERRY__MIME_NONE:
    return RD_EOF;
  case FERRY__MIME_DATA:
    if (want == 0)
      return RD_EOF;
    memcpy(buf, p->data + p->done, want);
    p->done += (ferry_off_t)want;
    *got = want;
    return RD_OK;
  case FERRY__MIME_FILE:
    if (p->rawsize >= 0 && want == 0) {
      part_close_file(p);
      return RD_EOF;
    }
    if (p->fd < 0) {
      p->fd = open(p->data, O_RDONLY | O_CLOEXEC);
      if (p->fd < 0)
        return fail(root, FERRYE_READ_ERROR, "cannot open %s: %s", p->data,
                    strerror(errno));
    }
    do
      k = read(p->fd, buf, want);
    while (k < 0 && errno == EINTR);
    if (k < 0)
      return fail(root, FERRYE_READ_ERROR, "cannot read %s: %s", p->data,
                  strerror(errno));
    if (k == 0) {
      part_close_file(p);
      if (p->rawsize >= 0)
        return fail(root, FERRYE_READ_ERROR,
                    "%s ended after %lld of its %lld bytes", p->data,
                    (long long)p->done, (long long)p->rawsize);
      return RD_EOF;
    }
    p->done += k;
    if (p->rawsize >= 0 && p->done == p->rawsize)
      part_close_file(p); /* all of it: closed at once */
    *got = (size_t)k;
    return RD_OK;
  case FERRY__MIME_CALLBACK:
    if (want == 0)
      return RD_EOF;
    p->started = 1;
    r = p->readfn(buf, 1, want, p->arg);
    if (r == FERRY_READFUNC_PAUSE)
      return RD_PAUSE;
    if (r == FERRY_READFUNC_ABORT)
      return fail(root, FERRYE_ABORTED_BY_CALLBACK,
                  "operation aborted by callback");
    if (r > want)
      return fail(root, FERRYE_READ_ERROR,
                  "a part's read callback returned %zu for %zu bytes", r,
                  want);
    if (r == 0) {
      if (p->rawsize >= 0)
        return fail(root, FERRYE_READ_ERROR,
                    "a part's read callback ended after %lld of its %lld "
                    "bytes",
                    (long long)p->done, (long long)p->rawsize);
      return RD_EOF;
    }
    p->done += (ferry_off_t)r;
    *got = r;
    return RD_OK;
  case FERRY__MIME_MULTIPART:
    return mime_body_read(root, p->sub, buf, n, got);
  }
  return RD_EOF;
}

/* Base64 or quoted-printable: encode into enc->out, give from there. */
static rd encoded_read(ferry_mime *root, ferry_mimepart *p, char *buf,
                       size_t n, size_t *got) {
  struct ferry__mime_enc *e = p->enc;

  for (;;) {
    size_t avail = e->out_len - e->out_pos, made;
    size_t g = 0;
    rd r;

    if (avail) {
      if (avail > n)
        avail = n;
      memcpy(buf, e->out + e->out_pos, avail);
      e->out_pos += avail;
      *got = avail;
      return RD_OK;
    }
    e->out_pos = e->out_len = 0;
    if (p->encoder == FERRY__ENC_BASE64)
      made = base64_encode(&e->line, e->in, e->in_len, e->in_eof, &e->in_pos,
                           e->out, sizeof(e->out));
    else
      made = qp_encode(&e->line, e->in, e->in_len, e->in_eof, &e->in_pos,
                       e->out, sizeof(e->out));
    if (made) {
      e->out_len = made;
      continue;
    }
    if (e->in_eof)
      return RD_EOF;
    /* more content: keep the bytes not encoded yet at the front */
    memmove(e->in, e->in + e->in_pos, e->in_len - e->in_pos);
    e->in_len -= e->in_pos;
    e->in_pos = 0;
    r = raw_read(root, p, (char *)e->in + e->in_len, sizeof(e->in) - e->in_len,
                 &g);
    if (r == RD_OK)
      e->in_len += g;
    else if (r == RD_EOF)
      e->in_eof = 1;
    else
      return r;
  }
}

/* The part's content, encoded. */
static rd body_read(ferry_mime *root, ferry_mimepart *p, char *buf, size_t n,
                    size_t *got) {
  rd r;

  switch (p->encoder) {
  case FERRY__ENC_BASE64:
  case FERRY__ENC_QP:
    return encoded_read(root, p, buf, n, got);
  case FERRY__ENC_7BIT:
    if (p->bad7)
      return fail(root, FERRYE_READ_ERROR,
                  "a byte above 127 in a 7bit part");
    r = raw_read(root, p, buf, n, got);
    if (r == RD_OK) {
      for (size_t i = 0; i < *got; i++) {
        if ((unsigned char)buf[i] & 0x80) {
          if (i == 0)
            return fail(root, FERRYE_READ_ERROR,
                        "a byte above 127 in a 7bit part");
          /* give the bytes before it; the next read fails */
          p->bad7 = 1;
          *got = i;
          break;
        }
      }
    }
    return r;
  default:
    return raw_read(root, p, buf, n, got);
  }
}

static rd part_read(ferry_mime *root, ferry_mimepart *p, char *buf, size_t n,
                    size_t *got) {
  rd r;

  switch (p->stage) {
  case FERRY__PART_HEAD:
    if (p->headoff < p->headlen) {
      size_t k = p->headlen - p->headoff;
      if (k > n)
        k = n;
      memcpy(buf, p->head + p->headoff, k);
      p->headoff += k;
      *got = k;
      return RD_OK;
    }
    p->stage = FERRY__PART_BODY;
    /* fall through */
  case FERRY__PART_BODY:
    r = body_read(root, p, buf, n, got);
    if (r != RD_EOF)
      return r;
    p->stage = FERRY__PART_DONE;
    /* fall through */
  case FERRY__PART_DONE:
    break;
  }
  return RD_EOF;
}

static rd mime_body_read(ferry_mime *root, ferry_mime *m, char *buf, size_t n,
                         size_t *got) {
  size_t k;
  rd r;

  for (;;) {
    switch (m->stage) {
    case FERRY__MIME_OPEN:
      if (m->cur == NULL) {
        m->stage = FERRY__MIME_CLOSE;
        m->off = 0;
        continue;
      }
      k = give_fixed(buf, n, &m->off, "--", m->boundary, m->blen, "\r\n");
      if (k) {
        *got = k;
        return RD_OK;
      }
      m->stage = FERRY__MIME_PART;
      continue;
    case FERRY__MIME_PART:
      r = part_read(root, m->cur, buf, n, got);
      if (r != RD_EOF)
        return r;
      m->stage = FERRY__MIME_PART_END;
      m->off = 0;
      continue;
    case FERRY__MIME_PART_END:
      k = give_fixed(buf, n, &m->off, "\r\n", "", 0, "");
      if (k) {
        *got = k;
        return RD_OK;
      }
      m->cur = m->cur->next;
      m->stage = FERRY__MIME_OPEN;
      m->off = 0;
      continue;
    case FERRY__MIME_CLOSE:
      k = give_fixed(buf, n, &m->off, "--", m->boundary, m->blen, "--\r\n");
      if (k) {
        *got = k;
        return RD_OK;
      }
      m->stage = FERRY__MIME_DONE;
      continue;
    case FERRY__MIME_DONE:
      return RD_EOF;
    }
  }
}

size_t ferry__mime_read(char *buf, size_t size, size_t nitems, void *arg) {
  ferry_mime *m = arg;
  size_t n, total = 0;

  if (m == NULL || m->error != FERRYE_OK)
    return FERRY_READFUNC_ABORT;
  if (m->pause_pending) {
    /* a callback paused after bytes that went with the last read */
    m->pause_pending = 0;
    return FERRY_READFUNC_PAUSE;
  }
  n = nitems && size > SIZE_MAX / nitems ? SIZE_MAX : size * nitems;
  while (total < n) {
    size_t got = 0;
    rd r = mime_body_read(m, m, buf + total, n - total, &got);

    if (r == RD_OK) {
      total += got;
      m->total += (ferry_off_t)got;
      if (m->size >= 0 && m->total > m->size) {
        fail(m, FERRYE_READ_ERROR, "the form grew past its %lld bytes",
             (long long)m->size);
        return FERRY_READFUNC_ABORT;
      }
      continue;
    }
    if (r == RD_EOF) {
      if (m->size >= 0 && m->total != m->size) {
        fail(m, FERRYE_READ_ERROR, "the form ended after %lld of its %lld "
             "bytes", (long long)m->total, (long long)m->size);
        return FERRY_READFUNC_ABORT;
      }
      break;
    }
    /* bytes in hand go first: the pause or the error (kept in m->error)
     * comes with the next read */
    if (r == RD_PAUSE) {
      m->pause_pending = total > 0;
      return total ? total : FERRY_READFUNC_PAUSE;
    }
    return total ? total : FERRY_READFUNC_ABORT;
  }
  return total;
}

/* ---- rewinding ---------------------------------------------------------- */

static void mime_reset_reader(ferry_mime *m) {
  m->stage = FERRY__MIME_OPEN;
  m->cur = m->first;
  m->off = 0;
}

static int mime_rewind(ferry_mime *m);

static int part_rewind(ferry_mimepart *p) {
  p->stage = FERRY__PART_HEAD;
  p->headoff = 0;
  p->bad7 = 0;
  if (p->enc) {
    p->enc->in_pos = p->enc->in_len = 0;
    p->enc->out_pos = p->enc->out_len = 0;
    p->enc->in_eof = 0;
    p->enc->line = 0;
  }
  switch (p->kind) {
  case FERRY__MIME_FILE:
    part_close_file(p); /* opened again when its body starts */
    break;
  case FERRY__MIME_CALLBACK:
    if (p->started) {
      int rc;
      if (p->seekfn == NULL)
        return FERRY_SEEKFUNC_CANTSEEK;
      rc = p->seekfn(p->arg, 0, SEEK_SET);
      if (rc != FERRY_SEEKFUNC_OK)
        return rc;
      p->started = 0;
    }
    break;
  case FERRY__MIME_MULTIPART: {
    int rc = mime_rewind(p->sub);
    if (rc != FERRY_SEEKFUNC_OK)
      return rc;
    break;
  }
  default:
    break;
  }
  p->done = 0;
  return FERRY_SEEKFUNC_OK;
}

static int mime_rewind(ferry_mime *m) {
  mime_reset_reader(m);
  for (ferry_mimepart *p = m->first; p != NULL; p = p->next) {
    int rc = part_rewind(p);
    if (rc != FERRY_SEEKFUNC_OK)
      return rc;
  }
  return FERRY_SEEKFUNC_OK;
}

int ferry__mime_seek(void *arg, ferry_off_t offset, int origin) {
  ferry_mime *m = arg;
  int rc;

  if (m == NULL || origin != SEEK_SET || offset != 0)
    return FERRY_SEEKFUNC_CANTSEEK;
  rc = mime_rewind(m);
  m->total = 0;
  m->pause_pending = 0;
  if (rc == FERRY_SEEKFUNC_OK) {
    m->error = FERRYE_OK;
    m->errtext[0] = '\0';
  }
  return rc;
}
