/* The MIME API and the formadd API (src/mime.c, src/form.c): the exact
 * multipart bytes for every part kind, encoder and header rule, read with
 * any buffer size; sizes; files read as they are sent; rewinding; callback
 * pauses, aborts and wrong sizes; formadd's options and errors; formget;
 * every allocation failing in turn.
 *
 * The forms are built with libcurl's names through ferry's <curl/curl.h>,
 * and each expected body is what libcurl 7.88.1 (Debian 12's
 * libcurl4-openssl-dev 7.88.1-10+deb12u15) sent for the very same calls,
 * captured once from a local socket and written here as literals. ferry
 * is given libcurl's boundaries (ferry__mime_set_boundary) so the bytes
 * compare whole. libcurl sent quoted-printable parts chunked; ferry
 * knows the size of those in memory, which the tests check too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "easy.h"
#include "fx.h"
#include "mime.h"
#include "test.h"

#include <curl/curl.h>

/* ---- forms (the same calls as the libcurl program that captured them) ---- */

/* A read callback's source: bytes given `piece` at a time (0: as many as
 * asked), rewound by its seek callback. */
typedef struct cb_src {
  const char *data;
  size_t len, pos, piece;
  unsigned reads, seeks;
} cb_src;

static size_t cb_read(char *buf, size_t size, size_t nitems, void *arg) {
  cb_src *c = arg;
  size_t n = size * nitems;

  c->reads++;
  if (n > c->len - c->pos)
    n = c->len - c->pos;
  if (c->piece && n > c->piece)
    n = c->piece;
  memcpy(buf, c->data + c->pos, n);
  c->pos += n;
  return n;
}

static int cb_seek(void *arg, curl_off_t offset, int origin) {
  cb_src *c = arg;

  c->seeks++;
  if (origin != SEEK_SET || offset < 0 || (size_t)offset > c->len)
    return CURL_SEEKFUNC_FAIL;
  c->pos = (size_t)offset;
  return CURL_SEEKFUNC_OK;
}

static cb_src src_a, src_b;

/* dir/name in one of four static buffers. */
static const char *fpath(const char *dir, const char *name) {
  static char bufs[4][512];
  static unsigned slot;
  char *b = bufs[slot++ % 4];
  snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
  return b;
}

static curl_mimepart *add(curl_mime *m, const char *name) {
  curl_mimepart *p = curl_mime_addpart(m);
  if (name)
    curl_mime_name(p, name);
  return p;
}

/* A text field, a file field and a callback field. */
static curl_mime *form_text_file_callback(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  src_a = (cb_src){"callback data", 13, 0, 3, 0, 0};
  curl_mime_data(add(m, "text"), "hello", CURL_ZERO_TERMINATED);
  curl_mime_filedata(add(m, "file"), fpath(dir, "f.txt"));
  curl_mime_data_cb(add(m, "cb"), 13, cb_read, cb_seek, NULL, &src_a);
  return m;
}

/* A callback part of unknown size: the body's size is unknown. */
static curl_mime *form_callback_unknown_size(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  (void)dir;
  src_a = (cb_src){"callback data", 13, 0, 3, 0, 0};
  curl_mime_data_cb(add(m, "cb"), -1, cb_read, cb_seek, NULL, &src_a);
  return m;
}

/* A name and a filename with every byte that needs escaping. */
static curl_mime *form_escapes(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p = add(m, "a\"b\\c\rd\ne");
  (void)dir;
  curl_mime_data(p, "x", 1);
  curl_mime_filename(p, "f\"\\\r\n.txt");
  return m;
}

/* Default content types: data parts with filenames, file parts. */
static curl_mime *form_types(CURL *e, const char *dir) {
  static const char *const names[] = {
      "a.gif", "a.jpg", "a.JPEG", "a.png", "a.svg", "a.txt", "a.htm",
      "a.Html", "a.pdf", "a.xml", "a.bin", "noext", ".txt", "a.tar.gz"};
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    p = add(m, "d");
    curl_mime_data(p, "x", 1);
    curl_mime_filename(p, names[i]);
  }
  /* a file part: the type comes from the filename, else the file's own
   * name, else application/octet-stream; no filename, no type */
  curl_mime_filedata(add(m, "f1"), fpath(dir, "f.txt"));
  curl_mime_filedata(add(m, "f2"), fpath(dir, "data.bin"));
  curl_mime_filedata(add(m, "f3"), fpath(dir, "pic.PNG"));
  p = add(m, "f4");
  curl_mime_filedata(p, fpath(dir, "f.txt"));
  curl_mime_filename(p, "a.bin");
  p = add(m, "f5");
  curl_mime_filedata(p, fpath(dir, "data.bin"));
  curl_mime_filename(p, "b.bin");
  p = add(m, "f6");
  curl_mime_filedata(p, fpath(dir, "data.bin"));
  curl_mime_filename(p, "c.gif");
  p = add(m, "f7");
  curl_mime_filedata(p, fpath(dir, "f.txt"));
  curl_mime_filename(p, NULL);
  p = add(m, "t");
  curl_mime_data(p, "typed", CURL_ZERO_TERMINATED);
  curl_mime_type(p, "text/x-mine");
  p = add(m, "t2");
  curl_mime_filedata(p, fpath(dir, "f.txt"));
  curl_mime_type(p, "application/x-own");
  return m;
}

/* Every encoder on a short text, and a bad encoder name (ignored). */
static curl_mime *form_encoders(CURL *e, const char *dir) {
  static const char *const enc[] = {"binary", "8bit", "7bit", "base64",
                                    "quoted-printable", "BASE64"};
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
    p = add(m, enc[i]);
    curl_mime_data(p, "hello", CURL_ZERO_TERMINATED);
    curl_mime_encoder(p, enc[i]);
  }
  p = add(m, "bogus");
  curl_mime_data(p, "x", 1);
  curl_mime_encoder(p, "bogus");
  p = add(m, "file7");
  curl_mime_filedata(p, fpath(dir, "f.txt"));
  curl_mime_encoder(p, "7bit");
  return m;
}

/* base64 at the lengths where its lines and padding change. */
static curl_mime *form_base64(CURL *e, const char *dir) {
  static const char a[] =
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  static const size_t lens[] = {0, 1, 2, 3, 56, 57, 58, 113, 114, 115};
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    p = add(m, "b");
    curl_mime_data(p, a, lens[i]);
    curl_mime_encoder(p, "base64");
  }
  p = add(m, "file");
  curl_mime_filedata(p, fpath(dir, "all.bin"));
  curl_mime_encoder(p, "base64");
  src_a = (cb_src){a, 100, 0, 7, 0, 0};
  p = add(m, "cb");
  curl_mime_data_cb(p, 100, cb_read, cb_seek, NULL, &src_a);
  curl_mime_encoder(p, "base64");
  return m;
}

/* Quoted-printable where its rules meet: line lengths around 76, blanks
 * before a CRLF or the end, CR and LF alone, '='. */
static curl_mime *form_qp(CURL *e, const char *dir) {
  static const char a[] =
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  static const char *const tails[] = {
      "", "\r\nb", " b", " ", "\t", "=b", "\x80", "\x80\r\nb", " \r\n", "\r\n",
      "\r\r\n", "\n", " \n", "\r", " \r", "  \r\nb"};
  static const size_t heads[] = {0, 72, 73, 74, 75, 76, 77};
  curl_mime *m = curl_mime_init(e);
  char buf[200];
  for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
    for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
      curl_mimepart *p = add(m, "q");
      size_t n = heads[h], tl = strlen(tails[t]);
      memcpy(buf, a, n);
      memcpy(buf + n, tails[t], tl);
      curl_mime_data(p, buf, n + tl);
      curl_mime_encoder(p, "quoted-printable");
    }
  }
  return m;
}

/* Quoted-printable of every byte value, from memory, a file and a
 * callback. */
static curl_mime *form_qp_bytes(CURL *e, const char *dir) {
  static char all[512];
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  for (int i = 0; i < 512; i++)
    all[i] = (char)(i & 255);
  p = add(m, "mem");
  curl_mime_data(p, all, sizeof(all));
  curl_mime_encoder(p, "quoted-printable");
  p = add(m, "file");
  curl_mime_filedata(p, fpath(dir, "all.bin"));
  curl_mime_encoder(p, "quoted-printable");
  src_b = (cb_src){all, sizeof(all), 0, 5, 0, 0};
  p = add(m, "cb");
  curl_mime_data_cb(p, sizeof(all), cb_read, cb_seek, NULL, &src_b);
  curl_mime_encoder(p, "quoted-printable");
  return m;
}

/* A part's own headers, and how they meet the ones ferry makes. */
static curl_mime *form_headers(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  struct curl_slist *h;
  (void)dir;
  p = add(m, "plain");
  curl_mime_data(p, "body", 4);
  curl_mime_headers(p, curl_slist_append(NULL, "X-Foo: bar"), 1);
  p = add(m, "type");
  curl_mime_data(p, "body", 4);
  h = curl_slist_append(NULL, "content-type:   text/x-y  ");
  h = curl_slist_append(h, "Content-Type: second");
  h = curl_slist_append(h, "X-A: 1");
  curl_mime_headers(p, h, 1);
  p = add(m, "typeset");
  curl_mime_data(p, "body", 4);
  curl_mime_type(p, "text/plain");
  curl_mime_headers(p, curl_slist_append(NULL, "Content-Type: text/x-own"), 1);
  p = add(m, "disp");
  curl_mime_data(p, "body", 4);
  h = curl_slist_append(NULL, "X-Foo: bar");
  h = curl_slist_append(h, "Content-Disposition: attachment; name=\"zz\"");
  curl_mime_headers(p, h, 1);
  p = add(m, "cte");
  curl_mime_data(p, "body", 4);
  curl_mime_encoder(p, "base64");
  h = curl_slist_append(NULL, "X-Foo: bar");
  h = curl_slist_append(h, "Content-Transfer-Encoding: gzip");
  curl_mime_headers(p, h, 1);
  p = add(m, "enc");
  curl_mime_data(p, "body", 4);
  curl_mime_encoder(p, "base64");
  curl_mime_type(p, "text/x-b");
  curl_mime_headers(p, curl_slist_append(NULL, "X-Foo: bar"), 1);
  p = add(m, "odd");
  curl_mime_data(p, "y", 1);
  h = curl_slist_append(NULL, "Content-Typex: z");
  h = curl_slist_append(h, "Content-Type");
  h = curl_slist_append(h, "X-B:");
  curl_mime_headers(p, h, 1);
  p = add(m, "empty");
  curl_mime_data(p, "z", 1);
  curl_mime_headers(p, curl_slist_append(NULL, "Content-Type:"), 1);
  return m;
}

static void add_inner_parts(curl_mime *sub, const char *dir) {
  curl_mimepart *p;
  curl_mime_filedata(curl_mime_addpart(sub), fpath(dir, "f.txt"));
  curl_mime_data(curl_mime_addpart(sub), "inner", CURL_ZERO_TERMINATED);
  curl_mime_data(add(sub, "n2"), "named", CURL_ZERO_TERMINATED);
  p = curl_mime_addpart(sub);
  curl_mime_data(p, "typed", CURL_ZERO_TERMINATED);
  curl_mime_type(p, "text/plain");
}

/* Nested multiparts: mixed and form-data ones, two deep, one with a
 * filename, one base64-encoded, one empty. */
static curl_mime *form_subparts(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  curl_mime *sub, *deep;
  curl_mimepart *p;

  sub = curl_mime_init(e);
  add_inner_parts(sub, dir);
  curl_mime_subparts(add(m, "mixed"), sub);

  sub = curl_mime_init(e);
  add_inner_parts(sub, dir);
  p = add(m, "form");
  curl_mime_type(p, "multipart/form-data");
  curl_mime_filename(p, "dir");
  curl_mime_subparts(p, sub);

  sub = curl_mime_init(e);
  deep = curl_mime_init(e);
  curl_mime_data(add(deep, "d"), "deep", CURL_ZERO_TERMINATED);
  p = add(sub, "level1");
  curl_mime_subparts(p, deep);
  curl_mime_data(add(sub, "x"), "after", CURL_ZERO_TERMINATED);
  p = add(m, "nested");
  curl_mime_headers(p, curl_slist_append(NULL, "Content-Type: multipart/related; type=x"), 1);
  curl_mime_subparts(p, sub);

  sub = curl_mime_init(e);
  curl_mime_data(add(sub, "e"), "encoded", CURL_ZERO_TERMINATED);
  p = add(m, "b64");
  curl_mime_subparts(p, sub);
  curl_mime_encoder(p, "base64");

  curl_mime_subparts(add(m, "empty"), curl_mime_init(e));
  return m;
}

/* No parts at all. */
static curl_mime *form_empty(CURL *e, const char *dir) {
  (void)dir;
  return curl_mime_init(e);
}

