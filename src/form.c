/* The older form API: ferry_formadd builds a list of ferry_httppost
 * fields (libcurl's struct curl_httppost), and HTTPPOST and ferry_formget
 * send it by turning it into a mime (mime.c), the one encoder both APIs
 * share. What each option does and which errors come back follow libcurl
 * 7.88; where libcurl crashes (a NULL BUFFER or FILENAME, a content type
 * given twice for a file with no file after it), ferry returns an error. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "mime.h"

/* One field (or one more file of a field) while ferry_formadd reads its
 * options. Nothing is copied until every option has been read. */
typedef struct form_info {
  struct form_info *next;   /* the field's next file */
  const char *name;
  long namelength;
  const char *value;        /* contents, a path, a buffer or a userp */
  long contentslength;
  ferry_off_t contentlen;
  const char *buffer;
  long bufferlength;
  const char *contenttype;
  ferry_slist *contentheader;
  const char *showfilename;
  void *userp;
  long flags;
} form_info;

/* The type ferry_formadd gives a file or a buffer: from its name's
 * extension, else the type of the field's file before it, else
 * application/octet-stream. */
static const char *type_for_file(const char *filename, const char *prev) {
  const char *t = ferry__mime_type_of(filename);
  return t ? t : prev ? prev : "application/octet-stream";
}

static void free_infos(form_info *f) {
  while (f) {
    form_info *next = f->next;
    ferry__free(f);
    f = next;
  }
}

/* A new info after cur (the field's next file); NULL when out of memory. */
static form_info *more_info(form_info *cur) {
  form_info *f = ferry__calloc(1, sizeof(*f));
  if (f != NULL)
    cur->next = f;
  return f;
}

/* The options of one field: from the arguments, and from a FERRYFORM_ARRAY
 * once in one. */
typedef struct option_source {
  va_list *ap;
  const struct ferry_forms *array; /* non-NULL inside an array */
} option_source;

