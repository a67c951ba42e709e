/* escape.c: strings from a results file written as text, never markup:
** in XML and HTML, and in Markdown (plain text: results/text.h). */
#include "report.h"

#include <ctype.h>
#include <string.h>

#include "text.h"

/* Writes the character at *s as is, or U+FFFD for bytes that are not
** UTF-8, and moves *s past it. */
static void put_char(FILE *f, const char **s) {
  size_t n = text_utf8_len(*s);
  if (n == 0) {
    fputs("\xEF\xBF\xBD", f);
    (*s)++;
    return;
  }
  fwrite(*s, 1, n, f);
  *s += n;
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
    if (!e && !text_is_control(*s)) {
      put_char(f, &s);
      continue;
    }
    if (e) fputs(e, f);
    else if (*s == '\n' || *s == '\t') fputc(*s, f); /* other controls left out */
    s++;
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
    if (text_is_control(*s)) {
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
