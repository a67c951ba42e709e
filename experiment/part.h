/*
** part.h: a run's share of a version (exp_part) as JSON and back, for
** shards' results files and --jobs workers. Every value a summary needs
** survives the trip exactly: integers as integers (all below 2^53), the
** one fraction as a C99 hex float string.
*/
#ifndef NATSIM_PART_H
#define NATSIM_PART_H

#include <stddef.h>

#include "experiment.h"
#include "jread.h"
#include "json.h"

/* Writes p as an object under key (NULL inside an array). */
void part_write(json *j, const char *key, const exp_part *p);

/* Reads an object part_write wrote into p (p->m is the caller's:
** exp_part_free). 0, or -1 with the reason in err naming `owner` and the
** field: a missing or mistyped field, attempts that do not match lo and
** hi, or no memory. */
int part_read(const jv *v, const char *owner, exp_part *p, char *err, size_t len);

#endif