/* Read the options into the infos after first. */
static ferry_formcode read_options(form_info *first, option_source *src) {
  form_info *cur = first;

  for (;;) {
    ferry_formoption opt;
    const char *pv = NULL; /* the value in an array */
    int in_array = src->array != NULL;

    if (in_array) {
      opt = src->array->option;
      pv = src->array->value;
      src->array++;
      if (opt == FERRYFORM_END) {
        src->array = NULL; /* back to the arguments */
        continue;
      }
    } else {
      opt = (ferry_formoption)va_arg(*src->ap, int);
    }
/* The next argument of a long, off_t or pointer option. */
#define ARG_LONG() (in_array ? (long)(intptr_t)pv : va_arg(*src->ap, long))
#define ARG_OFF()                                                              \
  (in_array ? (ferry_off_t)(intptr_t)pv : va_arg(*src->ap, ferry_off_t))
#define ARG_PTR() (in_array ? (const char *)pv : va_arg(*src->ap, const char *))
    switch (opt) {
    case FERRYFORM_END:
      return FERRY_FORMADD_OK;
    case FERRYFORM_ARRAY: {
      const struct ferry_forms *a =
          in_array ? NULL : va_arg(*src->ap, const struct ferry_forms *);
      if (in_array)
        return FERRY_FORMADD_ILLEGAL_ARRAY;
      if (a == NULL)
        return FERRY_FORMADD_NULL;
      src->array = a;
      break;
    }
    case FERRYFORM_PTRNAME:
    case FERRYFORM_COPYNAME: {
      const char *v = ARG_PTR();
      if (cur->name)
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->name = v;
      if (opt == FERRYFORM_PTRNAME)
        cur->flags |= FERRY_HTTPPOST_PTRNAME;
      break;
    }
    case FERRYFORM_NAMELENGTH: {
      long v = ARG_LONG();
      if (cur->namelength)
        return FERRY_FORMADD_OPTION_TWICE;
      cur->namelength = v;
      break;
    }
    case FERRYFORM_PTRCONTENTS:
    case FERRYFORM_COPYCONTENTS: {
      const char *v = ARG_PTR();
      if (cur->value)
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->value = v;
      if (opt == FERRYFORM_PTRCONTENTS)
        cur->flags |= FERRY_HTTPPOST_PTRCONTENTS;
      break;
    }
    case FERRYFORM_CONTENTSLENGTH:
      cur->contentslength = ARG_LONG();
      break;
    case FERRYFORM_CONTENTLEN:
      cur->contentlen = ARG_OFF();
      cur->flags |= FERRY_HTTPPOST_LARGE;
      break;
    case FERRYFORM_FILECONTENT: {
      const char *v = ARG_PTR();
      if (cur->flags & (FERRY_HTTPPOST_PTRCONTENTS | FERRY_HTTPPOST_READFILE))
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->value = v;
      cur->flags |= FERRY_HTTPPOST_READFILE;
      break;
    }
    case FERRYFORM_FILE: {
      const char *v = ARG_PTR();
      if (cur->value && !(cur->flags & FERRY_HTTPPOST_FILENAME))
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      if (cur->value && (cur = more_info(cur)) == NULL)
        return FERRY_FORMADD_MEMORY; /* one more file for this field */
      cur->value = v;
      cur->flags |= FERRY_HTTPPOST_FILENAME;
      break;
    }
    case FERRYFORM_BUFFER:
    case FERRYFORM_FILENAME: {
      /* a buffer's filename is the filename to send */
      const char *v = ARG_PTR();
      if (opt == FERRYFORM_BUFFER)
        cur->flags |= FERRY_HTTPPOST_BUFFER;
      if (cur->showfilename)
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->showfilename = v;
      break;
    }
    case FERRYFORM_BUFFERPTR: {
      const char *v = ARG_PTR();
      cur->flags |= FERRY_HTTPPOST_BUFFER | FERRY_HTTPPOST_PTRBUFFER;
      if (cur->buffer)
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->buffer = v;
      break;
    }
    case FERRYFORM_BUFFERLENGTH: {
      long v = ARG_LONG();
      if (cur->bufferlength)
        return FERRY_FORMADD_OPTION_TWICE;
      cur->bufferlength = v;
      break;
    }
    case FERRYFORM_STREAM: {
      const char *v = ARG_PTR();
      cur->flags |= FERRY_HTTPPOST_CALLBACK;
      if (cur->userp)
        return FERRY_FORMADD_OPTION_TWICE;
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      cur->userp = (void *)(uintptr_t)v;
      cur->value = v;
      break;
    }
    case FERRYFORM_CONTENTTYPE: {
      const char *v = ARG_PTR();
      if (v == NULL)
        return FERRY_FORMADD_NULL;
      if (cur->contenttype) {
        /* a file's type given again starts the field's next file */
        if (!(cur->flags & FERRY_HTTPPOST_FILENAME))
          return FERRY_FORMADD_OPTION_TWICE;
        if ((cur = more_info(cur)) == NULL)
          return FERRY_FORMADD_MEMORY;
      }
      cur->contenttype = v;
      break;
    }
    case FERRYFORM_CONTENTHEADER: {
      ferry_slist *v = (ferry_slist *)(uintptr_t)ARG_PTR();
      if (cur->contentheader)
        return FERRY_FORMADD_OPTION_TWICE;
      cur->contentheader = v;
      break;
    }
    default:
      /* NOTHING, the two OBSOLETE ones, and any other number */
      return FERRY_FORMADD_UNKNOWN_OPTION;
    }
#undef ARG_LONG
#undef ARG_OFF
#undef ARG_PTR
  }
}

