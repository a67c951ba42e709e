/* json.c: streaming JSON output. */
#include "json.h"

#include <math.h>

json json_start(FILE *f) {
  json j = {.f = f};
  return j;
}

json json_start_line(FILE *f) {
  json j = {.f = f, .line = true};
  return j;
}

static void put_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* The comma, newline, indent and key that come before every value. */
static void item(json *j, const char *key) {
  if (j->depth > 0 && j->line) {
    if (j->has_items[j->depth]) fputs(", ", j->f);
    j->has_items[j->depth] = true;
  } else if (j->depth > 0) {
    fputs(j->has_items[j->depth] ? ",\n" : "\n", j->f);
    j->has_items[j->depth] = true;
    fprintf(j->f, "%*s", 2 * j->depth, "");
  }
  if (key) {
    put_string(j->f, key);
    fputs(": ", j->f);
  }
}

static void open(json *j, const char *key, char c) {
  item(j, key);
  fputc(c, j->f);
  if (j->depth < JSON_MAX_DEPTH - 1) j->depth++;
  j->has_items[j->depth] = false;
}

void json_object(json *j, const char *key) { open(j, key, '{'); }
void json_array(json *j, const char *key) { open(j, key, '['); }

void json_end(json *j, char close) {
  bool items = j->has_items[j->depth];
  if (j->depth > 0) j->depth--;
  if (items && !j->line) fprintf(j->f, "\n%*s", 2 * j->depth, "");
  fputc(close, j->f);
  if (j->depth == 0) fputc('\n', j->f);
}

void json_str(json *j, const char *key, const char *v) {
  item(j, key);
  put_string(j->f, v);
}

void json_int(json *j, const char *key, int64_t v) {
  item(j, key);
  fprintf(j->f, "%lld", (long long)v);
}

void json_num(json *j, const char *key, double v) {
  item(j, key);
  if (isfinite(v)) fprintf(j->f, "%.10g", v);
  else fputs("null", j->f);
}

void json_bool(json *j, const char *key, bool v) {
  item(j, key);
  fputs(v ? "true" : "false", j->f);
}

void json_null(json *j, const char *key) {
  item(j, key);
  fputs("null", j->f);
}
