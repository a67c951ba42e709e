/* jread.c: a recursive-descent JSON parser (RFC 8259) into a tree. */
#include "jread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  const char *s, *end;
  const char *p;
  char *err;
  size_t errlen;
  bool failed;
} parser;

static void fail(parser *ps, const char *what) {
  if (ps->failed) return;
  ps->failed = true;
  int line = 1, col = 1;
  for (const char *q = ps->s; q < ps->p && q < ps->end; q++) {
    if (*q == '\n') line++, col = 1;
    else col++;
  }
  snprintf(ps->err, ps->errlen, "line %d, column %d: %s", line, col, what);
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static jv *value(parser *ps, int depth);

static jv *new_value(parser *ps, enum jtype t) {
  jv *v = calloc(1, sizeof *v);
  if (!v) fail(ps, "out of memory");
  else v->type = t;
  return v;
}

/* Doubles the room for v's items (and keys): a list of n items costs O(n)
** copying, not O(n^2). false when out of memory (v unchanged but for room). */
static bool grow(jv *v) {
  size_t cap = v->cap ? v->cap * 2 : 4;
  jv **items = realloc(v->items, cap * sizeof *items);
  if (!items) return false;
  v->items = items;
  if (v->type == J_OBJ) {
    char **keys = realloc(v->keys, cap * sizeof *keys);
    if (!keys) return false;
    v->keys = keys;
  }
  v->cap = cap;
  return true;
}

static bool append(parser *ps, jv *v, char *key, jv *item) {
  if (v->n == v->cap && !grow(v)) {
    fail(ps, "out of memory");
    return false;
  }
  if (v->type == J_OBJ) v->keys[v->n] = key;
  v->items[v->n++] = item;
  return true;
}

static void put_utf8(char *out, size_t *n, unsigned c) {
  if (c < 0x80) {
    out[(*n)++] = (char)c;
  } else if (c < 0x800) {
    out[(*n)++] = (char)(0xC0 | c >> 6);
    out[(*n)++] = (char)(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out[(*n)++] = (char)(0xE0 | c >> 12);
    out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[(*n)++] = (char)(0x80 | (c & 0x3F));
  } else {
    out[(*n)++] = (char)(0xF0 | c >> 18);
    out[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[(*n)++] = (char)(0x80 | (c & 0x3F));
  }
}

static int hex4(parser *ps) {
  if (ps->end - ps->p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = *ps->p++;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static bool escape(parser *ps, char *out, size_t *n) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  char c = *ps->p++;
  const char *k = c ? strchr(from, c) : NULL;
  if (k) {
    out[(*n)++] = to[k - from];
    return true;
  }
  int u = c == 'u' ? hex4(ps) : -1;
  if (u >= 0xD800 && u < 0xDC00) { /* a surrogate pair */
    int lo = ps->end - ps->p >= 2 && ps->p[0] == '\\' && ps->p[1] == 'u' ? (ps->p += 2, hex4(ps)) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) return false;
    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
  } else if (u >= 0xDC00 && u <= 0xDFFF) {
    return false;
  }
  if (u <= 0) return false; /* bad escape, or \u0000 */
  put_utf8(out, n, (unsigned)u);
  return true;
}

/* At the opening quote. The text is at most as long as its source. */
static char *string(parser *ps) {
  ps->p++;
  const char *start = ps->p;
  while (ps->p < ps->end && *ps->p != '"') ps->p += *ps->p == '\\' ? 2 : 1;
  if (ps->p >= ps->end) {
    fail(ps, "unterminated string");
    return NULL;
  }
  const char *stop = ps->p;
  char *out = malloc((size_t)(stop - start) + 1);
  size_t n = 0;
  if (!out) {
    fail(ps, "out of memory");
    return NULL;
  }
  for (ps->p = start; ps->p < stop;) {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) {
      fail(ps, "control character in a string");
      break;
    }
    if (c != '\\') {
      out[n++] = *ps->p++;
      continue;
    }
    ps->p++;
    if (!escape(ps, out, &n) || ps->p > stop) {
      fail(ps, "bad escape in a string");
      break;
    }
  }
  if (ps->failed) {
    free(out);
    return NULL;
  }
  out[n] = '\0';
  ps->p = stop + 1;
  return out;
}

static jv *number(parser *ps) {
  const char *q = ps->p;
  if (q < ps->end && *q == '-') q++;
  if (q >= ps->end || *q < '0' || *q > '9') {
    fail(ps, "expected a value");
    return NULL;
  }
  if (*q == '0') q++;
  else while (q < ps->end && *q >= '0' && *q <= '9') q++;
  if (q < ps->end && *q == '.') {
    if (++q >= ps->end || *q < '0' || *q > '9') goto bad;
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < ps->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < ps->end && (*q == '+' || *q == '-')) q++;
    if (q >= ps->end || *q < '0' || *q > '9') goto bad;
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  char buf[64];
  if (q - ps->p >= (long)sizeof buf) goto bad;
  memcpy(buf, ps->p, (size_t)(q - ps->p));
  buf[q - ps->p] = '\0';
  jv *v = new_value(ps, J_NUM);
  if (v) v->num = strtod(buf, NULL);
  ps->p = q;
  if (v && !isfinite(v->num)) {
    free(v);
    goto bad;
  }
  return v;
bad:
  fail(ps, "malformed number");
  return NULL;
}

static jv *literal(parser *ps, const char *word, enum jtype t, double num) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
    fail(ps, "expected a value");
    return NULL;
  }
  ps->p += n;
  jv *v = new_value(ps, t);
  if (v) v->num = num;
  return v;
}