/* Is the field (its infos) one libcurl would send? */
static ferry_formcode check_infos(const form_info *first) {
  for (const form_info *f = first; f != NULL; f = f->next) {
    int has_value = f->value != NULL || f->buffer != NULL;
    if ((f == first && f->name == NULL) || !has_value)
      return FERRY_FORMADD_INCOMPLETE;
    if (f->contentslength && (f->flags & FERRY_HTTPPOST_FILENAME))
      return FERRY_FORMADD_INCOMPLETE;
    if ((f->flags & (FERRY_HTTPPOST_FILENAME | FERRY_HTTPPOST_READFILE)) &&
        (f->flags & FERRY_HTTPPOST_PTRCONTENTS))
      return FERRY_FORMADD_INCOMPLETE;
  }
  return FERRY_FORMADD_OK;
}

static char *copy_or_null(const char *s, int *oom) {
  char *c;
  if (s == NULL)
    return NULL;
  c = ferry__strdup(s);
  if (c == NULL)
    *oom = 1;
  return c;
}

/* The field node of one info, with its own copies. prev_type is the type
 * of the field's file before it. NULL when out of memory. */
static struct ferry_httppost *make_node(const form_info *f, int first,
                                        const char *prev_type) {
  struct ferry_httppost *p = ferry__calloc(1, sizeof(*p));
  const char *type = f->contenttype;
  int oom = 0;

  if (p == NULL)
    return NULL;
  p->flags = f->flags;
  p->namelength = f->namelength;
  p->contentslength = f->contentslength;
  p->contentlen = f->contentlen;
  p->buffer = (char *)(uintptr_t)f->buffer;
  p->bufferlength = f->bufferlength;
  p->contentheader = f->contentheader;
  p->userp = f->userp;
  if (first && (f->flags & FERRY_HTTPPOST_PTRNAME)) {
    p->name = (char *)(uintptr_t)f->name;
  } else if (first) {
    size_t n = f->namelength > 0 ? (size_t)f->namelength : strlen(f->name);
    if ((p->name = ferry__memdup0(f->name, n)) == NULL)
      oom = 1;
  }
  if (f->flags & (FERRY_HTTPPOST_PTRCONTENTS | FERRY_HTTPPOST_PTRBUFFER |
                  FERRY_HTTPPOST_CALLBACK)) {
    p->contents = (char *)(uintptr_t)(f->value ? f->value : f->buffer);
  } else if (f->value) {
    ferry_off_t n = (f->flags & FERRY_HTTPPOST_LARGE) ? f->contentlen
                                                      : f->contentslength;
    size_t len = n > 0 ? (size_t)n : strlen(f->value);
    if ((p->contents = ferry__memdup0(f->value, len)) == NULL)
      oom = 1;
  }
  /* a file or a buffer gets a type from its name, as in libcurl */
  if (type == NULL &&
      (f->flags & (FERRY_HTTPPOST_FILENAME | FERRY_HTTPPOST_BUFFER)))
    type = type_for_file((f->flags & FERRY_HTTPPOST_BUFFER) ? f->showfilename
                                                            : f->value,
                         prev_type);
  p->contenttype = copy_or_null(type, &oom);
  p->showfilename = copy_or_null(f->showfilename, &oom);
  if (oom) {
    ferry_formfree(p);
    return NULL;
  }
  return p;
}

ferry_formcode ferry_formadd(struct ferry_httppost **httppost,
                             struct ferry_httppost **last_post, ...) {
  form_info first;
  option_source src;
  va_list ap;
  ferry_formcode rc;
  struct ferry_httppost *head = NULL, *tail = NULL;

  if (httppost == NULL || last_post == NULL)
    return FERRY_FORMADD_NULL;
  memset(&first, 0, sizeof(first));
  va_start(ap, last_post);
  src.ap = &ap;
  src.array = NULL;
  rc = read_options(&first, &src);
  va_end(ap);
  if (rc == FERRY_FORMADD_OK)
    rc = check_infos(&first);
  for (const form_info *f = &first; rc == FERRY_FORMADD_OK && f; f = f->next) {
    struct ferry_httppost *p =
        make_node(f, f == &first, tail ? tail->contenttype : NULL);
    if (p == NULL) {
      rc = FERRY_FORMADD_MEMORY;
      break;
    }
    if (tail)
      tail->more = p;
    else
      head = p;
    tail = p;
  }
  free_infos(first.next);
  if (rc != FERRY_FORMADD_OK) {
    ferry_formfree(head);
    return rc;
  }
  /* the field goes at the end of the list */
  if (*httppost == NULL) {
    *httppost = head;
  } else {
    struct ferry_httppost *end = *last_post ? *last_post : *httppost;
    while (end->next)
      end = end->next;
    end->next = head;
  }
  *last_post = head;
  return FERRY_FORMADD_OK;
}