/* Parts with no name or no content. */
static curl_mime *form_bare_parts(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  curl_mimepart *p;
  (void)dir;
  curl_mime_addpart(m);
  p = curl_mime_addpart(m);
  curl_mime_type(p, "text/html");
  p = curl_mime_addpart(m);
  curl_mime_data(p, "", 0);
  p = add(m, "reset");
  curl_mime_data(p, "gone", 4);
  curl_mime_data(p, NULL, 0);
  p = add(m, "");
  curl_mime_data(p, "nul\0byte", 8);
  return m;
}

/* A plain form for a Content-Type of the user's own. */
static curl_mime *form_two_fields(CURL *e, const char *dir) {
  curl_mime *m = curl_mime_init(e);
  (void)dir;
  curl_mime_data(add(m, "a"), "x", 1);
  curl_mime_data(add(m, "b"), "y", 1);
  return m;
}

/* A form with every formadd option; STREAM fields read src_a and src_b
 * through the transfer's READFUNCTION. */
static struct curl_httppost *formadd_everything(const char *dir,
                                                struct curl_slist *hdrs) {
  struct curl_httppost *post = NULL, *last = NULL;
  struct curl_forms arr[] = {{CURLFORM_COPYNAME, "arr"},
                             {CURLFORM_COPYCONTENTS, "array value"},
                             {CURLFORM_CONTENTSLENGTH, (char *)5},
                             {CURLFORM_END, NULL}};
  src_a = (cb_src){"stream data", 11, 0, 4, 0, 0};
  src_b = (cb_src){"stream two", 10, 0, 0, 0, 0};
  if (curl_formadd(&post, &last, CURLFORM_COPYNAME, "name",
                   CURLFORM_COPYCONTENTS, "content", CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "htmlcode",
                   CURLFORM_COPYCONTENTS, "<HTML></HTML>",
                   CURLFORM_CONTENTTYPE, "text/html", CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_PTRNAME, "ptrname and more",
                   CURLFORM_NAMELENGTH, 7L, CURLFORM_PTRCONTENTS,
                   "ptr\0contents", CURLFORM_CONTENTSLENGTH, 12L,
                   CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "len",
                   CURLFORM_COPYCONTENTS, "abcdef", CURLFORM_CONTENTLEN,
                   (curl_off_t)3, CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "fc",
                   CURLFORM_FILECONTENT, fpath(dir, "f.txt"), CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "file", CURLFORM_FILE,
                   fpath(dir, "f.txt"), CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "file2", CURLFORM_FILE,
                   fpath(dir, "data.bin"), CURLFORM_FILENAME, "other.gif",
                   CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "files", CURLFORM_FILE,
                   fpath(dir, "f.txt"), CURLFORM_FILE, fpath(dir, "data.bin"),
                   CURLFORM_CONTENTTYPE, "x/y", CURLFORM_FILE,
                   fpath(dir, "pic.PNG"), CURLFORM_FILE,
                   fpath(dir, "data.bin"), CURLFORM_FILENAME, "shown",
                   CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "buf", CURLFORM_BUFFER,
                   "data.html", CURLFORM_BUFFERPTR, "buffer\0data",
                   CURLFORM_BUFFERLENGTH, 11L, CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "buf2", CURLFORM_BUFFER,
                   "noext", CURLFORM_BUFFERPTR, "bufdata", CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "hdr",
                   CURLFORM_COPYCONTENTS, "v", CURLFORM_CONTENTHEADER, hdrs,
                   CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_ARRAY, arr, CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "st", CURLFORM_STREAM,
                   &src_a, CURLFORM_CONTENTSLENGTH, 11L, CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "st2", CURLFORM_STREAM,
                   &src_b, CURLFORM_CONTENTLEN, (curl_off_t)10,
                   CURLFORM_FILENAME, "s.txt", CURLFORM_END) ||
      curl_formadd(&post, &last, CURLFORM_COPYNAME, "q\"uote",
                   CURLFORM_FILECONTENT, fpath(dir, "f.txt"),
                   CURLFORM_FILENAME, "ignored.gif", CURLFORM_END)) {
    curl_formfree(post);
    return NULL;
  }
  return post;
}

/* ---- what libcurl 7.88.1 sent ------------------------------------------ */

/* text_file_callback: Content-Length, 399 bytes */
static const char *const text_file_callback_boundaries[] = {"------------------------e38540c8a1e62100", NULL};
static const char text_file_callback_type[] =
    "multipart/form-data; boundary=------------------------e38540c8a1e62100";
static const char text_file_callback_body[] =
    "--------------------------e38540c8a1e62100\r\n"
    "Content-Disposition: form-data; name=\"text\"\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------e38540c8a1e62100\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------e38540c8a1e62100\r\n"
    "Content-Disposition: form-data; name=\"cb\"\r\n"
    "\r\n"
    "callback data\r\n"
    "--------------------------e38540c8a1e62100--\r\n";

/* callback_unknown_size: chunked, 150 bytes */
static const char *const callback_unknown_size_boundaries[] = {"------------------------a1b7cd73f341fa08", NULL};
static const char callback_unknown_size_type[] =
    "multipart/form-data; boundary=------------------------a1b7cd73f341fa08";
static const char callback_unknown_size_body[] =
    "--------------------------a1b7cd73f341fa08\r\n"
    "Content-Disposition: form-data; name=\"cb\"\r\n"
    "\r\n"
    "callback data\r\n"
    "--------------------------a1b7cd73f341fa08--\r\n";

/* escapes: Content-Length, 205 bytes */
static const char *const escapes_boundaries[] = {"------------------------c6b82f3a65fdcc08", NULL};
static const char escapes_type[] =
    "multipart/form-data; boundary=------------------------c6b82f3a65fdcc08";
static const char escapes_body[] =
    "--------------------------c6b82f3a65fdcc08\r\n"
    "Content-Disposition: form-data; name=\"a%22b\\c%0Dd%0Ae\"; filename=\"f%22\\%0D%0A.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------c6b82f3a65fdcc08--\r\n";

/* escapes_formescape: Content-Length, 197 bytes */
static const char *const escapes_formescape_boundaries[] = {"------------------------40b99968d747c45c", NULL};
static const char escapes_formescape_type[] =
    "multipart/form-data; boundary=------------------------40b99968d747c45c";
static const char escapes_formescape_body[] =
    "--------------------------40b99968d747c45c\r\n"
    "Content-Disposition: form-data; name=\"a\\\"b\\\\c\rd\n"
    "e\"; filename=\"f\\\"\\\\\r\n"
    ".txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------40b99968d747c45c--\r\n";

/* types: Content-Length, 3179 bytes */
static const char *const types_boundaries[] = {"------------------------d2509101a31ec8d8", NULL};
static const char types_type[] =
    "multipart/form-data; boundary=------------------------d2509101a31ec8d8";
static const char types_body[] =
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.gif\"\r\n"
    "Content-Type: image/gif\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.JPEG\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.svg\"\r\n"
    "Content-Type: image/svg+xml\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.htm\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.Html\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.pdf\"\r\n"
    "Content-Type: application/pdf\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.xml\"\r\n"
    "Content-Type: application/xml\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.bin\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"noext\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\".txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"d\"; filename=\"a.tar.gz\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f1\"; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f2\"; filename=\"data.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f3\"; filename=\"pic.PNG\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f4\"; filename=\"a.bin\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f5\"; filename=\"b.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f6\"; filename=\"c.gif\"\r\n"
    "Content-Type: image/gif\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"f7\"\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"t\"\r\n"
    "Content-Type: text/x-mine\r\n"
    "\r\n"
    "typed\r\n"
    "--------------------------d2509101a31ec8d8\r\n"
    "Content-Disposition: form-data; name=\"t2\"; filename=\"f.txt\"\r\n"
    "Content-Type: application/x-own\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------d2509101a31ec8d8--\r\n";

/* encoders: chunked, 1154 bytes */
static const char *const encoders_boundaries[] = {"------------------------79fdf1f676e4f762", NULL};
static const char encoders_type[] =
    "multipart/form-data; boundary=------------------------79fdf1f676e4f762";
static const char encoders_body[] =
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"binary\"\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"8bit\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"7bit\"\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"base64\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8=\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"quoted-printable\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"BASE64\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8=\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"bogus\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------79fdf1f676e4f762\r\n"
    "Content-Disposition: form-data; name=\"file7\"; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------79fdf1f676e4f762--\r\n";

/* base64: Content-Length, 3162 bytes */
static const char *const base64_boundaries[] = {"------------------------d401b4486f9f047b", NULL};
static const char base64_type[] =
    "multipart/form-data; boundary=------------------------d401b4486f9f047b";
static const char base64_body[] =
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YQ==\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWE=\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFh\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YQ==\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"b\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YQ==\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"all.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\r\n"
    "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\r\n"
    "cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\r\n"
    "q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\r\n"
    "5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhsc\r\n"
    "HR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RV\r\n"
    "VldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2O\r\n"
    "j5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v8DBwsPExcbH\r\n"
    "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8=\r\n"
    "--------------------------d401b4486f9f047b\r\n"
    "Content-Disposition: form-data; name=\"cb\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n"
    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ==\r\n"
    "--------------------------d401b4486f9f047b--\r\n";

/* qp: chunked, 22891 bytes */
static const char *const qp_boundaries[] = {"------------------------cbc30698e4a15d81", NULL};
static const char qp_type[] =
    "multipart/form-data; boundary=------------------------cbc30698e4a15d81";
static const char qp_body[] =
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    " b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    " =0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    " =0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    " =20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa =\r\n"
    "=20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    " b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    " =0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    " =0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    " =20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a =0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a =0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "a =20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=20\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=09\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=3Db\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=80\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=80\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=20\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=0D\r\n"
    "\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa =0A\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa=0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa =0D\r\n"
    "--------------------------cbc30698e4a15d81\r\n"
    "Content-Disposition: form-data; name=\"q\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
    "aa =20\r\n"
    "b\r\n"
    "--------------------------cbc30698e4a15d81--\r\n";

/* qp_bytes: chunked, 4120 bytes */
static const char *const qp_bytes_boundaries[] = {"------------------------9be3a3d47efa9433", NULL};
static const char qp_bytes_type[] =
    "multipart/form-data; boundary=------------------------9be3a3d47efa9433";
static const char qp_bytes_body[] =
    "--------------------------9be3a3d47efa9433\r\n"
    "Content-Disposition: form-data; name=\"mem\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=00=01=02=03=04=05=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=\r\n"
    "=19=1A=1B=1C=1D=1E=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRS=\r\n"
    "TUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=\r\n"
    "=89=8A=8B=8C=8D=8E=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=\r\n"
    "=A2=A3=A4=A5=A6=A7=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=\r\n"
    "=BB=BC=BD=BE=BF=C0=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=\r\n"
    "=D4=D5=D6=D7=D8=D9=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=\r\n"
    "=ED=EE=EF=F0=F1=F2=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF=00=01=02=03=04=05=\r\n"
    "=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=19=1A=1B=1C=1D=1E=\r\n"
    "=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcde=\r\n"
    "fghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=89=8A=8B=8C=8D=8E=\r\n"
    "=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=A2=A3=A4=A5=A6=A7=\r\n"
    "=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=BB=BC=BD=BE=BF=C0=\r\n"
    "=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=D4=D5=D6=D7=D8=D9=\r\n"
    "=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=ED=EE=EF=F0=F1=F2=\r\n"
    "=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF\r\n"
    "--------------------------9be3a3d47efa9433\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"all.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=00=01=02=03=04=05=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=\r\n"
    "=19=1A=1B=1C=1D=1E=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRS=\r\n"
    "TUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=\r\n"
    "=89=8A=8B=8C=8D=8E=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=\r\n"
    "=A2=A3=A4=A5=A6=A7=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=\r\n"
    "=BB=BC=BD=BE=BF=C0=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=\r\n"
    "=D4=D5=D6=D7=D8=D9=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=\r\n"
    "=ED=EE=EF=F0=F1=F2=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF=00=01=02=03=04=05=\r\n"
    "=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=19=1A=1B=1C=1D=1E=\r\n"
    "=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcde=\r\n"
    "fghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=89=8A=8B=8C=8D=8E=\r\n"
    "=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=A2=A3=A4=A5=A6=A7=\r\n"
    "=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=BB=BC=BD=BE=BF=C0=\r\n"
    "=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=D4=D5=D6=D7=D8=D9=\r\n"
    "=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=ED=EE=EF=F0=F1=F2=\r\n"
    "=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF\r\n"
    "--------------------------9be3a3d47efa9433\r\n"
    "Content-Disposition: form-data; name=\"cb\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=00=01=02=03=04=05=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=\r\n"
    "=19=1A=1B=1C=1D=1E=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRS=\r\n"
    "TUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=\r\n"
    "=89=8A=8B=8C=8D=8E=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=\r\n"
    "=A2=A3=A4=A5=A6=A7=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=\r\n"
    "=BB=BC=BD=BE=BF=C0=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=\r\n"
    "=D4=D5=D6=D7=D8=D9=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=\r\n"
    "=ED=EE=EF=F0=F1=F2=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF=00=01=02=03=04=05=\r\n"
    "=06=07=08\t=0A=0B=0C=0D=0E=0F=10=11=12=13=14=15=16=17=18=19=1A=1B=1C=1D=1E=\r\n"
    "=1F !\"#$%&'()*+,-./0123456789:;<=3D>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcde=\r\n"
    "fghijklmnopqrstuvwxyz{|}~=7F=80=81=82=83=84=85=86=87=88=89=8A=8B=8C=8D=8E=\r\n"
    "=8F=90=91=92=93=94=95=96=97=98=99=9A=9B=9C=9D=9E=9F=A0=A1=A2=A3=A4=A5=A6=A7=\r\n"
    "=A8=A9=AA=AB=AC=AD=AE=AF=B0=B1=B2=B3=B4=B5=B6=B7=B8=B9=BA=BB=BC=BD=BE=BF=C0=\r\n"
    "=C1=C2=C3=C4=C5=C6=C7=C8=C9=CA=CB=CC=CD=CE=CF=D0=D1=D2=D3=D4=D5=D6=D7=D8=D9=\r\n"
    "=DA=DB=DC=DD=DE=DF=E0=E1=E2=E3=E4=E5=E6=E7=E8=E9=EA=EB=EC=ED=EE=EF=F0=F1=F2=\r\n"
    "=F3=F4=F5=F6=F7=F8=F9=FA=FB=FC=FD=FE=FF\r\n"
    "--------------------------9be3a3d47efa9433--\r\n";