/* Arrays and objects: at the opening bracket. */
static jv *container(parser *ps, int depth, bool object) {
  jv *v = new_value(ps, object ? J_OBJ : J_ARR);
  char close = object ? '}' : ']';
  ps->p++;
  skip_ws(ps);
  if (v && ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return v;
  }
  while (v && !ps->failed) {
    char *key = NULL;
    if (object) {
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, "expected a key in quotes");
        break;
      }
      if (!(key = string(ps))) break;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        fail(ps, "expected ':' after a key");
        break;
      }
      ps->p++;
    }
    jv *item = value(ps, depth + 1);
    if (!item || !append(ps, v, key, item)) {
      free(key);
      jread_free(item);
      break;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
    } else if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return v;
    } else {
      fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
  jread_free(v);
  return NULL;
}

static jv *value(parser *ps, int depth) {
  skip_ws(ps);
  if (depth > JREAD_MAX_DEPTH) {
    fail(ps, "nested too deeply");
    return NULL;
  }
  if (ps->p >= ps->end) {
    fail(ps, "unexpected end of input");
    return NULL;
  }
  switch (*ps->p) {
  case '{': return container(ps, depth, true);
  case '[': return container(ps, depth, false);
  case '"': {
    char *s = string(ps);
    jv *v = s ? new_value(ps, J_STR) : NULL;
    if (v) v->str = s;
    else free(s);
    return v;
  }
  case 't': return literal(ps, "true", J_BOOL, 1);
  case 'f': return literal(ps, "false", J_BOOL, 0);
  case 'n': return literal(ps, "null", J_NULL, 0);
  default: return number(ps);
  }
}

jv *jread_parse(const char *text, size_t len, char *err, size_t errlen) {
  parser ps = {text, text + len, text, err, errlen, false};
  jv *v = value(&ps, 0);
  skip_ws(&ps);
  if (v && ps.p != ps.end) {
    fail(&ps, "text after the value");
    jread_free(v);
    return NULL;
  }
  return v;
}

jv *jread_file(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  bool oom = false;
  for (;;) {
    if (n == cap) {
      size_t want = cap ? cap * 2 : 65536;
      char *b = realloc(buf, want);
      oom = b == NULL;
      if (oom) break; /* never parse a part of the file */
      buf = b;
      cap = want;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool bad = ferror(f) || oom;
  fclose(f);
  if (bad) {
    free(buf);
    snprintf(err, errlen, "%s: %s", path, oom ? "out of memory" : "cannot read it");
    return NULL;
  }
  char why[200];
  jv *v = jread_parse(buf, n, why, sizeof why);
  free(buf);
  if (!v) snprintf(err, errlen, "%s: not JSON: %s", path, why);
  return v;
}

void jread_free(jv *v) {
  if (!v) return;
  for (size_t i = 0; i < v->n; i++) {
    jread_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

const jv *jget(const jv *obj, const char *key) {
  if (!obj || obj->type != J_OBJ) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (!strcmp(obj->keys[i], key)) return obj->items[i];
  return NULL;
}

const jv *jat(const jv *arr, size_t i) {
  return arr && (arr->type == J_ARR || arr->type == J_OBJ) && i < arr->n ? arr->items[i] : NULL;
}

size_t jlen(const jv *v) { return v && (v->type == J_ARR || v->type == J_OBJ) ? v->n : 0; }
double jnum(const jv *v, double dflt) { return v && v->type == J_NUM ? v->num : dflt; }
const char *jstr(const jv *v, const char *dflt) { return v && v->type == J_STR ? v->str : dflt; }
bool jtrue(const jv *v) { return v && v->type == J_BOOL && v->num != 0; }
