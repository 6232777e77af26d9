/* The multipart tree (ferry_mime, ferry_mimepart) and its encoder, sans-IO
 * towards the network: the engine pulls the body through a function with
 * the read callback's signature and rewinds it through one with the seek
 * callback's, exactly as it would a user's READFUNCTION/SEEKFUNCTION.
 * Files and user callbacks are the only sources it reads.
 *
 * Lifecycle of a body: ferry__mime_prepare() freezes the top mime (every
 * part's headers, every size, the request's Content-Type value) and puts
 * the reader at the start; ferry__mime_read() then gives the bytes;
 * ferry__mime_seek() goes back to the start. Preparing again (the next
 * transfer) makes the headers and sizes anew, from the tree as it is then.
 * The output is the same, byte for byte, whatever the buffer sizes the
 * reads are given. */
#ifndef FERRY_MIME_H
#define FERRY_MIME_H

#include "ferry.h"

/* The longest boundary RFC 2046 allows. */
#define FERRY__MIME_BOUNDARY_MAX 70

/* Where a part's content comes from. */
typedef enum {
  FERRY__MIME_NONE,      /* no content: an empty body */
  FERRY__MIME_DATA,      /* bytes copied into the part */
  FERRY__MIME_FILE,      /* a file, opened when the part's body starts */
  FERRY__MIME_CALLBACK,  /* a read callback */
  FERRY__MIME_MULTIPART  /* a nested mime */
} ferry__mime_kind;

/* Content-Transfer-Encodings. */
typedef enum {
  FERRY__ENC_NONE,
  FERRY__ENC_BINARY,
  FERRY__ENC_8BIT,
  FERRY__ENC_7BIT,
  FERRY__ENC_BASE64,
  FERRY__ENC_QP
} ferry__mime_enc_kind;

/* Where a part's reader is. */
typedef enum {
  FERRY__PART_HEAD, /* its header block (part->head) */
  FERRY__PART_BODY, /* its encoded content */
  FERRY__PART_DONE
} ferry__part_stage;

/* Where a mime's reader is. */
typedef enum {
  FERRY__MIME_OPEN,     /* "--" boundary CRLF before the current part */
  FERRY__MIME_PART,     /* inside the current part */
  FERRY__MIME_PART_END, /* CRLF after it */
  FERRY__MIME_CLOSE,    /* "--" boundary "--" CRLF */
  FERRY__MIME_DONE
} ferry__mime_stage;

struct ferry__mime_enc; /* base64 / quoted-printable state (mime.c) */

struct ferry_mimepart {
  ferry_mime *owner;          /* the mime this is a part of */
  ferry_mimepart *next;
  ferry__mime_kind kind;
  ferry__mime_enc_kind encoder;
  char *name, *filename, *type; /* owned copies, or NULL */
  ferry_slist *headers;       /* extra header lines */
  unsigned headers_owned : 1; /* ... freed with the part */
  /* the content */
  char *data;                 /* DATA: the bytes (NUL after them);
                                 FILE: the path */
  size_t datalen;             /* DATA: their number */
  ferry_off_t cbsize;         /* CALLBACK: the size given, -1 unknown */
  ferry_read_callback readfn;
  ferry_seek_callback seekfn;
  ferry_free_callback freefn;
  void *arg;
  ferry_mime *sub;            /* MULTIPART: owned */
  /* frozen by prepare */
  char *head;                 /* the header lines and the blank line */
  size_t headlen;
  ferry_off_t rawsize;        /* the content's size, -1 unknown */
  ferry_off_t size;           /* ... once encoded */
  /* the reader */
  ferry__part_stage stage;
  size_t headoff;             /* bytes of head given */
  ferry_off_t done;           /* content bytes read (DATA: the offset) */
  int fd;                     /* FILE: open while its body is read, or -1 */
  unsigned started : 1;       /* CALLBACK: read from since the rewind */
  unsigned bad7 : 1;          /* 7bit: a byte above 127 comes next */
  struct ferry__mime_enc *enc; /* base64/QP state, made by prepare */
};