/* headers: Content-Length, 1079 bytes */
static const char *const headers_boundaries[] = {"------------------------68f9ea781a7bcca9", NULL};
static const char headers_type[] =
    "multipart/form-data; boundary=------------------------68f9ea781a7bcca9";
static const char headers_body[] =
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"plain\"\r\n"
    "X-Foo: bar\r\n"
    "\r\n"
    "body\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"type\"\r\n"
    "Content-Type: text/x-y  \r\n"
    "X-A: 1\r\n"
    "\r\n"
    "body\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"typeset\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "body\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "X-Foo: bar\r\n"
    "Content-Disposition: attachment; name=\"zz\"\r\n"
    "\r\n"
    "body\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"cte\"\r\n"
    "X-Foo: bar\r\n"
    "Content-Transfer-Encoding: gzip\r\n"
    "\r\n"
    "Ym9keQ==\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"enc\"\r\n"
    "Content-Type: text/x-b\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "X-Foo: bar\r\n"
    "\r\n"
    "Ym9keQ==\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"odd\"\r\n"
    "Content-Typex: z\r\n"
    "Content-Type\r\n"
    "X-B:\r\n"
    "\r\n"
    "y\r\n"
    "--------------------------68f9ea781a7bcca9\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "Content-Type: \r\n"
    "\r\n"
    "z\r\n"
    "--------------------------68f9ea781a7bcca9--\r\n";

/* subparts: Content-Length, 2582 bytes */
static const char *const subparts_boundaries[] = {"------------------------3dd6ce2b1dd0ad99", "------------------------98a661075a85daae", "------------------------9e313245b69c7dc4", "------------------------9b243fa1bb47b72c", "------------------------85383dedbfa700b8", "------------------------bd5102fdc9ab5aff", "------------------------d19c357de8787bb7", NULL};
static const char subparts_type[] =
    "multipart/form-data; boundary=------------------------3dd6ce2b1dd0ad99";
static const char subparts_body[] =
    "--------------------------3dd6ce2b1dd0ad99\r\n"
    "Content-Disposition: form-data; name=\"mixed\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------98a661075a85daae\r\n"
    "\r\n"
    "--------------------------98a661075a85daae\r\n"
    "Content-Disposition: attachment; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------98a661075a85daae\r\n"
    "\r\n"
    "inner\r\n"
    "--------------------------98a661075a85daae\r\n"
    "Content-Disposition: attachment; name=\"n2\"\r\n"
    "\r\n"
    "named\r\n"
    "--------------------------98a661075a85daae\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "typed\r\n"
    "--------------------------98a661075a85daae--\r\n"
    "\r\n"
    "--------------------------3dd6ce2b1dd0ad99\r\n"
    "Content-Disposition: form-data; name=\"form\"; filename=\"dir\"\r\n"
    "Content-Type: multipart/form-data; boundary=------------------------9e313245b69c7dc4\r\n"
    "\r\n"
    "--------------------------9e313245b69c7dc4\r\n"
    "Content-Disposition: form-data; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------9e313245b69c7dc4\r\n"
    "Content-Disposition: form-data\r\n"
    "\r\n"
    "inner\r\n"
    "--------------------------9e313245b69c7dc4\r\n"
    "Content-Disposition: form-data; name=\"n2\"\r\n"
    "\r\n"
    "named\r\n"
    "--------------------------9e313245b69c7dc4\r\n"
    "Content-Disposition: form-data\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "typed\r\n"
    "--------------------------9e313245b69c7dc4--\r\n"
    "\r\n"
    "--------------------------3dd6ce2b1dd0ad99\r\n"
    "Content-Disposition: form-data; name=\"nested\"\r\n"
    "Content-Type: multipart/related; type=x; boundary=------------------------9b243fa1bb47b72c\r\n"
    "\r\n"
    "--------------------------9b243fa1bb47b72c\r\n"
    "Content-Disposition: attachment; name=\"level1\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------85383dedbfa700b8\r\n"
    "\r\n"
    "--------------------------85383dedbfa700b8\r\n"
    "Content-Disposition: attachment; name=\"d\"\r\n"
    "\r\n"
    "deep\r\n"
    "--------------------------85383dedbfa700b8--\r\n"
    "\r\n"
    "--------------------------9b243fa1bb47b72c\r\n"
    "Content-Disposition: attachment; name=\"x\"\r\n"
    "\r\n"
    "after\r\n"
    "--------------------------9b243fa1bb47b72c--\r\n"
    "\r\n"
    "--------------------------3dd6ce2b1dd0ad99\r\n"
    "Content-Disposition: form-data; name=\"b64\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------bd5102fdc9ab5aff\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "LS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS1iZDUxMDJmZGM5YWI1YWZmDQpDb250ZW50LURpc3Bv\r\n"
    "c2l0aW9uOiBhdHRhY2htZW50OyBuYW1lPSJlIg0KDQplbmNvZGVkDQotLS0tLS0tLS0tLS0tLS0t\r\n"
    "LS0tLS0tLS0tLWJkNTEwMmZkYzlhYjVhZmYtLQ0K\r\n"
    "--------------------------3dd6ce2b1dd0ad99\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------d19c357de8787bb7\r\n"
    "\r\n"
    "--------------------------d19c357de8787bb7--\r\n"
    "\r\n"
    "--------------------------3dd6ce2b1dd0ad99--\r\n";

/* empty: Content-Length, 46 bytes */
static const char *const empty_boundaries[] = {"------------------------0055012d409e5b7f", NULL};
static const char empty_type[] =
    "multipart/form-data; boundary=------------------------0055012d409e5b7f";
static const char empty_body[] =
    "--------------------------0055012d409e5b7f--\r\n";

/* bare_parts: Content-Length, 502 bytes */
static const char *const bare_parts_boundaries[] = {"------------------------3ff377002dcd2592", NULL};
static const char bare_parts_type[] =
    "multipart/form-data; boundary=------------------------3ff377002dcd2592";
static const char bare_parts_body[] =
    "--------------------------3ff377002dcd2592\r\n"
    "Content-Disposition: form-data\r\n"
    "\r\n"
    "\r\n"
    "--------------------------3ff377002dcd2592\r\n"
    "Content-Disposition: form-data\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "\r\n"
    "--------------------------3ff377002dcd2592\r\n"
    "Content-Disposition: form-data\r\n"
    "\r\n"
    "\r\n"
    "--------------------------3ff377002dcd2592\r\n"
    "Content-Disposition: form-data; name=\"reset\"\r\n"
    "\r\n"
    "\r\n"
    "--------------------------3ff377002dcd2592\r\n"
    "Content-Disposition: form-data; name=\"\"\r\n"
    "\r\n"
    "nul\x00""byte\r\n"
    "--------------------------3ff377002dcd2592--\r\n";

/* related: Content-Length, 230 bytes */
static const char *const related_boundaries[] = {"------------------------8e0c4e228dca365a", NULL};
static const char related_type[] =
    "multipart/related; boundary=------------------------8e0c4e228dca365a";
static const char related_body[] =
    "--------------------------8e0c4e228dca365a\r\n"
    "Content-Disposition: attachment; name=\"a\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------8e0c4e228dca365a\r\n"
    "Content-Disposition: attachment; name=\"b\"\r\n"
    "\r\n"
    "y\r\n"
    "--------------------------8e0c4e228dca365a--\r\n";

/* text_plain: Content-Length, 230 bytes */
static const char *const text_plain_boundaries[] = {"------------------------a49c43b0325f44c1", NULL};
static const char text_plain_type[] =
    "text/plain; boundary=------------------------a49c43b0325f44c1";
static const char text_plain_body[] =
    "--------------------------a49c43b0325f44c1\r\n"
    "Content-Disposition: attachment; name=\"a\"\r\n"
    "\r\n"
    "x\r\n"
    "--------------------------a49c43b0325f44c1\r\n"
    "Content-Disposition: attachment; name=\"b\"\r\n"
    "\r\n"
    "y\r\n"
    "--------------------------a49c43b0325f44c1--\r\n";

/* httppost: Content-Length, 2557 bytes */
static const char *const httppost_boundaries[] = {"------------------------250b1ed9f2804364", "------------------------fa753a89ab348d3a", NULL};
static const char httppost_type[] =
    "multipart/form-data; boundary=------------------------250b1ed9f2804364";
static const char httppost_body[] =
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"name\"\r\n"
    "\r\n"
    "content\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"htmlcode\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<HTML></HTML>\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"ptrname\"\r\n"
    "\r\n"
    "ptr\x00""contents\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"len\"\r\n"
    "\r\n"
    "abc\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"fc\"\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"file2\"; filename=\"other.gif\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"files\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------fa753a89ab348d3a\r\n"
    "\r\n"
    "--------------------------fa753a89ab348d3a\r\n"
    "Content-Disposition: attachment; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------fa753a89ab348d3a\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Type: x/y\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------fa753a89ab348d3a\r\n"
    "Content-Disposition: attachment; filename=\"pic.PNG\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------fa753a89ab348d3a\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------fa753a89ab348d3a--\r\n"
    "\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"buf\"; filename=\"data.html\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "buffer\x00""data\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"buf2\"; filename=\"noext\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "bufdata\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"hdr\"\r\n"
    "X-Part: yes\r\n"
    "\r\n"
    "v\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"arr\"\r\n"
    "\r\n"
    "array\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"st\"\r\n"
    "\r\n"
    "stream data\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"st2\"; filename=\"s.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "stream two\r\n"
    "--------------------------250b1ed9f2804364\r\n"
    "Content-Disposition: form-data; name=\"q%22uote\"\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------250b1ed9f2804364--\r\n";

/* formget: 2624 bytes */
static const char formget_out[] =
    "Content-Type: multipart/form-data; boundary=------------------------7204a2d5d8bd04aa\r\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"name\"\r\n"
    "\r\n"
    "content\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"htmlcode\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<HTML></HTML>\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"ptrname\"\r\n"
    "\r\n"
    "ptr\x00""contents\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"len\"\r\n"
    "\r\n"
    "abc\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"fc\"\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"file2\"; filename=\"other.gif\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"files\"\r\n"
    "Content-Type: multipart/mixed; boundary=------------------------7bdc05a8e600eb7d\r\n"
    "\r\n"
    "--------------------------7bdc05a8e600eb7d\r\n"
    "Content-Disposition: attachment; filename=\"f.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7bdc05a8e600eb7d\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Type: x/y\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7bdc05a8e600eb7d\r\n"
    "Content-Disposition: attachment; filename=\"pic.PNG\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7bdc05a8e600eb7d\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7bdc05a8e600eb7d--\r\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"buf\"; filename=\"data.html\"\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "buffer\x00""data\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"buf2\"; filename=\"noext\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "bufdata\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"hdr\"\r\n"
    "X-Part: yes\r\n"
    "\r\n"
    "v\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"arr\"\r\n"
    "\r\n"
    "array\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"st\"\r\n"
    "\r\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"st2\"; filename=\"s.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa\r\n"
    "Content-Disposition: form-data; name=\"q%22uote\"\r\n"
    "\r\n"
    "file contents\n"
    "\r\n"
    "--------------------------7204a2d5d8bd04aa--\r\n";

/* ---- helpers ------------------------------------------------------------ */

/* A folder with the files the forms send: f.txt and data.bin ("file
 * contents\n"), pic.PNG (the same), all.bin (every byte value, twice). */
static char fixture[64];

