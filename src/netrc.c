/* The .netrc file format (see netrc.h). */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "netrc.h"

/* A value kept from a token: its bytes and whether it was given. */
typedef struct netrc_value {
  char text[FERRY__NETRC_MAX_TOKEN + 1];
  size_t len;
  int set;
} netrc_value;

/* What a lookup knows so far. */
typedef struct netrc_scan {
  const char *host, *login; /* what is looked up; login may be NULL */
  int in_entry;             /* a machine or default entry has started */
  int entry_matches;        /* ... and it is for host */
  netrc_value entry_login, entry_password;
  enum { WANT_NONE, WANT_MACHINE, WANT_LOGIN, WANT_PASSWORD, WANT_SKIP,
         WANT_MACRO_NAME } want; /* what the next token is */
  int in_macro;             /* skipping a macdef's lines */
} netrc_scan;

/* A NUL counts as a blank: it ends a token and is none itself. */
static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' ||
         c == '\0';
}

static int is_keyword(const char *tok, size_t len, const char *kw) {
  return strlen(kw) == len && strncasecmp(tok, kw, len) == 0;
}

/* Does the entry that just ended give the credentials asked for? */
static int entry_fits(const netrc_scan *s) {
  if (!s->in_entry || !s->entry_matches)
    return 0;
  if (s->login != NULL)
    return s->entry_login.set && strlen(s->login) == s->entry_login.len &&
           memcmp(s->login, s->entry_login.text, s->entry_login.len) == 0;
  return s->entry_login.set || s->entry_password.set;
}

static void entry_start(netrc_scan *s, int matches) {
  s->in_entry = 1;
  s->entry_matches = matches;
  s->entry_login.set = s->entry_password.set = 0;
  s->entry_login.len = s->entry_password.len = 0;
}

/* Read the token at *p (before end of the line at eol) into out (without
 * quotes and escapes). Returns 1 with *p past it, 0 for none before eol,
 * -1 for a syntax error. */
static int next_token(const char **p, const char *eol, netrc_value *out) {
  const char *q = *p;

  while (q < eol && is_blank(*q))
    q++;
  if (q == eol) {
    *p = q;
    return 0;
  }
  out->len = 0;
  if (*q == '"') {
    int closed = 0;
    for (q++; q < eol; q++) {
      char c = *q;
      if (c == '\0')
        return -1; /* no NUL inside a login or password */
      if (c == '"') {
        closed = 1;
        q++;
        break;
      }
      if (c == '\\') {
        if (++q == eol)
          return -1; /* a backslash at the end of the line */
        c = *q == 'n' ? '\n' : *q == 'r' ? '\r' : *q == 't' ? '\t' : *q;
      }
      if (out->len == FERRY__NETRC_MAX_TOKEN)
        return -1;
      out->text[out->len++] = c;
    }
    if (!closed)
      return -1;
  } else {
    while (q < eol && !is_blank(*q)) {
      if (out->len == FERRY__NETRC_MAX_TOKEN)
        return -1;
      out->text[out->len++] = *q++;
    }
  }
  out->text[out->len] = '\0';
  out->set = 1;
  *p = q;
  return 1;
}

/* Take one token. Returns 1 when an entry that fits has ended (the scan
 * is over), 0 to go on. */
static int take_token(netrc_scan *s, const netrc_value *tok) {
  const char *t = tok->text;
  size_t n = tok->len;

  switch (s->want) {
  case WANT_MACHINE:
    s->want = WANT_NONE;
    entry_start(s, strlen(s->host) == n && strncasecmp(t, s->host, n) == 0);
    return 0;
  case WANT_LOGIN:
  case WANT_PASSWORD: {
    netrc_value *v = s->want == WANT_LOGIN ? &s->entry_login
                                           : &s->entry_password;
    s->want = WANT_NONE;
    if (s->in_entry)
      *v = *tok;
    return 0;
  }
  case WANT_SKIP:
    s->want = WANT_NONE;
    return 0;
  case WANT_MACRO_NAME:
  case WANT_NONE:
    break;
  }
  if (is_keyword(t, n, "machine")) {
    if (entry_fits(s))
      return 1;
    s->want = WANT_MACHINE;
  } else if (is_keyword(t, n, "default")) {
    if (entry_fits(s))
      return 1;
    entry_start(s, 1);
  } else if (is_keyword(t, n, "login")) {
    s->want = WANT_LOGIN;
  } else if (is_keyword(t, n, "password")) {
    s->want = WANT_PASSWORD;
  } else if (is_keyword(t, n, "account")) {
    s->want = WANT_SKIP;
  } else if (is_keyword(t, n, "macdef")) {
    s->want = WANT_MACRO_NAME;
  }
  /* any other token: ignored */
  return 0;
}

ferry__netrc_result ferry__netrc_find(const char *text, size_t len,
                                      const char *host, const char *login,
                                      char **login_out, char **password_out) {
  netrc_scan *s;
  netrc_value *tok;
  const char *p = text, *end = text + len;
  ferry__netrc_result rc = FERRY__NETRC_NO_MATCH;

  *login_out = *password_out = NULL;
  if (host == NULL || (text == NULL && len > 0))
    return FERRY__NETRC_NO_MATCH;
  /* two values of 4 KiB each and a token: too big for every stack */
  s = ferry__calloc(1, sizeof(*s));
  tok = ferry__malloc(sizeof(*tok));
  if (s == NULL || tok == NULL) {
    rc = FERRY__NETRC_NOMEM;
    goto done;
  }
  s->host = host;
  s->login = login;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *q = p;
    int r;

    if (eol == NULL)
      eol = end;
    while (q < eol && is_blank(*q))
      q++;
    if (s->in_macro) {
      /* a macro's lines run to the first empty one */
      if (q == eol)
        s->in_macro = 0;
      p = eol + (eol < end);
      continue;
    }
    if (q < eol && *q == '#') {
      p = eol + (eol < end);
      continue;
    }
    while ((r = next_token(&q, eol, tok)) == 1) {
      if (s->want == WANT_MACRO_NAME) {
        /* the rest of the line goes with the name; the macro starts on
         * the next line */
        s->want = WANT_NONE;
        s->in_macro = 1;
        break;
      }
      if (take_token(s, tok))
        goto found;
    }
    if (r < 0) {
      rc = FERRY__NETRC_SYNTAX;
      goto done;
    }
    p = eol + (eol < end);
  }
  if (!entry_fits(s))
    goto done;
found:
  *login_out = ferry__memdup0(s->entry_login.text, s->entry_login.len);
  *password_out = ferry__memdup0(s->entry_password.text,
                                 s->entry_password.len);
  if (*login_out == NULL || *password_out == NULL) {
    ferry__free(*login_out);
    ferry__free(*password_out);
    *login_out = *password_out = NULL;
    rc = FERRY__NETRC_NOMEM;
    goto done;
  }
  rc = FERRY__NETRC_FOUND;
done:
  if (s != NULL) {
    /* the values may be secrets */
    memset(s, 0, sizeof(*s));
    ferry__free(s);
  }
  if (tok != NULL) {
    memset(tok, 0, sizeof(*tok));
    ferry__free(tok);
  }
  return rc;
}
