/*
** outfile.h: a file a sweep writes, written whole by a callback.
*/
#ifndef NATSIM_OUTFILE_H
#define NATSIM_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the file: what fn(f, ctx) writes. fn returns 0, or -1 on an
** error of its own. 0, or -1 with "cannot write PATH[: why]" in err when
** the file cannot be opened, fn fails or a write fails. */
int outfile_write(const char *path, int (*fn)(FILE *f, const void *ctx), const void *ctx,
                  char *err, size_t len);

#endif