struct ferry_mime {
  ferry_mimepart *first, *last;
  ferry_mimepart *parent;     /* the part it is nested in, or NULL */
  char boundary[FERRY__MIME_BOUNDARY_MAX + 1];
  size_t blen;
  ferry_off_t size;           /* the body's size after prepare, -1 unknown */
  /* the reader */
  ferry__mime_stage stage;
  ferry_mimepart *cur;        /* the part being read */
  size_t off;                 /* bytes of the current fixed string given */
  /* the top mime only */
  char *content_type;         /* "multipart/form-data; boundary=..." */
  ferry_off_t total;          /* bytes given since the start */
  unsigned pause_pending : 1; /* a callback paused; the next read says so */
  ferry_code error;           /* why the read failed; FERRYE_OK */
  char errtext[FERRY_ERROR_SIZE];
};

/* Freeze m as a request's body: m must be a top mime (not nested in a
 * part). content_type is the type to send it as (a user's own
 * "Content-Type:" header value; NULL for multipart/form-data); options are
 * FERRYOPT_MIME_OPTIONS bits. Makes every part's header block, stats the
 * files, computes the sizes and puts the reader at the start. Returns
 * FERRYE_OK, FERRYE_BAD_FUNCTION_ARGUMENT (m NULL or nested),
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__mime_prepare(ferry_mime *m, const char *content_type,
                               long options);
/* The body's size after prepare, -1 when a part's size is unknown. */
ferry_off_t ferry__mime_size(const ferry_mime *m);
/* The request's Content-Type value after prepare ("multipart/form-data;
 * boundary=..."); owned by m, valid until it is prepared again or freed. */
const char *ferry__mime_content_type(const ferry_mime *m);
/* The read callback of a prepared top mime (the userdata): writes up to
 * size * nitems bytes of the body into buf and returns their number; 0 at
 * the end; FERRY_READFUNC_PAUSE when a callback part paused before any
 * byte was given; FERRY_READFUNC_ABORT when the body cannot go on (see
 * ferry__mime_error), and from then on. */
size_t ferry__mime_read(char *buf, size_t size, size_t nitems, void *mime);
/* The seek callback of a prepared top mime: offset 0 from SEEK_SET puts
 * the reader back at the start (callback parts that were read are
 * rewound with their seekfunc) and clears an error. Returns
 * FERRY_SEEKFUNC_OK; FERRY_SEEKFUNC_CANTSEEK for another offset or for a
 * callback part that was read and has no seekfunc; or what a seekfunc
 * returned. */
int ferry__mime_seek(void *mime, ferry_off_t offset, int origin);
/* Why ferry__mime_read returned FERRY_READFUNC_ABORT:
 * FERRYE_ABORTED_BY_CALLBACK (a callback part said so), FERRYE_READ_ERROR
 * (a file could not be read or changed size, a callback gave more or
 * fewer bytes than its size, a 7bit part has a byte above 127), or
 * FERRYE_OK when it did not fail. The text is in m->errtext. */
ferry_code ferry__mime_error(const ferry_mime *m);
/* A deep copy of src for another handle (duphandle): data, paths, names
 * and header lists are copied, callback parts share their functions and
 * arg (so a freefunc runs for each copy, as in libcurl), nested mimes are
 * copied too, and each copied mime has a boundary of its own. *out is
 * NULL for a NULL src. FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__mime_dup(ferry_mime **out, const ferry_mime *src);

/* The type libcurl gives a filename by its extension (.gif .jpg .jpeg
 * .png .svg .txt .htm .html .pdf .xml, any case), or NULL. */
const char *ferry__mime_type_of(const char *filename);

/* For tests: use boundary b (1 to 70 bytes, no CR or LF) instead of the
 * random one. FERRYE_OK or FERRYE_BAD_FUNCTION_ARGUMENT. */
ferry_code ferry__mime_set_boundary(ferry_mime *m, const char *b);

/* HTTPPOST (form.c): a new mime made from the httppost list, as libcurl
 * converts it, in *out. STREAM fields read through readfn (NULL: fread on
 * their userp as a FILE *) with their userp; with streams 0 they give no
 * bytes (ferry_formget). FERRYE_OK, FERRYE_OUT_OF_MEMORY, or
 * FERRYE_READ_ERROR when a file the list names cannot be read now (as
 * libcurl: the form is not sent then); *out is NULL on an error. */
ferry_code ferry__form_to_mime(ferry_mime **out,
                               const struct ferry_httppost *post,
                               ferry_read_callback readfn, int streams);

#endif
