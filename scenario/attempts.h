/*
** attempts.h: `natsim run --attempts FILE`: one JSON line per attempt of
** every experiment version (schema natsim-attempt/1, reports/README.md).
*/
#ifndef NATSIM_ATTEMPTS_H
#define NATSIM_ATTEMPTS_H

#include <stddef.h>
#include <stdio.h>

#include "experiment.h"

/* Opens (truncates) the records file at path before a run. Returns it, or
** NULL with the reason in err. */
FILE *attempts_open(const char *path, char *err, size_t len);
/* Closes it after the run. Returns 0, or -1 with the reason in err when a
** write failed. */
int attempts_close(FILE *f, const char *path, char *err, size_t len);

/* An exp_record_fn: writes r as one line to ctx, a FILE * open for
** writing (the caller's; write errors show in its ferror). */
void attempts_write(void *ctx, const exp_attempt *r);

#endif