void ferry_formfree(struct ferry_httppost *form) {
  while (form) {
    struct ferry_httppost *next = form->next;
    ferry_formfree(form->more);
    if (!(form->flags & FERRY_HTTPPOST_PTRNAME))
      ferry__free(form->name);
    if (!(form->flags & (FERRY_HTTPPOST_PTRCONTENTS | FERRY_HTTPPOST_PTRBUFFER |
                         FERRY_HTTPPOST_CALLBACK)))
      ferry__free(form->contents);
    ferry__free(form->contenttype);
    ferry__free(form->showfilename);
    ferry__free(form);
    form = next;
  }
}

/* ---- the list as a mime --------------------------------------------------- */

/* fread on the FILE * in arg: stdin for a file named "-", a STREAM's userp
 * without a READFUNCTION. */
static size_t file_read(char *buf, size_t size, size_t n, void *arg) {
  return fread(buf, size, n, (FILE *)arg);
}

static int file_seek(void *arg, ferry_off_t offset, int origin) {
  return fseeko((FILE *)arg, (off_t)offset, origin) == 0
             ? FERRY_SEEKFUNC_OK
             : FERRY_SEEKFUNC_CANTSEEK;
}

/* The content of one field (or file of a field) into part. head is the
 * field's first node, whose flags and lengths hold for its files. */
static ferry_code fill_part(ferry_mimepart *part,
                            const struct ferry_httppost *head,
                            const struct ferry_httppost *file,
                            ferry_read_callback readfn, int streams) {
  ferry_off_t clen = (head->flags & FERRY_HTTPPOST_LARGE)
                         ? head->contentlen
                         : (ferry_off_t)head->contentslength;
  ferry_code rc = FERRYE_OK;

  if (head->flags & (FERRY_HTTPPOST_FILENAME | FERRY_HTTPPOST_READFILE)) {
    if (file->contents == NULL)
      return FERRYE_READ_ERROR;
    if (strcmp(file->contents, "-") == 0)
      rc = ferry_mime_data_cb(part, -1, file_read, file_seek, NULL, stdin);
    else
      rc = ferry_mime_filedata(part, file->contents);
    /* read as the contents: no filename from the path */
    if (rc == FERRYE_OK && (head->flags & FERRY_HTTPPOST_READFILE))
      rc = ferry_mime_filename(part, NULL);
  } else if (head->flags & FERRY_HTTPPOST_BUFFER) {
    rc = ferry_mime_data(part, head->buffer ? head->buffer : "",
                         head->bufferlength > 0 ? (size_t)head->bufferlength
                                                : FERRY_ZERO_TERMINATED);
  } else if (head->flags & FERRY_HTTPPOST_CALLBACK) {
    if (streams)
      rc = ferry_mime_data_cb(part, clen > 0 ? clen : -1,
                              readfn ? readfn : file_read, NULL, NULL,
                              head->userp);
  } else if (file->contents) {
    rc = ferry_mime_data(part, file->contents,
                         clen > 0 ? (size_t)clen : FERRY_ZERO_TERMINATED);
  }
  if (rc == FERRYE_OK && file->contenttype)
    rc = ferry_mime_type(part, file->contenttype);
  /* the field's FILENAME names each of its files, as in libcurl (a later
   * file's own FILENAME goes unused) */
  if (rc == FERRYE_OK && head->showfilename &&
      (head->more || (head->flags & (FERRY_HTTPPOST_FILENAME |
                                     FERRY_HTTPPOST_BUFFER |
                                     FERRY_HTTPPOST_CALLBACK))))
    rc = ferry_mime_filename(part, head->showfilename);
  return rc;
}

