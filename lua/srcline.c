/* srcline.c: finding a table field's line in a script's text. */
#include "srcline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCE (4 << 20) /* scripts larger than this are not searched */

/* A scan of the text: where it is and on which line. */
typedef struct scan {
  const char *s;
  size_t len, at;
  int line;
} scan;

static bool ident(int c) { return isalnum(c) || c == '_'; }

/* The level of a long bracket "[==[" at s->at, or -1 when there is none. */
static int long_bracket(const scan *s) {
  size_t i = s->at + 1;
  int level = 0;
  if (s->s[s->at] != '[') return -1;
  while (i < s->len && s->s[i] == '=') {
    level++;
    i++;
  }
  return i < s->len && s->s[i] == '[' ? level : -1;
}

/* Moves past the character at s->at, counting lines. */
static void step(scan *s) {
  if (s->s[s->at] == '\n') s->line++;
  s->at++;
}

/* Skips a long string or comment whose bracket has `level`. */
static void skip_long(scan *s, int level) {
  for (int i = 0; i < level + 2; i++) step(s);
  while (s->at < s->len) {
    if (s->s[s->at] == ']') {
      size_t i = s->at + 1;
      int l = 0;
      while (i < s->len && s->s[i] == '=') {
        l++;
        i++;
      }
      if (l == level && i < s->len && s->s[i] == ']') {
        s->at = i + 1;
        return;
      }
    }
    step(s);
  }
}

/* Skips a quoted string at s->at; its contents in [*b, *e). */
static void skip_quoted(scan *s, size_t *b, size_t *e) {
  char q = s->s[s->at];
  step(s);
  *b = s->at;
  while (s->at < s->len && s->s[s->at] != q && s->s[s->at] != '\n') {
    if (s->s[s->at] == '\\' && s->at + 1 < s->len) step(s);
    step(s);
  }
  *e = s->at;
  if (s->at < s->len) step(s);
}

/* Skips a comment at s->at ("--"). */
static void skip_comment(scan *s) {
  s->at += 2;
  int level = long_bracket(s);
  if (level >= 0) {
    skip_long(s, level);
    return;
  }
  while (s->at < s->len && s->s[s->at] != '\n') s->at++;
}

/* Whether `key =` (not `==`) starts at s->at, an identifier's start. */
static bool key_here(const scan *s, const char *key) {
  size_t n = strlen(key);
  if (s->at > 0 && ident(s->s[s->at - 1])) return false;
  if (s->at + n > s->len || memcmp(s->s + s->at, key, n) != 0) return false;
  size_t i = s->at + n;
  if (i < s->len && ident(s->s[i])) return false;
  while (i < s->len && (s->s[i] == ' ' || s->s[i] == '\t')) i++;
  return i + 1 < s->len && s->s[i] == '=' && s->s[i + 1] != '=';
}

/* Scans to the end of the call's brackets, or of the text, looking for
** key: returns true with s at it. depth: brackets open so far. */
static bool find(scan *s, const char *key, bool is_name, int *depth) {
  while (s->at < s->len) {
    char c = s->s[s->at];
    if (c == '-' && s->at + 1 < s->len && s->s[s->at + 1] == '-') {
      skip_comment(s);
    } else if (c == '"' || c == '\'') {
      size_t b, e;
      skip_quoted(s, &b, &e);
      if (is_name && e - b == strlen(key) && memcmp(s->s + b, key, e - b) == 0) return true;
    } else if (long_bracket(s) >= 0) {
      skip_long(s, long_bracket(s));
    } else if (!is_name && *depth > 0 && key_here(s, key)) {
      return true;
    } else {
      if (c == '{' || c == '(' || c == '[') ++*depth;
      if ((c == '}' || c == ')' || c == ']') && --*depth == 0) return false;
      step(s);
    }
  }
  return false;
}

static char *read_text(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *text = malloc(MAX_SOURCE);
  *len = text ? fread(text, 1, MAX_SOURCE, f) : 0;
  fclose(f);
  if (text && *len == MAX_SOURCE) {
    free(text);
    return NULL;
  }
  return text;
}

int srcline_find(const char *path, int from, const char *const *keys,
                 const bool *is_name, int n) {
  size_t len = 0;
  char *text = n > 0 ? read_text(path, &len) : NULL;
  if (!text) return from;
  scan s = {text, len, 0, 1};
  while (s.at < s.len && s.line < from) step(&s);
  int depth = 0;
  int line = from;
  for (int i = 0; i < n && find(&s, keys[i], is_name[i], &depth); i++) {
    line = s.line;
    if (!is_name[i]) s.at += strlen(keys[i]); /* on to what the key holds */
  }
  free(text);
  return line;
}
