/* escape.c: strings from a results file written as text, never markup:
** in XML and HTML, in Markdown, and in plain text on a terminal. */
#include "report.h"

#include <ctype.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the
** bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_len(const unsigned char *s) {
  size_t n;
  unsigned min;
  unsigned c = s[0];
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
    c &= 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
    c &= 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
    c &= 0x07;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = c << 6 | (s[i] & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF) return 0;
  if (c >= 0xD800 && c <= 0xDFFF) return 0;
  if (c == 0xFFFE || c == 0xFFFF) return 0; /* not characters in XML */
  return n;
}

/* Writes the character at *s as is, or U+FFFD for bytes that are not
** UTF-8, and moves *s past it. */
static void put_char(FILE *f, const char **s) {
  size_t n = utf8_len((const unsigned char *)*s);
  if (n == 0) {
    fputs("\xEF\xBF\xBD", f);
    (*s)++;
    return;
  }
  fwrite(*s, 1, n, f);
  *s += n;
}

static bool is_control(char c) {
  return (unsigned char)c < 0x20 || c == 0x7F;
}

/* The XML entity for c, or NULL when c stands for itself. */
static const char *entity(char c) {
  if (c == '<') return "&lt;";
  if (c == '>') return "&gt;";
  if (c == '&') return "&amp;";
  if (c == '"') return "&quot;";
  return NULL;
}

void report_escape(FILE *f, const char *s) {
  while (*s) {
    const char *e = entity(*s);
    if (e) fputs(e, f);
    else if (*s == '\n' || *s == '\t') fputc(*s, f);
    if (e || is_control(*s)) s++;
    else put_char(f, &s);
  }
}

/* Whether the '_' at s (after start) lies between two ASCII letters or
** digits, where Markdown never reads it as emphasis: "full_cone". */
static bool inner_underscore(const char *start, const char *s) {
  return s > start && isalnum((unsigned char)s[-1]) && isalnum((unsigned char)s[1]);
}

void report_md_escape(FILE *f, const char *s) {
  static const char special[] = "\\`*_[]<>#|&~!";
  const char *start = s;
  while (*s) {
    if (is_control(*s)) {
      fputc(' ', f);
      s++;
      continue;
    }
    if (!strchr(special, *s) || (*s == '_' && inner_underscore(start, s))) {
      put_char(f, &s);
      continue;
    }
    fputc('\\', f);
    fputc(*s++, f);
  }
}

/* Whether the n bytes at s are a C1 control (U+0080 to U+009F). */
static bool is_c1(const char *s, size_t n) {
  return n == 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] < 0xA0;
}

void report_plain(const char *s, char *out, size_t len) {
  size_t n = 0;
  if (len == 0) return;
  while (*s && n + 1 < len) {
    size_t k = utf8_len((const unsigned char *)s);
    if (k == 0 || is_control(*s) || is_c1(s, k) || n + k >= len) {
      out[n++] = '?';
      s += k ? k : 1;
      continue;
    }
    memmove(out + n, s, k);
    n += k;
    s += k;
  }
  out[n] = '\0';
}
