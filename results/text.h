/*
** text.h: strings from files made safe to print on a terminal, for the
** readers of results files (run.c's errors, regress's table): UTF-8 kept,
** control characters and bytes that are not UTF-8 replaced. Allocates
** nothing; no errors.
*/
#ifndef NATSIM_TEXT_H
#define NATSIM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 character at s (1 to 4 bytes; 1 for the
** terminating NUL), or 0 when the bytes there are not one: overlong forms,
** surrogates, values above U+10FFFF and U+FFFE/U+FFFF (not characters in
** XML) count as not UTF-8. */
size_t text_utf8_len(const char *s);
/* Whether c is a C0 control character or DEL. */
bool text_is_control(char c);
/* Copies s into out (len bytes, len > 0; cut short to fit, never inside a
** character) with control characters (C0, DEL, C1) and bytes that are not
** UTF-8 as '?'. out may be s: the text never grows. */
void text_plain(const char *s, char *out, size_t len);

#endif