static int write_file(const char *dir, const char *name, const void *p,
                      size_t n) {
  FILE *f = fopen(fpath(dir, name), "wb");
  if (f == NULL)
    return -1;
  if (fwrite(p, 1, n, f) != n) {
    fclose(f);
    return -1;
  }
  return fclose(f);
}

static const char *fixture_make(void) {
  unsigned char all[512];
  for (int i = 0; i < 512; i++)
    all[i] = (unsigned char)i;
  snprintf(fixture, sizeof(fixture), "/tmp/ferry-mime-XXXXXX");
  if (mkdtemp(fixture) == NULL)
    return NULL;
  if (write_file(fixture, "f.txt", "file contents\n", 14) ||
      write_file(fixture, "data.bin", "file contents\n", 14) ||
      write_file(fixture, "pic.PNG", "file contents\n", 14) ||
      write_file(fixture, "all.bin", all, sizeof(all)))
    return NULL;
  return fixture;
}

static void fixture_remove(void) {
  DIR *d = opendir(fixture);
  struct dirent *de;
  if (d == NULL)
    return;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.')
      unlink(fpath(fixture, de->d_name));
  closedir(d);
  rmdir(fixture);
}

/* Give m and its nested mimes the boundaries b, in the order they appear
 * in the body (the top one first). */
static int set_boundaries(ferry_mime *m, const char *const **b) {
  if (**b == NULL || ferry__mime_set_boundary(m, **b) != FERRYE_OK)
    return -1;
  (*b)++;
  for (ferry_mimepart *p = m->first; p != NULL; p = p->next)
    if (p->kind == FERRY__MIME_MULTIPART && set_boundaries(p->sub, b))
      return -1;
  return 0;
}

/* Read the prepared body with reads of `step` bytes. Returns a malloc'd
 * copy (with a NUL after it) and its length in *len; NULL when a read
 * aborted or paused (*last is what it returned). */
static char *read_body(ferry_mime *m, size_t step, size_t *len,
                       size_t *last) {
  size_t cap = 4096, n = 0;
  char *out = malloc(cap + 1);

  *last = 0;
  for (;;) {
    size_t got;
    if (n + step > cap) {
      cap = (n + step) * 2;
      out = realloc(out, cap + 1);
    }
    got = ferry__mime_read(out + n, 1, step, m);
    if (got == 0)
      break;
    if (got > step) {
      *last = got;
      free(out);
      return NULL;
    }
    n += got;
  }
  out[n] = '\0';
  *len = n;
  return out;
}

/* One form: how to build it, what libcurl sent for it. */
typedef struct scenario {
  curl_mime *(*build)(CURL *e, const char *dir);
  const char *content_type;   /* a user's own Content-Type, or NULL */
  long options;               /* MIME_OPTIONS */
  const char *const *boundaries;
  const char *type;           /* the request's Content-Type value */
  const char *body;
  size_t body_len;
  int size_known;             /* does ferry know the size beforehand? */
} scenario;

#define SCENARIO(name, build, ct, opts, known)                                 \
  {build,        ct,           opts, name##_boundaries, name##_type,           \
   name##_body,  sizeof(name##_body) - 1, known}

/* Build the form, prepare it with libcurl's boundaries, and read it with
 * several buffer sizes (rewinding in between): every read gives libcurl's
 * bytes, and a known size is their number. */
static int check_scenario(const scenario *s) {
  static const size_t steps[] = {1, 2, 3, 7, 76, 16384};
  const char *dir = fixture_make();
  CURL *e = curl_easy_init();
  curl_mime *m;
  const char *const *b;

  ASSERT_NOT_NULL(dir);
  ASSERT_NOT_NULL(e);
  m = s->build(e, dir);
  ASSERT_NOT_NULL(m);
  b = s->boundaries;
  ASSERT_EQ(set_boundaries(m, &b), 0);
  ASSERT_NULL(*b); /* every boundary was used */
  ASSERT_EQ(ferry__mime_prepare(m, s->content_type, s->options), FERRYE_OK);
  ASSERT_STR_EQ(ferry__mime_content_type(m), s->type);
  if (s->size_known)
    ASSERT_EQ(ferry__mime_size(m), s->body_len);
  else
    ASSERT_EQ(ferry__mime_size(m), -1);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    size_t len = 0, last = 0;
    char *got;
    ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
    got = read_body(m, steps[i], &len, &last);
    if (got == NULL)
      TEST_FAIL_("reads of %zu bytes stopped with %zu (%s)", steps[i], last,
                 m->errtext);
    if (len != s->body_len || memcmp(got, s->body, len) != 0) {
      size_t at = 0;
      while (at < len && at < s->body_len && got[at] == s->body[at])
        at++;
      fprintf(stderr, "  reads of %zu bytes: %zu bytes, want %zu; first "
              "difference at %zu: \"%.60s\"\n", steps[i], len, s->body_len,
              at, got + at);
      free(got);
      return 1;
    }
    free(got);
  }
  curl_mime_free(m);
  curl_easy_cleanup(e);
  fixture_remove();
  return 0;
}

/* ---- bytes, as libcurl sends them --------------------------------------- */

TEST_IMPL(mime_text_file_and_callback_fields_match_libcurl) {
  const scenario s = SCENARIO(text_file_callback, form_text_file_callback,
                              NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_callback_of_unknown_size_leaves_the_size_unknown) {
  const scenario s = SCENARIO(callback_unknown_size,
                              form_callback_unknown_size, NULL, 0, 0);
  return check_scenario(&s);
}

TEST_IMPL(mime_names_are_percent_escaped_or_backslash_escaped) {
  const scenario pct = SCENARIO(escapes, form_escapes, NULL, 0, 1);
  const scenario bsl = SCENARIO(escapes_formescape, form_escapes, NULL,
                                CURLMIMEOPT_FORMESCAPE, 1);
  return check_scenario(&pct) || check_scenario(&bsl);
}

TEST_IMPL(mime_default_content_types_follow_filenames_like_libcurl) {
  const scenario s = SCENARIO(types, form_types, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_every_encoder_matches_libcurl) {
  const scenario s = SCENARIO(encoders, form_encoders, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_base64_lines_and_padding_match_libcurl) {
  const scenario s = SCENARIO(base64, form_base64, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_quoted_printable_line_rules_match_libcurl) {
  /* libcurl sends these chunked; ferry counts the bytes in memory */
  const scenario s = SCENARIO(qp, form_qp, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_quoted_printable_of_every_byte_from_each_source) {
  /* a file's or a callback's quoted-printable size is not known */
  const scenario s = SCENARIO(qp_bytes, form_qp_bytes, NULL, 0, 0);
  return check_scenario(&s);
}

TEST_IMPL(mime_part_headers_meet_generated_ones_like_libcurl) {
  const scenario s = SCENARIO(headers, form_headers, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_nested_multiparts_match_libcurl) {
  const scenario s = SCENARIO(subparts, form_subparts, NULL, 0, 1);
  return check_scenario(&s);
}

TEST_IMPL(mime_empty_form_and_bare_parts_match_libcurl) {
  const scenario e = SCENARIO(empty, form_empty, NULL, 0, 1);
  const scenario b = SCENARIO(bare_parts, form_bare_parts, NULL, 0, 1);
  return check_scenario(&e) || check_scenario(&b);
}

TEST_IMPL(mime_users_content_type_gets_the_boundary_and_sets_dispositions) {
  const scenario rel = SCENARIO(related, form_two_fields,
                                "multipart/related", 0, 1);
  const scenario txt = SCENARIO(text_plain, form_two_fields, "text/plain", 0,
                                1);
  return check_scenario(&rel) || check_scenario(&txt);
}

/* ---- the reader ----------------------------------------------------------- */

/* Is a file at path open in this process? */
static int file_is_open(const char *path) {
  char want[PATH_MAX], link[PATH_MAX], fdpath[300];
  DIR *d = opendir("/proc/self/fd");
  struct dirent *de;
  int found = 0;

  if (d == NULL || realpath(path, want) == NULL) {
    if (d)
      closedir(d);
    return -1;
  }
  while ((de = readdir(d)) != NULL) {
    ssize_t n;
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%s", de->d_name);
    n = readlink(fdpath, link, sizeof(link) - 1);
    if (n <= 0)
      continue;
    link[n] = '\0';
    if (strcmp(link, want) == 0)
      found = 1;
  }
  closedir(d);
  return found;
}

TEST_IMPL(mime_file_is_opened_when_its_part_starts_and_closed_at_its_end) {
  const char *dir = fixture_make();
  const char *path;
  curl_mime *m;
  char buf[64];
  size_t n, seen = 0;
  int opened_at = -1;

  ASSERT_NOT_NULL(dir);
  path = fpath(dir, "f.txt");
  m = curl_mime_init(NULL);
  curl_mime_data(add(m, "first"), "some text before the file",
                 CURL_ZERO_TERMINATED);
  ASSERT_EQ(curl_mime_filedata(add(m, "file"), path), CURLE_OK);
  curl_mime_data(add(m, "last"), "after", CURL_ZERO_TERMINATED);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_EQ(file_is_open(path), 0); /* prepare only takes its size */
  /* byte by byte: the file opens exactly when its first byte is read */
  while ((n = ferry__mime_read(buf, 1, 1, m)) == 1) {
    int open_now = file_is_open(path);
    seen++;
    if (open_now == 1 && opened_at < 0) {
      opened_at = (int)seen;
      ASSERT_EQ(buf[0], 'f'); /* "file contents\n" */
    }
    if (opened_at >= 0 && seen == (size_t)opened_at + 13)
      ASSERT_EQ(open_now, 0); /* closed after its last byte */
  }
  ASSERT_EQ(n, 0);
  ASSERT(opened_at > 0);
  ASSERT_EQ(file_is_open(path), 0);
  ASSERT_EQ((ferry_off_t)seen, ferry__mime_size(m));
  /* a rewind closes a file left open mid-way */
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  for (int i = 0; i < opened_at; i++)
    ASSERT_EQ(ferry__mime_read(buf, 1, 1, m), 1);
  ASSERT_EQ(file_is_open(path), 1);
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  ASSERT_EQ(file_is_open(path), 0);
  curl_mime_free(m);
  fixture_remove();
  return 0;
}

/* Resident memory in KiB. */
static long rss_kib(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST_IMPL(mime_100_mib_file_part_streams_without_growing_memory) {
  const char *dir = fixture_make();
  const char *path;
  curl_mime *m;
  static char buf[16384];
  long before, peak = 0;
  ferry_off_t total = 0;
  size_t n;
  int fd;

  ASSERT_NOT_NULL(dir);
  path = fpath(dir, "big.bin");
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT(fd >= 0);
  ASSERT_EQ(ftruncate(fd, 100L << 20), 0); /* sparse: no disk used */
  close(fd);
  m = curl_mime_init(NULL);
  ASSERT_EQ(curl_mime_filedata(add(m, "big"), path), CURLE_OK);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT(ferry__mime_size(m) > (100L << 20));
  before = rss_kib();
  ASSERT(before > 0);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0) {
    ASSERT(n <= sizeof(buf));
    total += (ferry_off_t)n;
    if ((total & ((1 << 24) - 1)) < (ferry_off_t)sizeof(buf)) {
      long now = rss_kib();
      if (now > peak)
        peak = now;
    }
  }
  ASSERT_EQ(total, ferry__mime_size(m));
  /* read as it goes: memory grows by far less than the file */
  ASSERT(peak - before < 4096);
  curl_mime_free(m);
  fixture_remove();
  return 0;
}

TEST_IMPL(mime_size_is_unknown_when_a_part_size_is) {
  const char *dir = fixture_make();
  curl_mime *m = curl_mime_init(NULL);
  curl_mimepart *p;
  int fds[2];
  char fifo[128];

  ASSERT_NOT_NULL(dir);
  /* known: data, a regular file, a sized callback, base64 of any of them */
  curl_mime_data(add(m, "d"), "x", 1);
  curl_mime_filedata(add(m, "f"), fpath(dir, "f.txt"));
  src_a = (cb_src){"abc", 3, 0, 0, 0, 0};
  p = add(m, "c");
  curl_mime_data_cb(p, 3, cb_read, cb_seek, NULL, &src_a);
  curl_mime_encoder(p, "base64");
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT(ferry__mime_size(m) > 0);
  /* a named pipe has no size before it is read */
  snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
  ASSERT_EQ(mkfifo(fifo, 0600), 0);
  curl_mime_filedata(add(m, "pipe"), fifo);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__mime_size(m), -1);
  curl_mime_free(m);
  /* nor a missing file, whose part fails when it is read */
  m = curl_mime_init(NULL);
  ASSERT_EQ(curl_mime_filedata(add(m, "gone"), fpath(dir, "missing.txt")),
            CURLE_READ_ERROR);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__mime_size(m), -1);
  curl_mime_free(m);
  (void)fds;
  fixture_remove();
  return 0;
}

TEST_IMPL(mime_missing_file_fails_with_read_error_after_its_headers) {
  const char *dir = fixture_make();
  curl_mime *m = curl_mime_init(NULL);
  char buf[4096];
  size_t n, total = 0;
  static const char want[] =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\n";

  ASSERT_NOT_NULL(dir);
  ASSERT_EQ(curl_mime_filedata(add(m, "f"), fpath(dir, "x.txt")),
            CURLE_READ_ERROR);
  ASSERT_EQ(ferry__mime_set_boundary(m, "b"), FERRYE_OK);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  /* as libcurl: the part's headers go, then the transfer fails */
  while ((n = ferry__mime_read(buf + total, 1, 5, m)) != 0 && n <= 5)
    total += n;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_MEM_EQ(buf, total, want);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_READ_ERROR);
  ASSERT_NOT_NULL(strstr(m->errtext, "x.txt"));
  /* and keeps failing until rewound */
  ASSERT_EQ(ferry__mime_read(buf, 1, sizeof(buf), m), CURL_READFUNC_ABORT);
  curl_mime_free(m);
  fixture_remove();
  return 0;
}

TEST_IMPL(mime_file_that_changes_size_is_a_read_error_not_a_bad_body) {
  const char *dir = fixture_make();
  const char *path;
  curl_mime *m = curl_mime_init(NULL);
  char buf[4096];
  size_t n;

  ASSERT_NOT_NULL(dir);
  path = fpath(dir, "f.txt");
  curl_mime_filedata(add(m, "f"), path);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_EQ(write_file(dir, "f.txt", "short", 5), 0); /* shrank */
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0 &&
         n <= sizeof(buf))
    ;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_READ_ERROR);
  /* a file that grew gives the size it had, and no more */
  ASSERT_EQ(write_file(dir, "f.txt", "file contents\n", 14), 0);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_EQ(write_file(dir, "f.txt", "file contents\nand more\n", 23), 0);
  {
    size_t len = 0, last = 0;
    char *got = read_body(m, 7, &len, &last);
    ASSERT_NOT_NULL(got);
    ASSERT_EQ(len, ferry__mime_size(m));
    ASSERT_NULL(strstr(got, "and more"));
    free(got);
  }
  curl_mime_free(m);
  fixture_remove();
  return 0;
}

TEST_IMPL(mime_7bit_part_fails_at_a_byte_above_127_after_the_ones_before) {
  curl_mime *m = curl_mime_init(NULL);
  curl_mimepart *p = add(m, "a");
  char buf[512];
  size_t n, total = 0;

  curl_mime_data(p, "caf\xc3\xa9", CURL_ZERO_TERMINATED);
  ASSERT_EQ(curl_mime_encoder(p, "7bit"), CURLE_OK);
  ASSERT_EQ(ferry__mime_set_boundary(m, "b"), FERRYE_OK);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  while ((n = ferry__mime_read(buf + total, 1, sizeof(buf) - total, m)) !=
             0 &&
         n <= sizeof(buf))
    total += n;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_READ_ERROR);
  /* libcurl 7.88.1 sent the same bytes, up to "caf" */
  ASSERT_MEM_EQ(buf, total,
                "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                "Content-Transfer-Encoding: 7bit\r\n\r\ncaf");
  curl_mime_free(m);
  return 0;
}

/* A callback that pauses once when asked at 0, 4 and 8 bytes in, gives
 * 2 bytes a call, and aborts at abort_at bytes in if told. */
typedef struct moody {
  const char *data;
  size_t len, pos;
  unsigned calls, paused;
  int abort_at;
} moody;

static size_t moody_read(char *buf, size_t size, size_t nitems, void *arg) {
  moody *m = arg;
  size_t n = size * nitems;
  m->calls++;
  if (m->abort_at && m->pos >= (size_t)m->abort_at)
    return CURL_READFUNC_ABORT;
  if (m->pos % 4 == 0 && m->paused <= m->pos / 4) {
    m->paused++;
    return CURL_READFUNC_PAUSE;
  }
  if (n > m->len - m->pos)
    n = m->len - m->pos;
  if (n > 2)
    n = 2;
  memcpy(buf, m->data + m->pos, n);
  m->pos += n;
  return n;
}

TEST_IMPL(mime_callback_pause_and_abort_reach_the_reader) {
  moody md = {"0123456789", 10, 0, 0, 0, 0};
  curl_mime *m = curl_mime_init(NULL);
  char buf[256], body[512];
  size_t n, total = 0, pauses = 0;

  curl_mime_data_cb(add(m, "p"), 10, moody_read, NULL, NULL, &md);
  ASSERT_EQ(ferry__mime_set_boundary(m, "b"), FERRYE_OK);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  for (;;) {
    n = ferry__mime_read(buf, 1, sizeof(buf), m);
    if (n == 0)
      break;
    if (n == CURL_READFUNC_PAUSE) {
      pauses++;
      continue;
    }
    ASSERT(n <= sizeof(buf));
    memcpy(body + total, buf, n);
    total += n;
  }
  /* a pause with bytes in hand gives the bytes; the next read pauses */
  ASSERT_EQ(pauses, 3);
  ASSERT_EQ(md.paused, 3);
  ASSERT_MEM_EQ(body, total,
                "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\n"
                "0123456789\r\n--b--\r\n");
  ASSERT_EQ((ferry_off_t)total, ferry__mime_size(m));
  /* without a seekfunc, a part that was read cannot go again */
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_CANTSEEK);
  curl_mime_free(m);

  md = (moody){"0123456789", 10, 0, 0, 0, 4};
  m = curl_mime_init(NULL);
  curl_mime_data_cb(add(m, "p"), -1, moody_read, NULL, NULL, &md);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0 &&
         n != CURL_READFUNC_ABORT)
    ;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_ABORTED_BY_CALLBACK);
  curl_mime_free(m);
  return 0;
}