/* Set the part's name from a field: namelength bytes, or the string. */
static ferry_code set_field_name(ferry_mimepart *part,
                                 const struct ferry_httppost *head) {
  char *name;
  ferry_code rc;

  if (head->name == NULL)
    return FERRYE_OK;
  name = ferry__memdup0(head->name, head->namelength > 0
                                        ? (size_t)head->namelength
                                        : strlen(head->name));
  if (name == NULL)
    return FERRYE_OUT_OF_MEMORY;
  rc = ferry_mime_name(part, name);
  ferry__free(name);
  return rc;
}

ferry_code ferry__form_to_mime(ferry_mime **out,
                               const struct ferry_httppost *post,
                               ferry_read_callback readfn, int streams) {
  ferry_mime *top = ferry_mime_init(NULL);
  ferry_code rc = top ? FERRYE_OK : FERRYE_OUT_OF_MEMORY;

  *out = NULL;
  for (; rc == FERRYE_OK && post != NULL; post = post->next) {
    ferry_mime *files = top; /* where this field's files go */
    ferry_mimepart *part;

    if (post->more) {
      /* several files: one multipart/mixed part holding them */
      ferry_mime *sub;
      part = ferry_mime_addpart(top);
      if (part == NULL || (rc = set_field_name(part, post)) != FERRYE_OK ||
          (sub = ferry_mime_init(NULL)) == NULL) {
        rc = rc != FERRYE_OK ? rc : FERRYE_OUT_OF_MEMORY;
        break;
      }
      ferry_mime_subparts(part, sub); /* a new mime: cannot fail */
      files = sub;
    }
    for (const struct ferry_httppost *f = post; rc == FERRYE_OK && f;
         f = f->more) {
      part = ferry_mime_addpart(files);
      if (part == NULL) {
        rc = FERRYE_OUT_OF_MEMORY;
        break;
      }
      ferry_mime_headers(part, f->contentheader, 0);
      if (!post->more)
        rc = set_field_name(part, post);
      if (rc == FERRYE_OK)
        rc = fill_part(part, post, f, readfn, streams);
    }
  }
  if (rc != FERRYE_OK) {
    ferry_mime_free(top);
    return rc;
  }
  *out = top;
  return FERRYE_OK;
}

int ferry_formget(struct ferry_httppost *form, void *arg,
                  ferry_formget_callback append) {
  ferry_mime *m;
  ferry_code rc;
  char buf[8192];

  if (append == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = ferry__form_to_mime(&m, form, NULL, 0);
  if (rc != FERRYE_OK)
    return (int)rc;
  rc = ferry__mime_prepare(m, NULL, 0);
  if (rc == FERRYE_OK) {
    const char *ct = ferry__mime_content_type(m);
    size_t n = (size_t)snprintf(buf, sizeof(buf), "Content-Type: %s\r\n\r\n",
                                ct);
    if (n >= sizeof(buf) || append(arg, buf, n) != n)
      rc = FERRYE_READ_ERROR;
  }
  while (rc == FERRYE_OK) {
    size_t n = ferry__mime_read(buf, 1, sizeof(buf), m);
    if (n == 0)
      break;
    if (n == FERRY_READFUNC_ABORT || n == FERRY_READFUNC_PAUSE)
      rc = n == FERRY_READFUNC_ABORT ? ferry__mime_error(m)
                                     : FERRYE_READ_ERROR;
    else if (append(arg, buf, n) != n)
      rc = FERRYE_READ_ERROR;
  }
  ferry_mime_free(m);
  return (int)rc;
}
