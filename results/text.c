/* text.c: printable text from strings read from files. */
#include "text.h"

#include <stdbool.h>
#include <string.h>

size_t text_utf8_len(const char *str) {
  const unsigned char *s = (const unsigned char *)str;
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

bool text_is_control(char c) {
  return (unsigned char)c < 0x20 || c == 0x7F;
}

/* Whether the n bytes at s are a C1 control (U+0080 to U+009F). */
static bool is_c1(const char *s, size_t n) {
  return n == 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] < 0xA0;
}

void text_plain(const char *s, char *out, size_t len) {
  size_t n = 0;
  if (len == 0) return;
  while (*s && n + 1 < len) {
    size_t k = text_utf8_len(s);
    if (k == 0 || text_is_control(*s) || is_c1(s, k) || n + k >= len) {
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