TEST_IMPL(mime_callback_giving_another_size_than_it_said_is_a_read_error) {
  curl_mime *m;
  char buf[256];
  size_t n;

  /* fewer bytes than its size */
  src_a = (cb_src){"abc", 3, 0, 0, 0, 0};
  m = curl_mime_init(NULL);
  curl_mime_data_cb(add(m, "short"), 5, cb_read, cb_seek, NULL, &src_a);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0 &&
         n <= sizeof(buf))
    ;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_READ_ERROR);
  /* a sized part is asked for no more than what is left of it */
  src_a = (cb_src){"abcdefgh", 8, 0, 0, 0, 0};
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  {
    size_t len = 0, last = 0;
    char *got = read_body(m, 16384, &len, &last);
    ASSERT_NOT_NULL(got);
    ASSERT_NOT_NULL(strstr(got, "\r\n\r\nabcde\r\n"));
    ASSERT_EQ(len, ferry__mime_size(m));
    free(got);
  }
  curl_mime_free(m);
  return 0;
}

/* A read callback that returns more than it was asked for. */
static size_t liar_read(char *buf, size_t size, size_t nitems, void *arg) {
  (void)arg;
  buf[0] = 'x';
  return size * nitems + 1;
}

TEST_IMPL(mime_callback_returning_more_than_asked_is_a_read_error) {
  curl_mime *m = curl_mime_init(NULL);
  char buf[256];
  size_t n;

  curl_mime_data_cb(add(m, "liar"), -1, liar_read, NULL, NULL, NULL);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0 &&
         n <= sizeof(buf))
    ;
  ASSERT_EQ(n, CURL_READFUNC_ABORT);
  ASSERT_EQ(ferry__mime_error(m), FERRYE_READ_ERROR);
  curl_mime_free(m);
  return 0;
}

TEST_IMPL(mime_rewind_starts_over_and_seeks_callback_parts_that_were_read) {
  const char *dir = fixture_make();
  CURL *e = curl_easy_init();
  curl_mime *m;
  size_t len1 = 0, len2 = 0, last = 0, half;
  char *first, *second, buf[512];

  ASSERT_NOT_NULL(dir);
  m = form_text_file_callback(e, dir);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  /* a rewind before anything was read asks no callback */
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  ASSERT_EQ(src_a.seeks, 0);
  first = read_body(m, 5, &len1, &last);
  ASSERT_NOT_NULL(first);
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  ASSERT_EQ(src_a.seeks, 1);
  second = read_body(m, 11, &len2, &last);
  ASSERT_NOT_NULL(second);
  ASSERT_EQ(len1, len2);
  ASSERT_EQ(memcmp(first, second, len1), 0);
  /* mid-way, then from the start again */
  half = len1 - 20;
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  for (size_t got = 0; got < half;) {
    size_t n = ferry__mime_read(buf, 1, half - got > 64 ? 64 : half - got, m);
    ASSERT(n > 0 && n <= 64);
    got += n;
  }
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  ASSERT_EQ(src_a.seeks, 3);
  free(second);
  second = read_body(m, 3, &len2, &last);
  ASSERT_NOT_NULL(second);
  ASSERT_EQ(len1, len2);
  ASSERT_EQ(memcmp(first, second, len1), 0);
  /* only offset 0 from the start */
  ASSERT_EQ(ferry__mime_seek(m, 5, SEEK_SET), CURL_SEEKFUNC_CANTSEEK);
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_END), CURL_SEEKFUNC_CANTSEEK);
  free(first);
  free(second);
  curl_mime_free(m);
  curl_easy_cleanup(e);
  fixture_remove();
  return 0;
}

/* A seek callback that refuses. */
static int refuse_seek(void *arg, curl_off_t offset, int origin) {
  (void)arg;
  (void)offset;
  (void)origin;
  return CURL_SEEKFUNC_FAIL;
}

TEST_IMPL(mime_rewind_fails_for_callback_parts_that_cannot_seek) {
  curl_mime *m = curl_mime_init(NULL), *sub = curl_mime_init(NULL);
  char buf[4096];
  size_t n;

  src_a = (cb_src){"data", 4, 0, 0, 0, 0};
  src_b = (cb_src){"more", 4, 0, 0, 0, 0};
  curl_mime_data_cb(add(sub, "nested"), 4, cb_read, NULL, NULL, &src_a);
  curl_mime_subparts(add(m, "sub"), sub);
  curl_mime_data_cb(add(m, "refuses"), 4, cb_read, refuse_seek, NULL,
                    &src_b);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  /* nothing read yet: a rewind is free */
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_OK);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0)
    ASSERT(n <= sizeof(buf));
  /* the nested part has no seekfunc: CANTSEEK comes first */
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_CANTSEEK);
  /* preparing a new transfer needs the rewind too */
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_SEND_FAIL_REWIND);
  curl_mime_free(m);

  /* a seekfunc's own answer comes back */
  m = curl_mime_init(NULL);
  src_b = (cb_src){"more", 4, 0, 0, 0, 0};
  curl_mime_data_cb(add(m, "refuses"), 4, cb_read, refuse_seek, NULL,
                    &src_b);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  while ((n = ferry__mime_read(buf, 1, sizeof(buf), m)) != 0)
    ASSERT(n <= sizeof(buf));
  ASSERT_EQ(ferry__mime_seek(m, 0, SEEK_SET), CURL_SEEKFUNC_FAIL);
  curl_mime_free(m);
  return 0;
}

/* ---- the API's rules -------------------------------------------------- */

static unsigned frees;
static void count_free(void *arg) {
  (void)arg;
  frees++;
}

