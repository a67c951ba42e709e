/*
** real.h: what the real-socket commands share: argument parsing and the
** gateway's peer file.
*/
#ifndef NATSIM_REAL_H
#define NATSIM_REAL_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "gateway.h"

/* "1.2.3.4:5" or "[::1]:5" (need_port: the port must be given, not 0).
** 0, or -1 (s NULL or not such an address; *out may be written). */
int real_parse_addr(const char *s, addr *out, bool need_port);
/* A decimal integer in [lo, hi]. 0, or -1 (s NULL or empty, trailing
** characters, out of range) with *out untouched. */
int real_parse_long(const char *s, long lo, long hi, long *out);
/* A gateway key: exactly 32 hex digits. 0, or -1 with key partly written. */
int real_parse_key(const char *s, uint8_t key[GW_KEY_LEN]);
/* Prints the formatted message and a newline on stderr; returns code. */
int real_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives the gateway the peers in `path`: a line per peer, its id (decimal)
** and key (32 hex digits); blank lines and # comments skipped. Returns
** the number of peer lines, or -1 with "FILE:LINE: what was expected" in err
** (truncated to len): a malformed line, or out of memory (peers read
** before it stay added), or "FILE: reason" when it cannot be opened. A
** repeated id replaces the earlier key (gateway_add_peer). */
int real_read_peers(const char *path, gateway *g, char *err, size_t len);

#endif