TEST_IMPL(mime_api_checks_its_arguments_and_owns_what_it_says) {
  curl_mime *m = curl_mime_init(NULL), *sub, *other;
  curl_mimepart *p, *q;
  struct curl_slist *borrowed = curl_slist_append(NULL, "X-Kept: 1");

  ASSERT_NOT_NULL(m);
  ASSERT_NULL(curl_mime_addpart(NULL));
  ASSERT_EQ(curl_mime_name(NULL, "a"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_filename(NULL, "a"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_type(NULL, "a"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_encoder(NULL, "base64"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_data(NULL, "a", 1), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_filedata(NULL, "a"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_data_cb(NULL, 1, cb_read, NULL, NULL, NULL),
            CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_subparts(NULL, m), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_headers(NULL, NULL, 0), CURLE_BAD_FUNCTION_ARGUMENT);
  curl_mime_free(NULL);

  p = curl_mime_addpart(m);
  ASSERT_EQ(curl_mime_encoder(p, "gzip"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_encoder(p, "Quoted-Printable"), CURLE_OK);
  ASSERT_EQ(p->encoder, FERRY__ENC_QP);
  ASSERT_EQ(curl_mime_encoder(p, "gzip"), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(p->encoder, FERRY__ENC_QP); /* unchanged */
  ASSERT_EQ(curl_mime_encoder(p, NULL), CURLE_OK);
  ASSERT_EQ(p->encoder, FERRY__ENC_NONE);

  /* replacing a callback content frees it; so does freeing the mime */
  frees = 0;
  ASSERT_EQ(curl_mime_data_cb(p, 1, cb_read, NULL, count_free, NULL),
            CURLE_OK);
  ASSERT_EQ(curl_mime_data(p, "now data", CURL_ZERO_TERMINATED), CURLE_OK);
  ASSERT_EQ(frees, 1);
  ASSERT_EQ(curl_mime_data_cb(p, 1, cb_read, NULL, count_free, NULL),
            CURLE_OK);
  ASSERT_EQ(curl_mime_data_cb(p, 1, NULL, NULL, NULL, NULL), CURLE_OK);
  ASSERT_EQ(frees, 2);
  ASSERT_EQ(p->kind, FERRY__MIME_NONE);

  /* filedata names the part after the path's last component */
  ASSERT_EQ(curl_mime_filedata(p, "/no/such/dir/photo.jpg"), CURLE_READ_ERROR);
  ASSERT_STR_EQ(p->filename, "photo.jpg");
  ASSERT_EQ(curl_mime_filedata(p, "/no/such/dir/"), CURLE_READ_ERROR);
  ASSERT_STR_EQ(p->filename, "dir");
  ASSERT_EQ(curl_mime_filedata(p, NULL), CURLE_OK);
  ASSERT_EQ(p->kind, FERRY__MIME_NONE);

  /* subparts: owned by the part, never twice, never a loop */
  sub = curl_mime_init(NULL);
  other = curl_mime_init(NULL);
  q = curl_mime_addpart(sub);
  ASSERT_EQ(curl_mime_subparts(p, sub), CURLE_OK);
  ASSERT_EQ(curl_mime_subparts(p, sub), CURLE_OK); /* the same again */
  ASSERT_EQ(curl_mime_subparts(curl_mime_addpart(other), sub),
            CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_subparts(q, m), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_subparts(q, sub), CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_mime_subparts(p, m), CURLE_BAD_FUNCTION_ARGUMENT);
  /* a nested mime is not a request body */
  ASSERT_EQ(ferry__mime_prepare(sub, NULL, 0), FERRYE_BAD_FUNCTION_ARGUMENT);
  /* freeing a nested mime takes it out of its part */
  curl_mime_free(sub);
  ASSERT_EQ(p->kind, FERRY__MIME_NONE);
  ASSERT_NULL(p->sub);
  /* replacing subparts frees the old ones (LeakSanitizer watches) */
  sub = curl_mime_init(NULL);
  curl_mime_data(curl_mime_addpart(sub), "x", 1);
  ASSERT_EQ(curl_mime_subparts(p, sub), CURLE_OK);
  ASSERT_EQ(curl_mime_subparts(p, other), CURLE_OK);
  ASSERT_EQ(curl_mime_data(p, "y", 1), CURLE_OK);

  /* header lists: owned ones are freed, borrowed ones are not */
  ASSERT_EQ(curl_mime_headers(p, curl_slist_append(NULL, "X-Own: 1"), 1),
            CURLE_OK);
  ASSERT_EQ(curl_mime_headers(p, borrowed, 0), CURLE_OK);
  ASSERT_EQ(curl_mime_headers(curl_mime_addpart(m),
                              curl_slist_append(NULL, "X-Own: 2"), 1),
            CURLE_OK);
  ASSERT_EQ(ferry__mime_set_boundary(m, ""), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry__mime_set_boundary(m, "a\r\nb"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  curl_mime_free(m);
  ASSERT_STR_EQ(borrowed->data, "X-Kept: 1");
  curl_slist_free_all(borrowed);
  return 0;
}

TEST_IMPL(mime_boundaries_are_24_dashes_and_22_random_alphanumerics) {
  curl_mime *a = curl_mime_init(NULL), *b = curl_mime_init(NULL);

  ASSERT_EQ(a->blen, 46);
  for (size_t i = 0; i < 24; i++)
    ASSERT_EQ(a->boundary[i], '-');
  for (size_t i = 24; i < 46; i++) {
    char c = a->boundary[i];
    ASSERT((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z'));
  }
  ASSERT(strcmp(a->boundary, b->boundary) != 0);
  ASSERT_EQ(ferry__mime_prepare(a, NULL, 0), FERRYE_OK);
  ASSERT_NOT_NULL(strstr(ferry__mime_content_type(a), a->boundary));
  /* an empty form is only its closing boundary */
  ASSERT_EQ(ferry__mime_size(a), 2 + 46 + 4);
  curl_mime_free(a);
  curl_mime_free(b);
  return 0;
}

TEST_IMPL(mime_dup_gives_the_same_bytes_with_a_boundary_of_its_own) {
  const char *dir = fixture_make();
  CURL *e = curl_easy_init();
  curl_mime *m, *copy = NULL;
  const char *const *b;
  size_t len = 0, last = 0;
  char *got;

  ASSERT_NOT_NULL(dir);
  m = form_subparts(e, dir);
  ASSERT_EQ(ferry__mime_dup(&copy, m), FERRYE_OK);
  ASSERT_NOT_NULL(copy);
  ASSERT(strcmp(copy->boundary, m->boundary) != 0);
  curl_mime_free(m); /* the copy owns all it needs */
  b = subparts_boundaries;
  ASSERT_EQ(set_boundaries(copy, &b), 0);
  ASSERT_EQ(ferry__mime_prepare(copy, NULL, 0), FERRYE_OK);
  got = read_body(copy, 100, &len, &last);
  ASSERT_NOT_NULL(got);
  ASSERT_EQ(len, sizeof(subparts_body) - 1);
  ASSERT_EQ(memcmp(got, subparts_body, len), 0);
  free(got);
  curl_mime_free(copy);
  ASSERT_EQ(ferry__mime_dup(&copy, NULL), FERRYE_OK);
  ASSERT_NULL(copy);
  curl_easy_cleanup(e);
  fixture_remove();
  return 0;
}

/* ---- the options ---------------------------------------------------------- */

TEST_IMPL(mime_options_pick_the_body_and_duphandle_copies_the_form) {
  CURL *e = curl_easy_init(), *copy;
  curl_mime *m = curl_mime_init(e), *sub = curl_mime_init(e);
  struct curl_httppost *post = NULL, *last = NULL;
  size_t len = 0, lastrc = 0;
  char *got;

  ASSERT_NOT_NULL(e);
  curl_mime_data(add(m, "field"), "value", CURL_ZERO_TERMINATED);
  curl_mime_subparts(add(m, "nested"), sub);
  ASSERT_EQ(curl_formadd(&post, &last, CURLFORM_COPYNAME, "f",
                         CURLFORM_COPYCONTENTS, "v", CURLFORM_END),
            CURL_FORMADD_OK);

  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  ASSERT(e->set.form_post && !e->set.form_httppost);
  /* a nested mime is not a body */
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, sub),
            CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT(e->set.mimepost == m);
  /* the option set last among those choosing the body wins */
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_POSTFIELDS, "a=b"), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_HTTPPOST, post), CURLE_OK);
  ASSERT(e->set.form_post && e->set.form_httppost);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_UPLOAD, 1L), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  ASSERT(e->set.form_post && !e->set.form_httppost && !e->set.upload);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_NOBODY, 1L), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  ASSERT(e->set.form_post && !e->set.nobody);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_POST, 1L), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, NULL), CURLE_OK);
  ASSERT(!e->set.form_post);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIME_OPTIONS,
                             (long)CURLMIMEOPT_FORMESCAPE),
            CURLE_OK);
  ASSERT_EQ(e->set.mime_options, CURLMIMEOPT_FORMESCAPE);

  /* duphandle: the copy has a form of its own, which outlives the
   * original's */
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  copy = curl_easy_duphandle(e);
  ASSERT_NOT_NULL(copy);
  ASSERT(copy->set.form_post);
  ASSERT(copy->set.mimepost != NULL && copy->set.mimepost != m);
  ASSERT(copy->set.mimepost == copy->set.mimepost_copy);
  curl_easy_cleanup(e);
  curl_mime_free(m);
  ASSERT_EQ(ferry__mime_set_boundary(copy->set.mimepost, "b"), FERRYE_OK);
  ASSERT_EQ(ferry__mime_prepare(copy->set.mimepost, NULL, 0), FERRYE_OK);
  got = read_body(copy->set.mimepost, 10, &len, &lastrc);
  ASSERT_NOT_NULL(got);
  ASSERT_NOT_NULL(strstr(got, "name=\"field\"\r\n\r\nvalue\r\n"));
  free(got);
  /* the copy's HTTPPOST is the same list */
  ASSERT_EQ(curl_easy_setopt(copy, CURLOPT_HTTPPOST, post), CURLE_OK);
  e = curl_easy_duphandle(copy);
  ASSERT_NOT_NULL(e);
  ASSERT(e->set.httppost == post && e->set.form_httppost);
  curl_easy_cleanup(e);
  /* a new MIMEPOST drops the copy (LeakSanitizer watches) */
  ASSERT_EQ(curl_easy_setopt(copy, CURLOPT_MIMEPOST, NULL), CURLE_OK);
  ASSERT_NULL(copy->set.mimepost_copy);
  curl_easy_cleanup(copy);
  curl_formfree(post);
  return 0;
}

/* ---- formadd, formget --------------------------------------------------- */

TEST_IMPL(form_every_formadd_option_sends_libcurls_bytes) {
  const char *dir = fixture_make();
  struct curl_slist *hdrs = curl_slist_append(NULL, "X-Part: yes");
  struct curl_httppost *post;
  ferry_mime *m = NULL;
  const char *const *b = httppost_boundaries;
  size_t len = 0, last = 0;
  char *got;

  ASSERT_NOT_NULL(dir);
  post = formadd_everything(dir, hdrs);
  ASSERT_NOT_NULL(post);
  /* HTTPPOST's conversion, STREAM fields through the READFUNCTION */
  ASSERT_EQ(ferry__form_to_mime(&m, post, cb_read, 1), FERRYE_OK);
  ASSERT_EQ(set_boundaries(m, &b), 0);
  ASSERT_EQ(ferry__mime_prepare(m, NULL, 0), FERRYE_OK);
  ASSERT_STR_EQ(ferry__mime_content_type(m), httppost_type);
  ASSERT_EQ(ferry__mime_size(m), sizeof(httppost_body) - 1);
  got = read_body(m, 9, &len, &last);
  ASSERT_NOT_NULL(got);
  ASSERT_EQ(len, sizeof(httppost_body) - 1);
  if (memcmp(got, httppost_body, len) != 0)
    TEST_FAIL_("body differs: %s", got);
  free(got);
  ferry_mime_free(m);
  curl_formfree(post);
  curl_slist_free_all(hdrs);
  fixture_remove();
  return 0;
}

typedef struct collected {
  char *p;
  size_t len;
  unsigned calls;
  size_t stop_after; /* answer a wrong length from this call on (0: never) */
} collected;

static size_t collect(void *arg, const char *buf, size_t len) {
  collected *c = arg;
  c->calls++;
  if (c->stop_after && c->calls >= c->stop_after)
    return len - 1;
  c->p = realloc(c->p, c->len + len + 1);
  memcpy(c->p + c->len, buf, len);
  c->len += len;
  c->p[c->len] = '\0';
  return len;
}

/* Replace each boundary of c (in order of appearance) with the matching
 * one of want (want_len bytes); both hold the same number. The bodies
 * hold NUL bytes: everything here goes by length. */
static void swap_boundaries(collected *c, const char *want, size_t want_len) {
  size_t gpos = 0, wpos = 0;
  for (;;) {
    const char *g = memmem(c->p + gpos, c->len - gpos, "boundary=", 9);
    const char *w = memmem(want + wpos, want_len - wpos, "boundary=", 9);
    size_t gl, wl;
    char from[80], to[80], *at;
    if (g == NULL || w == NULL)
      return;
    g += 9;
    w += 9;
    gl = strcspn(g, "\r\n;");
    wl = strcspn(w, "\r\n;");
    snprintf(from, sizeof(from), "%.*s", (int)gl, g);
    snprintf(to, sizeof(to), "%.*s", (int)wl, w);
    gpos = (size_t)(g - c->p);
    wpos = (size_t)(w - want) + wl;
    /* every occurrence, the body's included (the lengths differ) */
    while ((at = memmem(c->p, c->len, from, gl)) != NULL) {
      size_t off = (size_t)(at - c->p);
      char *n = malloc(c->len - gl + wl + 1);
      memcpy(n, c->p, off);
      memcpy(n + off, to, wl);
      memcpy(n + off + wl, at + gl, c->len - off - gl);
      c->len = c->len - gl + wl;
      n[c->len] = '\0';
      free(c->p);
      c->p = n;
    }
    gpos += wl;
  }
}

TEST_IMPL(form_formget_serialises_like_libcurl) {
  const char *dir = fixture_make();
  struct curl_slist *hdrs = curl_slist_append(NULL, "X-Part: yes");
  struct curl_httppost *post;
  collected c = {NULL, 0, 0, 0};

  ASSERT_NOT_NULL(dir);
  post = formadd_everything(dir, hdrs);
  ASSERT_NOT_NULL(post);
  ASSERT_EQ(curl_formget(post, &c, collect), 0);
  ASSERT(c.calls >= 1);
  /* libcurl's boundaries have 16 random characters, ferry's 22 */
  swap_boundaries(&c, formget_out, sizeof(formget_out) - 1);
  ASSERT_EQ(c.len, sizeof(formget_out) - 1);
  if (memcmp(c.p, formget_out, c.len) != 0)
    TEST_FAIL_("formget differs: %s", c.p);
  free(c.p);
  /* an append that takes less stops it */
  c = (collected){NULL, 0, 0, 2};
  ASSERT_EQ(curl_formget(post, &c, collect), CURLE_READ_ERROR);
  free(c.p);
  ASSERT_EQ(curl_formget(post, NULL, NULL), CURLE_BAD_FUNCTION_ARGUMENT);
  curl_formfree(post);
  /* a missing file fails formget (and an HTTPPOST) before any byte */
  post = NULL;
  {
    struct curl_httppost *lastp = NULL;
    c = (collected){NULL, 0, 0, 0};
    ASSERT_EQ(curl_formadd(&post, &lastp, CURLFORM_COPYNAME, "f",
                           CURLFORM_FILE, fpath(dir, "nope.txt"),
                           CURLFORM_END),
              CURL_FORMADD_OK);
    ASSERT_EQ(curl_formget(post, &c, collect), CURLE_READ_ERROR);
    ASSERT_EQ(c.calls, 0);
    curl_formfree(post);
  }
  /* an empty form */
  c = (collected){NULL, 0, 0, 0};
  ASSERT_EQ(curl_formget(NULL, &c, collect), 0);
  ASSERT_NOT_NULL(strstr(c.p, "\r\n\r\n--------------------------"));
  ASSERT_EQ(c.len, strlen("Content-Type: multipart/form-data; boundary=") +
                       46 + 4 + 2 + 46 + 4);
  free(c.p);
  curl_slist_free_all(hdrs);
  fixture_remove();
  return 0;
}

TEST_IMPL(form_formadd_errors_have_libcurls_codes_and_add_nothing) {
  struct curl_httppost *post = NULL, *last = NULL;
  struct curl_forms nested[] = {{CURLFORM_ARRAY, NULL}, {CURLFORM_END, NULL}};
  struct curl_slist *h = curl_slist_append(NULL, "X: y");
  static const char *const f = "/etc/hostname";
  /* the codes libcurl 7.88.1 returned for each call (ferry's own where
   * libcurl crashed, marked) */
#define ADD(...) curl_formadd(&post, &last, __VA_ARGS__)
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYNAME, "b",
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_PTRNAME, "b",
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, NULL, CURLFORM_COPYCONTENTS, "c",
                CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, NULL,
                CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", 999, "x", CURLFORM_END),
            CURL_FORMADD_UNKNOWN_OPTION);
  ASSERT_EQ(ADD(CURLFORM_NOTHING, CURLFORM_COPYNAME, "a",
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_UNKNOWN_OPTION);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_OBSOLETE, "x",
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_UNKNOWN_OPTION);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_OBSOLETE2, "x",
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_UNKNOWN_OPTION);
  ASSERT_EQ(ADD(CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_END),
            CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(ADD(CURLFORM_END), CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_ARRAY, nested,
                CURLFORM_END),
            CURL_FORMADD_ILLEGAL_ARRAY);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_COPYCONTENTS, "d", CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_FILE, f, CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, f,
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_CONTENTTYPE, "x/y",
                CURLFORM_CONTENTTYPE, "z/w", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILENAME, "x",
                CURLFORM_FILENAME, "y", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_BUFFER, "b.txt",
                CURLFORM_END),
            CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_BUFFER, "b",
                CURLFORM_BUFFERPTR, NULL, CURLFORM_BUFFERLENGTH, 2L,
                CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_STREAM, NULL, CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_CONTENTHEADER, h, CURLFORM_CONTENTHEADER, h,
                CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "cde",
                CURLFORM_NAMELENGTH, 1L, CURLFORM_NAMELENGTH, 1L,
                CURLFORM_END),
            CURL_FORMADD_OPTION_TWICE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, f,
                CURLFORM_CONTENTSLENGTH, 3L, CURLFORM_END),
            CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, NULL, CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILECONTENT, NULL,
                CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_CONTENTTYPE, NULL,
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_PTRCONTENTS, NULL,
                CURLFORM_END),
            CURL_FORMADD_NULL);
  /* libcurl crashes on these three; ferry says what is wrong */
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_BUFFER, NULL,
                CURLFORM_BUFFERPTR, "zz", CURLFORM_BUFFERLENGTH, 2L,
                CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILENAME, NULL,
                CURLFORM_COPYCONTENTS, "c", CURLFORM_END),
            CURL_FORMADD_NULL);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, f,
                CURLFORM_CONTENTTYPE, "x/1", CURLFORM_CONTENTTYPE, "x/2",
                CURLFORM_END),
            CURL_FORMADD_INCOMPLETE);
  ASSERT_EQ(curl_formadd(NULL, &last, CURLFORM_END), CURL_FORMADD_NULL);
  ASSERT_NULL(post); /* nothing was added */
  ASSERT_NULL(last);

  /* and these are fields */
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, f,
                CURLFORM_FILECONTENT, f, CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_BUFFERPTR, "zz",
                CURLFORM_BUFFERLENGTH, 2L, CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_STREAM, "x", CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_CONTENTHEADER, NULL, CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "", CURLFORM_COPYCONTENTS, "",
                CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_COPYCONTENTS, "c",
                CURLFORM_CONTENTSLENGTH, 1L, CURLFORM_CONTENTSLENGTH, 1L,
                CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT_EQ(ADD(CURLFORM_COPYNAME, "a", CURLFORM_FILE, f,
                CURLFORM_CONTENTTYPE, "x/1", CURLFORM_CONTENTTYPE, "x/2",
                CURLFORM_FILE, f, CURLFORM_END),
            CURL_FORMADD_OK);
#undef ADD
  ASSERT_NOT_NULL(post);
  curl_formfree(post);
  curl_slist_free_all(h);
  return 0;
}

TEST_IMPL(form_formadd_fills_libcurls_struct_and_appends_in_order) {
  struct curl_httppost *post = NULL, *last = NULL, *p;
  static const char ptr[] = "borrowed";

  ASSERT_EQ(curl_formadd(&post, &last, CURLFORM_COPYNAME, "one",
                         CURLFORM_COPYCONTENTS, "1", CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT(post == last);
  ASSERT_EQ(curl_formadd(&post, &last, CURLFORM_PTRNAME, ptr,
                         CURLFORM_PTRCONTENTS, ptr, CURLFORM_CONTENTLEN,
                         (curl_off_t)3, CURLFORM_END),
            CURL_FORMADD_OK);
  ASSERT(post->next == last);
  ASSERT(last->name == ptr); /* borrowed, as said */
  ASSERT(last->contents == ptr);
  ASSERT_EQ(last->flags, CURL_HTTPPOST_PTRNAME | CURL_HTTPPOST_PTRCONTENTS |
                             CURL_HTTPPOST_LARGE);
  ASSERT_EQ(last->contentlen, 3);
  /* a NULL last_post still appends at the end */
  last = NULL;
  ASSERT_EQ(curl_formadd(&post, &last, CURLFORM_COPYNAME, "three",
                         CURLFORM_FILE, "/etc/hostname", CURLFORM_FILE,
                         "/etc/hosts", CURLFORM_END),
            CURL_FORMADD_OK);
  p = post->next->next;
  ASSERT(p == last);
  ASSERT_STR_EQ(p->name, "three");
  ASSERT_STR_EQ(p->contents, "/etc/hostname");
  ASSERT_EQ(p->flags, CURL_HTTPPOST_FILENAME);
  ASSERT_STR_EQ(p->contenttype, "application/octet-stream");
  ASSERT_NOT_NULL(p->more);
  ASSERT_NULL(p->more->name);
  ASSERT_STR_EQ(p->more->contents, "/etc/hosts");
  ASSERT_STR_EQ(p->more->contenttype, "application/octet-stream");
  ASSERT_NULL(p->next);
  /* libcurl's layout, field by field (x86-64) */
  ASSERT_EQ(offsetof(struct curl_httppost, more), 72);
  ASSERT_EQ(offsetof(struct curl_httppost, flags), 80);
  ASSERT_EQ(offsetof(struct curl_httppost, contentlen), 104);
  ASSERT_EQ(sizeof(struct curl_httppost), 112);
  ASSERT_EQ(sizeof(struct curl_forms), 16);
  ASSERT_EQ(CURLFORM_CONTENTLEN, 20);
  ASSERT_EQ(CURLFORM_END, 17);
  ASSERT_EQ(CURL_FORMADD_DISABLED, 7);
  ASSERT_EQ(CURL_HTTPPOST_LARGE, 128);
  ASSERT_EQ(CURLMIMEOPT_FORMESCAPE, 1);
  ASSERT_EQ(CURL_ZERO_TERMINATED, (size_t)-1);
  curl_formfree(post);
  curl_formfree(NULL);
  return 0;
}

/* ---- the transfer ---------------------------------------------------------- */

/* The request head libcurl 7.88.1 sent before a form of known size,
 * with ferry's path and port. */
static void form_head(char *out, size_t cap, tserver *s, const char *path,
                      const char *type, size_t len) {
  snprintf(out, cap,
           "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
           "Content-Length: %zu\r\nContent-Type: %s\r\n\r\n",
           path, tserver_port(s), len, type);
}

/* Does the request hold head then body exactly? */
static int request_is(const char *req, size_t len, const char *head,
                      const char *body, size_t body_len) {
  size_t hl = strlen(head);
  return len == hl + body_len && memcmp(req, head, hl) == 0 &&
         memcmp(req + hl, body, body_len) == 0;
}

TEST_IMPL(mime_post_sends_libcurls_request_for_text_file_and_callback) {
  tserver *s = tserver_start();
  const char *dir = fixture_make();
  const char *const *b = text_file_callback_boundaries;
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  sink body = {0};
  CURL *e;
  curl_mime *m;
  char head[512], *req;
  size_t len;

  ASSERT_NOT_NULL(dir);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/form"), &body, NULL);
  m = form_text_file_callback(e, dir);
  ASSERT_EQ(set_boundaries(m, &b), 0);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_MIMEPOST, m), CURLE_OK);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 0, &len);
  form_head(head, sizeof(head), s, "/form", text_file_callback_type,
            sizeof(text_file_callback_body) - 1);
  if (!request_is(req, len, head, text_file_callback_body,
                  sizeof(text_file_callback_body) - 1))
    TEST_FAIL_("request differs: %s", req);
  free(req);
  /* the same handle sends the same form again */
  tserver_script(s, 1, FX_STEPS(steps));
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L), CURLE_OK);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  req = tserver_request(s, 1, &len);
  ASSERT(request_is(req, len, head, text_file_callback_body,
                    sizeof(text_file_callback_body) - 1));
  free(req);
  curl_easy_cleanup(e);
  curl_mime_free(m);
  sink_free(&body);
  fixture_remove();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(mime_post_307_redirect_sends_the_whole_form_again) {
  tserver *s = tserver_start();
  const char *dir = fixture_make();
  const char *const *b = text_file_callback_boundaries;
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 307 Temporary Redirect\r\nLocation: /two\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND(FX_OK_HELLO),
  };
  sink body = {0};
  CURL *e;
  curl_mime *m;
  char head[512], *req;
  size_t len;

  ASSERT_NOT_NULL(dir);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/one"), &body, NULL);
  m = form_text_file_callback(e, dir);
  ASSERT_EQ(set_boundaries(m, &b), 0);
  curl_easy_setopt(e, CURLOPT_MIMEPOST, m);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_requests(s), 2);
  req = tserver_request(s, 0, &len);
  form_head(head, sizeof(head), s, "/one", text_file_callback_type,
            sizeof(text_file_callback_body) - 1);
  ASSERT(request_is(req, len, head, text_file_callback_body,
                    sizeof(text_file_callback_body) - 1));
  free(req);
  /* every byte again, the file's and the callback's (rewound) included */
  req = tserver_request(s, 1, &len);
  form_head(head, sizeof(head), s, "/two", text_file_callback_type,
            sizeof(text_file_callback_body) - 1);
  if (!request_is(req, len, head, text_file_callback_body,
                  sizeof(text_file_callback_body) - 1))
    TEST_FAIL_("second request differs: %s", req);
  free(req);
  ASSERT_EQ(src_a.seeks, 1);
  curl_easy_cleanup(e);
  curl_mime_free(m);
  sink_free(&body);
  fixture_remove();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(mime_post_of_unknown_size_goes_chunked_after_100_continue) {
  tserver *s = tserver_start();
  const char *const *b = callback_unknown_size_boundaries;
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 100 Continue\r\n\r\n"),
      {TS_WAIT_BODY, NULL, 0, 0, 0},
      FX_STEP_SEND(FX_OK_HELLO),
  };
  sink body = {0};
  CURL *e;
  curl_mime *m;
  char want[1024], *req;
  size_t len, body_len = sizeof(callback_unknown_size_body) - 1;
  int n;

  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/chunked"), &body, NULL);
  m = form_callback_unknown_size(e, NULL);
  ASSERT_EQ(set_boundaries(m, &b), 0);
  curl_easy_setopt(e, CURLOPT_MIMEPOST, m);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* libcurl's head; the body in one chunk (libcurl's chunks follow its
   * reads, ferry's its own), then the last chunk */
  n = snprintf(want, sizeof(want),
               "POST /chunked HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Accept: */*\r\nTransfer-Encoding: chunked\r\n"
               "Content-Type: %s\r\nExpect: 100-continue\r\n\r\n%zx\r\n",
               tserver_port(s), callback_unknown_size_type, body_len);
  memcpy(want + n, callback_unknown_size_body, body_len);
  memcpy(want + n + body_len, "\r\n0\r\n\r\n", 8);
  req = tserver_request(s, 0, &len);
  ASSERT_MEM_EQ(req, len, want);
  free(req);
  curl_easy_cleanup(e);
  curl_mime_free(m);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(mime_post_users_content_type_carries_the_boundary) {
  tserver *s = tserver_start();
  const char *const *b = related_boundaries;
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  struct curl_slist *h = curl_slist_append(NULL, "X-Before: 1");
  sink body = {0};
  CURL *e;
  curl_mime *m;
  char head[512], *req;
  size_t len;

  h = curl_slist_append(h, "content-type: multipart/related");
  h = curl_slist_append(h, "X-After: 2");
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/rel"), &body, NULL);
  m = form_two_fields(e, NULL);
  ASSERT_EQ(set_boundaries(m, &b), 0);
  curl_easy_setopt(e, CURLOPT_MIMEPOST, m);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  /* the user's line is not sent as it is: its value, with the boundary,
   * goes where the form's type goes */
  snprintf(head, sizeof(head),
           "POST /rel HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
           "X-Before: 1\r\nX-After: 2\r\nContent-Length: %zu\r\n"
           "Content-Type: %s\r\n\r\n",
           tserver_port(s), sizeof(related_body) - 1, related_type);
  req = tserver_request(s, 0, &len);
  if (!request_is(req, len, head, related_body, sizeof(related_body) - 1))
    TEST_FAIL_("request differs: %s", req);
  free(req);
  curl_easy_cleanup(e);
  curl_mime_free(m);
  curl_slist_free_all(h);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(httppost_sends_libcurls_request_for_every_formadd_option) {
  tserver *s = tserver_start();
  const char *dir = fixture_make();
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  struct curl_slist *hdrs = curl_slist_append(NULL, "X-Part: yes");
  struct curl_httppost *post;
  sink body = {0};
  collected got = {NULL, 0, 0, 0};
  CURL *e;
  char head[512], *req;
  size_t len;

  ASSERT_NOT_NULL(dir);
  tserver_script(s, 0, FX_STEPS(steps));
  post = formadd_everything(dir, hdrs);
  ASSERT_NOT_NULL(post);
  e = fx_easy(fx_url(s, "/post"), &body, NULL);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, cb_read); /* STREAM fields */
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_HTTPPOST, post), CURLE_OK);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  /* the boundaries are random here: the Content-Length (which counts
   * ferry's longer ones) must be the body's; then swap in libcurl's
   * boundaries and compare */
  {
    const char *cl = strstr(req, "Content-Length: ");
    const char *start = strstr(req, "\r\n\r\n");
    size_t ferry_len;
    char *want;
    ASSERT(cl != NULL && start != NULL);
    ferry_len = strtoul(cl + 16, NULL, 10);
    ASSERT_EQ(ferry_len, len - (size_t)(start + 4 - req));
    form_head(head, sizeof(head), s, "/post", httppost_type, ferry_len);
    got.p = req;
    got.len = len;
    want = malloc(strlen(head) + sizeof(httppost_body));
    memcpy(want, head, strlen(head));
    memcpy(want + strlen(head), httppost_body, sizeof(httppost_body));
    swap_boundaries(&got, want, strlen(head) + sizeof(httppost_body) - 1);
    free(want);
  }
  if (!request_is(got.p, got.len, head, httppost_body,
                  sizeof(httppost_body) - 1))
    TEST_FAIL_("request differs: %s", got.p);
  free(got.p);
  curl_easy_cleanup(e);
  curl_formfree(post);
  curl_slist_free_all(hdrs);
  sink_free(&body);
  fixture_remove();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Run a form's transfer against a server that answers 200; returns the
 * result and leaves the error buffer's text in err. */
static CURLcode post_form(tserver *s, curl_mime *m,
                          struct curl_httppost *post, char *err) {
  sink body = {0};
  CURL *e = fx_easy(fx_url(s, "/x"), &body, NULL);
  /* the body goes at once: the server answers when it has it */
  struct curl_slist *h = curl_slist_append(NULL, "Expect:");
  CURLcode rc;
  err[0] = '\0';
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
  if (post)
    curl_easy_setopt(e, CURLOPT_HTTPPOST, post);
  else
    curl_easy_setopt(e, CURLOPT_MIMEPOST, m);
  rc = curl_easy_perform(e);
  curl_easy_cleanup(e);
  curl_slist_free_all(h);
  sink_free(&body);
  return rc;
}

TEST_IMPL(mime_post_failures_end_the_transfer_with_their_codes) {
  tserver *s = tserver_start();
  const char *dir = fixture_make();
  char err[CURL_ERROR_SIZE];
  struct curl_httppost *post = NULL, *last = NULL;
  curl_mime *m;
  moody md = {"0123456789", 10, 0, 0, 3, 4}; /* no pause, then ABORT */

  ASSERT_NOT_NULL(dir);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  /* a missing file: READ_ERROR, naming it */
  m = curl_mime_init(NULL);
  curl_mime_filedata(add(m, "f"), fpath(dir, "gone.txt"));
  ASSERT_EQ(post_form(s, m, NULL, err), CURLE_READ_ERROR);
  ASSERT_NOT_NULL(strstr(err, "gone.txt"));
  curl_mime_free(m);
  /* a 7bit part with a byte above 127 */
  m = curl_mime_init(NULL);
  curl_mime_data(add(m, "a"), "caf\xc3\xa9", CURL_ZERO_TERMINATED);
  curl_mime_encoder(m->first, "7bit");
  ASSERT_EQ(post_form(s, m, NULL, err), CURLE_READ_ERROR);
  curl_mime_free(m);
  /* a callback part that aborts */
  m = curl_mime_init(NULL);
  curl_mime_data_cb(add(m, "cb"), 10, moody_read, NULL, NULL, &md);
  ASSERT_EQ(post_form(s, m, NULL, err), CURLE_ABORTED_BY_CALLBACK);
  curl_mime_free(m);
  /* HTTPPOST of a missing file fails before a connection is made */
  ASSERT_EQ(curl_formadd(&post, &last, CURLFORM_COPYNAME, "f", CURLFORM_FILE,
                         fpath(dir, "gone.txt"), CURLFORM_END),
            CURL_FORMADD_OK);
  {
    /* the three failed transfers closed their connections: once the
     * server has seen that, it has accepted them all (an accept can lag
     * behind the client's connect on a loaded machine) */
    unsigned before;
    ASSERT_EQ(tserver_wait_closed(s, 3, 5000), 0);
    before = tserver_connections(s);
    ASSERT_EQ(post_form(s, NULL, post, err), CURLE_READ_ERROR);
    ASSERT_EQ(tserver_connections(s), before);
  }
  curl_formfree(post);
  fixture_remove();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- allocation failure ------------------------------------------------ */

static long oom_count, oom_fail_at;

static int oom_now(void) {
  return ++oom_count == oom_fail_at;
}
static void *oom_malloc(size_t n) { return oom_now() ? NULL : malloc(n); }
static void oom_free(void *p) { free(p); }
static void *oom_realloc(void *p, size_t n) {
  return oom_now() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) { return oom_now() ? NULL : strdup(s); }
static void *oom_calloc(size_t a, size_t b) {
  return oom_now() ? NULL : calloc(a, b);
}

#define OOM_CHECK(call)                                                        \
  do {                                                                         \
    CURLcode c_ = (call);                                                      \
    if (c_ != CURLE_OK) {                                                      \
      rc = c_;                                                                 \
      goto out;                                                                \
    }                                                                          \
  } while (0)

/* Build a form of every kind with the mime API and read it; then one with
 * formadd, sent through the conversion and formget. FERRYE_OK, or the
 * error the first failing call gave. */
static ferry_code oom_scenario(const char *dir) {
  curl_mime *m = NULL, *sub = NULL;
  curl_mimepart *p;
  struct curl_httppost *post = NULL, *last = NULL;
  struct curl_slist *h = NULL;
  ferry_mime *conv = NULL;
  collected c = {NULL, 0, 0, 0};
  ferry_code rc = FERRYE_OK;
  char *body = NULL;
  size_t len, lastrc;
  int frc;

  m = curl_mime_init(NULL);
  if (m == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if ((p = curl_mime_addpart(m)) == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  OOM_CHECK(curl_mime_name(p, "text"));
  OOM_CHECK(curl_mime_data(p, "hello", CURL_ZERO_TERMINATED));
  OOM_CHECK(curl_mime_encoder(p, "quoted-printable"));
  if ((p = curl_mime_addpart(m)) == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  OOM_CHECK(curl_mime_name(p, "file"));
  OOM_CHECK(curl_mime_filedata(p, fpath(dir, "f.txt")));
  OOM_CHECK(curl_mime_encoder(p, "base64"));
  OOM_CHECK(curl_mime_type(p, "text/x-t"));
  if ((h = curl_slist_append(NULL, "X-A: b")) == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  OOM_CHECK(curl_mime_headers(p, h, 1));
  if ((sub = curl_mime_init(NULL)) == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  if ((p = curl_mime_addpart(m)) == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  OOM_CHECK(curl_mime_subparts(p, sub));
  if ((p = curl_mime_addpart(sub)) == NULL) {
    sub = NULL;
    rc = FERRYE_OUT_OF_MEMORY;
    goto out;
  }
  sub = NULL; /* owned by its part now */
  src_a = (cb_src){"callback", 8, 0, 3, 0, 0};
  OOM_CHECK(curl_mime_data_cb(p, 8, cb_read, cb_seek, NULL, &src_a));
  OOM_CHECK(curl_mime_filename(p, "cb.txt"));
  OOM_CHECK(ferry__mime_prepare(m, "multipart/related", 1));
  body = read_body(m, 7, &len, &lastrc);
  if (body == NULL || (ferry_off_t)len != ferry__mime_size(m)) {
    rc = FERRYE_LAST; /* reading allocates nothing: it must not fail */
    goto out;
  }

  frc = curl_formadd(&post, &last, CURLFORM_COPYNAME, "n",
                     CURLFORM_COPYCONTENTS, "v", CURLFORM_CONTENTTYPE, "t/t",
                     CURLFORM_END);
  if (frc == CURL_FORMADD_OK)
    frc = curl_formadd(&post, &last, CURLFORM_COPYNAME, "files",
                       CURLFORM_FILE, fpath(dir, "f.txt"), CURLFORM_FILE,
                       fpath(dir, "data.bin"), CURLFORM_FILENAME, "shown",
                       CURLFORM_END);
  if (frc != CURL_FORMADD_OK) {
    rc = frc == CURL_FORMADD_MEMORY ? FERRYE_OUT_OF_MEMORY : FERRYE_LAST;
    goto out;
  }
  OOM_CHECK(ferry__form_to_mime(&conv, post, NULL, 1));
  OOM_CHECK(ferry__mime_prepare(conv, NULL, 0));
  OOM_CHECK((CURLcode)curl_formget(post, &c, collect));
out:
  free(body);
  free(c.p);
  ferry_mime_free(conv);
  curl_formfree(post);
  curl_mime_free(sub);
  curl_mime_free(m);
  return rc;
}

TEST_IMPL(mime_oom_each_allocation_of_building_and_reading_fails_cleanly) {
  const char *dir = fixture_make();
  long total, oom = 0;

  ASSERT_NOT_NULL(dir);
  ASSERT_EQ(curl_global_init_mem(CURL_GLOBAL_ALL, oom_malloc, oom_free,
                                 oom_realloc, oom_strdup, oom_calloc),
            CURLE_OK);
  oom_count = oom_fail_at = 0;
  ASSERT_EQ(oom_scenario(dir), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 20);
  for (long i = 1; i <= total; i++) {
    ferry_code rc;
    oom_count = 0;
    oom_fail_at = i;
    rc = oom_scenario(dir);
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY)
      TEST_FAIL_("failing allocation %ld of %ld gave %d", i, total, (int)rc);
    oom += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  /* most failures surface; the others are buffers cut to fit, which stay
   * as they are when that fails */
  ASSERT_GE(oom * 10, total * 8);
  curl_global_cleanup();
  fixture_remove();
  return 0;
}
